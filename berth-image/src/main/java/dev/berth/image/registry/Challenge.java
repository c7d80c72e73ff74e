package dev.berth.image.registry;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One challenge of a WWW-Authenticate header (RFC 7235): a scheme and its parameters, e.g. {@code Bearer
 * realm="https://auth.example/token",service="registry.example",scope="repository:app:pull,push"}.
 */
record Challenge(String scheme, Map<String, String> params) {
    Challenge {
        scheme = scheme.toLowerCase(Locale.ROOT);
        params = Map.copyOf(params);
    }

    String param(String name) {
        return params.get(name);
    }

    /** Parses every challenge of every header value; malformed parts are skipped, never thrown. */
    static List<Challenge> parse(List<String> headers) {
        List<Challenge> out = new ArrayList<>();
        for (String h : headers) parse(h, out);
        return out;
    }

    private static void parse(String s, List<Challenge> out) {
        int[] pos = {0};
        String scheme = null;
        Map<String, String> params = new LinkedHashMap<>();
        while (true) {
            skip(s, pos, " \t,");
            if (pos[0] >= s.length()) break;
            String token = token(s, pos);
            if (token.isEmpty()) { // "=value" or a stray quote: skip it with its value
                char c = s.charAt(pos[0]++);
                if (c == '=') {
                    skip(s, pos, " \t");
                    if (pos[0] < s.length() && s.charAt(pos[0]) == '"') quoted(s, pos); else token(s, pos);
                }
                continue;
            }
            skip(s, pos, " \t");
            if (pos[0] < s.length() && s.charAt(pos[0]) == '=' && scheme != null) {
                pos[0]++;
                skip(s, pos, " \t");
                String value = pos[0] < s.length() && s.charAt(pos[0]) == '"' ? quoted(s, pos) : token(s, pos);
                params.put(token.toLowerCase(Locale.ROOT), value);
            } else if (pos[0] < s.length() && s.charAt(pos[0]) == '=') {
                pos[0]++; // a parameter with no scheme before it: ignore
                if (pos[0] < s.length() && s.charAt(pos[0]) == '"') quoted(s, pos); else token(s, pos);
            } else {
                if (scheme != null) out.add(new Challenge(scheme, params));
                scheme = token;
                params = new LinkedHashMap<>();
            }
        }
        if (scheme != null) out.add(new Challenge(scheme, params));
    }

    private static void skip(String s, int[] pos, String chars) {
        while (pos[0] < s.length() && chars.indexOf(s.charAt(pos[0])) >= 0) pos[0]++;
    }

    private static String token(String s, int[] pos) {
        int start = pos[0];
        while (pos[0] < s.length() && " \t,=\"".indexOf(s.charAt(pos[0])) < 0) pos[0]++;
        return s.substring(start, pos[0]);
    }

    private static String quoted(String s, int[] pos) {
        StringBuilder sb = new StringBuilder();
        pos[0]++;
        while (pos[0] < s.length()) {
            char c = s.charAt(pos[0]++);
            if (c == '"') break;
            if (c == '\\' && pos[0] < s.length()) c = s.charAt(pos[0]++);
            sb.append(c);
        }
        return sb.toString();
    }
}
