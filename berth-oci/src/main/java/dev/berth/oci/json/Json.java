package dev.berth.oci.json;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A small, strict JSON reader and writer (RFC 8259).
 *
 * <p>Values are plain JDK types: {@code Map<String,Object>} (insertion ordered), {@code List<Object>},
 * {@code String}, {@code Long} (or {@code BigInteger} past 64 bits), {@code Double}, {@code Boolean} and
 * {@code null}. berth parses config.json on every {@code berth runtime run}, so this reader exists to keep
 * start-up free of a reflective mapper; {@link JsonObject} gives typed access that names the field path in
 * every error.
 */
public final class Json {
    private final String text;
    private final String source;
    private int pos;

    private Json(String text, String source) {
        this.text = text;
        this.source = source;
    }

    /** Parses a whole document; {@code source} (a file name) prefixes error messages. */
    public static Object parse(String text, String source) {
        Json p = new Json(text, source);
        p.skipSpace();
        Object v = p.value();
        p.skipSpace();
        if (p.pos != text.length()) throw p.error("unexpected text after the JSON value");
        return v;
    }

    /** Parses a document that must be an object. */
    public static JsonObject parseObject(String text, String source) {
        Object v = parse(text, source);
        if (!(v instanceof Map<?, ?>)) throw new JsonException(source + ": expected a JSON object");
        return JsonObject.root(cast(v), source);
    }

    @SuppressWarnings("unchecked")
    static Map<String, Object> cast(Object v) {
        return (Map<String, Object>) v;
    }

    private JsonException error(String what) {
        int line = 1, col = 1;
        for (int i = 0; i < Math.min(pos, text.length()); i++) {
            if (text.charAt(i) == '\n') { line++; col = 1; } else col++;
        }
        return new JsonException(source + ":" + line + ":" + col + ": " + what);
    }

    private void skipSpace() {
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r') pos++;
            else break;
        }
    }

    private Object value() {
        if (pos >= text.length()) throw error("unexpected end of input");
        char c = text.charAt(pos);
        return switch (c) {
            case '{' -> object();
            case '[' -> array();
            case '"' -> string();
            case 't' -> literal("true", Boolean.TRUE);
            case 'f' -> literal("false", Boolean.FALSE);
            case 'n' -> literal("null", null);
            default -> {
                if (c == '-' || (c >= '0' && c <= '9')) yield number();
                throw error("unexpected character '" + c + "'");
            }
        };
    }

    private Object literal(String word, Object v) {
        if (!text.startsWith(word, pos)) throw error("invalid literal");
        pos += word.length();
        return v;
    }

    private Map<String, Object> object() {
        pos++;
        Map<String, Object> m = new LinkedHashMap<>();
        skipSpace();
        if (peek() == '}') { pos++; return m; }
        while (true) {
            skipSpace();
            if (peek() != '"') throw error("expected a field name");
            String k = string();
            skipSpace();
            if (peek() != ':') throw error("expected ':' after field \"" + k + "\"");
            pos++;
            skipSpace();
            m.put(k, value());
            skipSpace();
            char c = peek();
            pos++;
            if (c == '}') return m;
            if (c != ',') { pos--; throw error("expected ',' or '}'"); }
        }
    }

    private List<Object> array() {
        pos++;
        List<Object> l = new ArrayList<>();
        skipSpace();
        if (peek() == ']') { pos++; return l; }
        while (true) {
            skipSpace();
            l.add(value());
            skipSpace();
            char c = peek();
            pos++;
            if (c == ']') return l;
            if (c != ',') { pos--; throw error("expected ',' or ']'"); }
        }
    }

    private char peek() {
        if (pos >= text.length()) throw error("unexpected end of input");
        return text.charAt(pos);
    }

    private String string() {
        pos++;
        StringBuilder sb = null;
        int start = pos;
        while (true) {
            if (pos >= text.length()) throw error("unterminated string");
            char c = text.charAt(pos);
            if (c == '"') {
                String s = sb == null ? text.substring(start, pos) : sb.append(text, start, pos).toString();
                pos++;
                return s;
            }
            if (c < 0x20) throw error("control character in string");
            if (c == '\\') {
                if (sb == null) sb = new StringBuilder();
                sb.append(text, start, pos);
                pos++;
                char e = peek();
                pos++;
                switch (e) {
                    case '"', '\\', '/' -> sb.append(e);
                    case 'b' -> sb.append('\b');
                    case 'f' -> sb.append('\f');
                    case 'n' -> sb.append('\n');
                    case 'r' -> sb.append('\r');
                    case 't' -> sb.append('\t');
                    case 'u' -> {
                        if (pos + 4 > text.length()) throw error("bad \\u escape");
                        int u = 0;
                        for (int i = pos; i < pos + 4; i++) {
                            // exactly 4 ASCII hex digits: parseInt would take a sign, digit() non-ASCII digits
                            char h = text.charAt(i);
                            int d = h <= 'f' ? Character.digit(h, 16) : -1;
                            if (d < 0) throw error("bad \\u escape");
                            u = u * 16 + d;
                        }
                        sb.append((char) u);
                        pos += 4;
                    }
                    default -> throw error("bad escape \\" + e);
                }
                start = pos;
            } else {
                pos++;
            }
        }
    }

    private Object number() {
        int start = pos;
        if (peek() == '-') pos++;
        boolean fraction = false;
        while (pos < text.length()) {
            char c = text.charAt(pos);
            if (c >= '0' && c <= '9') pos++;
            else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') { fraction = true; pos++; }
            else break;
        }
        String n = text.substring(start, pos);
        try {
            if (fraction) return new BigDecimal(n).doubleValue();
            BigInteger b = new BigInteger(n);
            return b.bitLength() < 64 ? (Object) b.longValue() : b;
        } catch (NumberFormatException e) {
            pos = start;
            throw error("invalid number '" + n + "'");
        }
    }

    // ---- writing ----

    /** Writes a value compactly. */
    public static String write(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, -1, 0);
        return sb.toString();
    }

    /** Writes a value indented by two spaces, as `runc spec` does. */
    public static String writePretty(Object v) {
        StringBuilder sb = new StringBuilder();
        write(sb, v, 2, 0);
        return sb.append('\n').toString();
    }

    private static void newline(StringBuilder sb, int indent, int depth) {
        if (indent < 0) return;
        sb.append('\n');
        for (int i = 0; i < indent * depth; i++) sb.append(' ');
    }

    private static void write(StringBuilder sb, Object v, int indent, int depth) {
        switch (v) {
            case null -> sb.append("null");
            case String s -> quote(sb, s);
            case Boolean b -> sb.append(b);
            case Double d -> sb.append(d.isNaN() || d.isInfinite() ? "null" : d == Math.rint(d) && Math.abs(d) < 1e15 ? Long.toString(d.longValue()) : d.toString());
            case Number n -> sb.append(n);
            case Map<?, ?> m -> {
                if (m.isEmpty()) { sb.append("{}"); return; }
                sb.append('{');
                boolean first = true;
                for (Map.Entry<?, ?> e : m.entrySet()) {
                    if (!first) sb.append(',');
                    first = false;
                    newline(sb, indent, depth + 1);
                    quote(sb, String.valueOf(e.getKey()));
                    sb.append(indent < 0 ? ":" : ": ");
                    write(sb, e.getValue(), indent, depth + 1);
                }
                newline(sb, indent, depth);
                sb.append('}');
            }
            case Iterable<?> l -> {
                if (!l.iterator().hasNext()) { sb.append("[]"); return; }
                sb.append('[');
                boolean first = true;
                for (Object o : l) {
                    if (!first) sb.append(',');
                    first = false;
                    newline(sb, indent, depth + 1);
                    write(sb, o, indent, depth + 1);
                }
                newline(sb, indent, depth);
                sb.append(']');
            }
            case JsonObject o -> write(sb, o.map(), indent, depth);
            default -> quote(sb, v.toString());
        }
    }

    private static void quote(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> sb.append("\\\"");
                case '\\' -> sb.append("\\\\");
                case '\n' -> sb.append("\\n");
                case '\r' -> sb.append("\\r");
                case '\t' -> sb.append("\\t");
                default -> {
                    if (c < 0x20) sb.append(String.format("\\u%04x", (int) c));
                    else sb.append(c);
                }
            }
        }
        sb.append('"');
    }

    /** An ordered map builder for writing, e.g. {@code Json.obj("id", id, "pid", pid)}. */
    public static Map<String, Object> obj(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) if (kv[i + 1] != null) m.put((String) kv[i], kv[i + 1]);
        return m;
    }

    static List<Object> unmodifiable(List<Object> l) {
        return Collections.unmodifiableList(l);
    }
}
