package dev.berth.cli;

import dev.berth.oci.json.Json;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The part of Go's text/template that {@code --format} needs: {@code {{.A.B}}}, {@code {{json .}}},
 * {@code {{json .A}}}, {@code {{index .A "k"}}} / {@code {{index .A 1}}}, {@code {{join .A ","}}},
 * {@code {{upper .A}}}, {@code {{lower .A}}}, {@code {{len .A}}}, {@code {{printf "%s" .A}}} and literal text
 * (with {@code \t} and {@code \n} as docker reads them). {@code table ...} prints a header row and aligns the
 * tab-separated columns as docker's tabwriter does.
 */
final class Template {
    private final List<Object> parts = new ArrayList<>(); // String (text) or String[] (an action's words)
    final boolean table;

    private Template(String format) {
        String f = format;
        table = f.startsWith("table ") || f.equals("table");
        if (table) f = f.substring(5).stripLeading();
        f = f.replace("\\t", "\t").replace("\\n", "\n");
        int i = 0;
        while (i < f.length()) {
            int open = f.indexOf("{{", i);
            if (open < 0) {
                parts.add(f.substring(i));
                break;
            }
            if (open > i) parts.add(f.substring(i, open));
            int close = f.indexOf("}}", open);
            if (close < 0) throw new Args.UsageException("--format: unclosed action in \"" + format + "\"");
            String action = f.substring(open + 2, close).trim();
            if (action.startsWith("-")) action = action.substring(1).trim();
            if (action.endsWith("-")) action = action.substring(0, action.length() - 1).trim();
            parts.add(words(action, format));
            i = close + 2;
        }
    }

    static Template parse(String format) {
        return new Template(format);
    }

    /** "json", or a template: one line per item (with a header when it is a table). */
    static void print(PrintStream out, String format, List<Map<String, Object>> items, Map<String, String> headers) {
        if (format.equals("json")) {
            for (Map<String, Object> m : items) out.println(Json.write(m));
            return;
        }
        Template t = parse(format);
        if (!t.table) {
            for (Map<String, Object> m : items) out.println(t.render(m));
            return;
        }
        List<String> lines = new ArrayList<>();
        lines.add(t.header(headers));
        for (Map<String, Object> m : items) lines.add(t.render(m));
        Output.tabs(out, lines);
    }

    private static String[] words(String action, String format) {
        List<String> w = new ArrayList<>();
        int i = 0;
        while (i < action.length()) {
            char c = action.charAt(i);
            if (c == ' ') {
                i++;
            } else if (c == '"' || c == '`') {
                int end = action.indexOf(c, i + 1);
                while (c == '"' && end > 0 && action.charAt(end - 1) == '\\') end = action.indexOf(c, end + 1);
                if (end < 0) throw new Args.UsageException("--format: unterminated string in \"" + format + "\"");
                w.add(action.substring(i, end + 1));
                i = end + 1;
            } else {
                int end = action.indexOf(' ', i);
                if (end < 0) end = action.length();
                w.add(action.substring(i, end));
                i = end;
            }
        }
        if (w.isEmpty()) throw new Args.UsageException("--format: empty action in \"" + format + "\"");
        String f = w.getFirst();
        if (!f.startsWith(".") && !List.of("json", "index", "join", "upper", "lower", "len", "printf", "title", "println").contains(f)) {
            throw new Args.UsageException("--format: function \"" + f + "\" not defined (berth knows .Field, json, index, join, upper, lower, len, printf)");
        }
        return w.toArray(String[]::new);
    }

    String render(Object data) {
        StringBuilder sb = new StringBuilder();
        for (Object p : parts) {
            if (p instanceof String s) sb.append(s);
            else sb.append(text(eval((String[]) p, data)));
        }
        return sb.toString();
    }

    /** The header row: each action's field, named by {@code headers} or upper-cased. */
    private String header(Map<String, String> headers) {
        StringBuilder sb = new StringBuilder();
        for (Object p : parts) {
            if (p instanceof String s) sb.append(s);
            else {
                String[] w = (String[]) p;
                String field = w[w.length - 1].startsWith(".") ? w[w.length - 1].substring(1) : w[0];
                String h = headers.get(field);
                sb.append(h != null ? h : field.toUpperCase());
            }
        }
        return sb.toString();
    }

    private static Object eval(String[] w, Object data) {
        if (w[0].startsWith(".")) return field(data, w[0]);
        Object[] args = new Object[w.length - 1];
        for (int i = 1; i < w.length; i++) args[i - 1] = arg(w[i], data);
        Object a = args.length > 0 ? args[0] : null;
        return switch (w[0]) {
            case "json" -> Json.write(a);
            case "upper" -> text(a).toUpperCase();
            case "lower" -> text(a).toLowerCase();
            case "title" -> text(a).isEmpty() ? "" : Character.toUpperCase(text(a).charAt(0)) + text(a).substring(1);
            case "len" -> a instanceof List<?> l ? l.size() : a instanceof Map<?, ?> m ? m.size() : text(a).length();
            case "join" -> a instanceof List<?> l ? String.join(args.length > 1 ? text(args[1]) : "", l.stream().map(Template::text).toList()) : text(a);
            case "println" -> text(a) + "\n";
            case "printf" -> {
                Object[] rest = new Object[Math.max(0, args.length - 1)];
                for (int i = 1; i < args.length; i++) rest[i - 1] = args[i] instanceof Number || args[i] instanceof String ? args[i] : text(args[i]);
                yield String.format(text(a).replace("%v", "%s"), rest);
            }
            case "index" -> {
                Object v = a;
                for (int i = 1; i < args.length; i++) {
                    if (v instanceof Map<?, ?> m) v = m.get(text(args[i]));
                    else if (v instanceof List<?> l && args[i] instanceof Long n && n < l.size()) v = l.get(n.intValue());
                    else throw new IllegalArgumentException("template: index of " + text(args[i]) + " out of range");
                }
                yield v;
            }
            default -> throw new IllegalStateException(w[0]);
        };
    }

    private static Object arg(String w, Object data) {
        if (w.startsWith("\"") || w.startsWith("`")) return w.substring(1, w.length() - 1).replace("\\\"", "\"").replace("\\n", "\n").replace("\\t", "\t");
        if (w.startsWith(".")) return field(data, w);
        try {
            return Long.parseLong(w);
        } catch (NumberFormatException e) {
            throw new Args.UsageException("--format: cannot read \"" + w + "\"");
        }
    }

    /** ".A.B": map lookups; "." is the item itself. A missing key is Go's {@code <no value>}. */
    private static Object field(Object data, String path) {
        Object v = data;
        if (path.equals(".")) return v;
        for (String k : path.substring(1).split("\\.")) {
            if (v instanceof Map<?, ?> m) {
                if (!m.containsKey(k)) return NO_VALUE;
                v = m.get(k);
            } else {
                throw new IllegalArgumentException("template: can't evaluate field " + k + " in " + path);
            }
        }
        return v;
    }

    private static final Object NO_VALUE = new Object() {
        @Override
        public String toString() {
            return "<no value>";
        }
    };

    /** Go's fmt %v: maps as map[k:v], lists as [a b], null as <nil>. */
    static String text(Object v) {
        if (v == null) return "<nil>";
        if (v instanceof String s) return s;
        if (v instanceof Double d && d == Math.rint(d) && Math.abs(d) < 1e15) return Long.toString(d.longValue());
        if (v instanceof List<?> l) {
            StringBuilder sb = new StringBuilder("[");
            for (Object o : l) sb.append(sb.length() > 1 ? " " : "").append(text(o));
            return sb.append(']').toString();
        }
        if (v instanceof Map<?, ?> m) {
            StringBuilder sb = new StringBuilder("map[");
            m.entrySet().stream().sorted((x, y) -> String.valueOf(x.getKey()).compareTo(String.valueOf(y.getKey())))
                    .forEach(e -> sb.append(sb.length() > 4 ? " " : "").append(e.getKey()).append(':').append(text(e.getValue())));
            return sb.append(']').toString();
        }
        return String.valueOf(v);
    }
}
