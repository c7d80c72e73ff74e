package dev.berth.api.http;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Percent-decoding of request paths and {@code application/x-www-form-urlencoded} queries, as UTF-8. */
final class UrlCodec {
    private UrlCodec() {
    }

    /** Decodes {@code %XX} (a path keeps {@code +}); a malformed escape is a {@link Body.MalformedRequest}. */
    static String decode(String s, boolean plusIsSpace) throws Body.MalformedRequest {
        int i = 0, n = s.length();
        while (i < n && s.charAt(i) != '%' && !(plusIsSpace && s.charAt(i) == '+')) i++;
        if (i == n) return s;
        StringBuilder out = new StringBuilder(n);
        out.append(s, 0, i);
        ByteArrayOutputStream bytes = null;
        while (i < n) {
            char c = s.charAt(i);
            if (c == '%') {
                if (bytes == null) bytes = new ByteArrayOutputStream();
                bytes.reset();
                while (i < n && s.charAt(i) == '%') {
                    int hi = i + 2 < n ? Character.digit(s.charAt(i + 1), 16) : -1;
                    int lo = i + 2 < n ? Character.digit(s.charAt(i + 2), 16) : -1;
                    if (hi < 0 || lo < 0) throw new Body.MalformedRequest("bad percent escape in \"" + s + "\"");
                    bytes.write(hi * 16 + lo);
                    i += 3;
                }
                out.append(bytes.toString(StandardCharsets.UTF_8));
            } else {
                out.append(plusIsSpace && c == '+' ? ' ' : c);
                i++;
            }
        }
        return out.toString();
    }

    /** Parses a query string into names and their values in order; {@code t=a&t=b} gives {@code t: [a, b]}. */
    static Map<String, List<String>> query(String raw) throws Body.MalformedRequest {
        if (raw == null || raw.isEmpty()) return Map.of();
        Map<String, List<String>> q = new LinkedHashMap<>();
        int start = 0;
        while (start <= raw.length()) {
            int amp = raw.indexOf('&', start);
            if (amp < 0) amp = raw.length();
            if (amp > start) {
                String pair = raw.substring(start, amp);
                int eq = pair.indexOf('=');
                String name = decode(eq < 0 ? pair : pair.substring(0, eq), true);
                String value = eq < 0 ? "" : decode(pair.substring(eq + 1), true);
                q.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
            }
            start = amp + 1;
        }
        q.replaceAll((k, v) -> Collections.unmodifiableList(v));
        return Collections.unmodifiableMap(q);
    }
}
