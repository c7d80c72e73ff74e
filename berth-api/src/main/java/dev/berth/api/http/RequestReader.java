package dev.berth.api.http;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads one request head off a connection and sets up its body. Strict where a mistake could desynchronise
 * the connection (lengths, codings, line folding), lenient elsewhere (leading blank lines, absolute targets).
 */
final class RequestReader {
    /** Like Go's DefaultMaxHeaderBytes: {@code X-Registry-Config} can carry every stored login. */
    static final int HEAD_LIMIT = 1024 * 1024;

    /** A parsed head: the request, and whether the client asked to close after it. */
    record Head(Request request, boolean close, boolean expectContinue) {
    }

    private RequestReader() {
    }

    static Head read(ChannelInput in) throws IOException {
        int[] budget = {HEAD_LIMIT};
        String line = in.readLine(budget);
        while (line.isEmpty()) line = in.readLine(budget);
        int sp1 = line.indexOf(' '), sp2 = line.lastIndexOf(' ');
        if (sp1 <= 0 || sp2 <= sp1) throw new Body.MalformedRequest("malformed request line \"" + clip(line) + "\"");
        String method = line.substring(0, sp1);
        String target = line.substring(sp1 + 1, sp2);
        String protocol = line.substring(sp2 + 1);
        if (!protocol.equals("HTTP/1.1") && !protocol.equals("HTTP/1.0")) {
            throw new Body.MalformedRequest("unsupported protocol \"" + clip(protocol) + "\"");
        }

        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        while (!(line = in.readLine(budget)).isEmpty()) {
            char c0 = line.charAt(0);
            if (c0 == ' ' || c0 == '\t') throw new Body.MalformedRequest("folded header line \"" + clip(line) + "\"");
            int colon = line.indexOf(':');
            if (colon <= 0 || line.lastIndexOf(' ', colon) >= 0) throw new Body.MalformedRequest("malformed header line \"" + clip(line) + "\"");
            String name = line.substring(0, colon);
            String value = line.substring(colon + 1).strip();
            headers.computeIfAbsent(name, k -> new ArrayList<>(1)).add(value);
        }

        // target: origin form "/path?query", or absolute form "http://host/path?query"
        if (target.startsWith("http://") || target.startsWith("https://")) {
            int slash = target.indexOf('/', target.indexOf("//") + 2);
            target = slash < 0 ? "/" : target.substring(slash);
        }
        if (target.isEmpty() || target.charAt(0) != '/') throw new Body.MalformedRequest("malformed request target \"" + clip(target) + "\"");
        int q = target.indexOf('?');
        String rawPath = q < 0 ? target : target.substring(0, q);
        String rawQuery = q < 0 ? null : target.substring(q + 1);
        String decoded = UrlCodec.decode(rawPath, false);
        String apiVersion = null, path = decoded;
        if (decoded.startsWith("/v") && decoded.length() > 2 && Character.isDigit(decoded.charAt(2))) {
            int slash = decoded.indexOf('/', 2);
            if (slash > 0 && decoded.substring(2, slash).chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
                apiVersion = decoded.substring(2, slash);
                path = decoded.substring(slash);
            }
        }

        Body body = body(in, headers);
        boolean close = protocol.equals("HTTP/1.0") ? !hasToken(headers, "Connection", "keep-alive")
                : hasToken(headers, "Connection", "close");
        boolean expectContinue = !body.finished() && hasToken(headers, "Expect", "100-continue");
        headers.replaceAll((k, v) -> Collections.unmodifiableList(v));
        Request request = new Request(method, rawPath, path, apiVersion, rawQuery, UrlCodec.query(rawQuery),
                Collections.unmodifiableMap(headers), body, Map.of());
        return new Head(request, close, expectContinue);
    }

    private static Body body(ChannelInput in, Map<String, List<String>> headers) throws IOException {
        List<String> te = headers.get("Transfer-Encoding");
        if (te != null) {
            String last = String.join(",", te);
            last = last.substring(last.lastIndexOf(',') + 1).strip().toLowerCase(Locale.ROOT);
            if (!last.equals("chunked")) throw new Body.MalformedRequest("unsupported Transfer-Encoding \"" + String.join(", ", te) + "\"");
            return new Body.Chunked(in);
        }
        List<String> cl = headers.get("Content-Length");
        if (cl == null) return Body.empty(in);
        long length = -1;
        for (String v : cl) {
            for (String part : v.split(",")) {
                long n;
                try {
                    n = Long.parseLong(part.strip());
                } catch (NumberFormatException e) {
                    throw new Body.MalformedRequest("bad Content-Length \"" + clip(v) + "\"");
                }
                if (n < 0 || (length >= 0 && n != length)) throw new Body.MalformedRequest("bad Content-Length \"" + clip(String.join(", ", cl)) + "\"");
                length = n;
            }
        }
        return length == 0 ? Body.empty(in) : new Body.Fixed(in, length);
    }

    private static boolean hasToken(Map<String, List<String>> headers, String name, String token) {
        List<String> values = headers.get(name);
        if (values == null) return false;
        for (String v : values) {
            for (String t : v.split(",")) if (t.strip().equalsIgnoreCase(token)) return true;
        }
        return false;
    }

    private static String clip(String s) {
        return s.length() > 80 ? s.substring(0, 80) + "..." : s;
    }
}
