package dev.berth.oci.json;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Typed, path-aware access to a parsed JSON object. Every accessor that finds the wrong type throws a
 * {@link JsonException} naming the document and the field, e.g. {@code config.json: process.args[1]: expected a
 * string}. Absent fields and JSON {@code null} read as absent.
 */
public final class JsonObject {
    private final Map<String, Object> map;
    private final String path;
    private final String source;

    private JsonObject(Map<String, Object> map, String path, String source) {
        this.map = map;
        this.path = path;
        this.source = source;
    }

    static JsonObject root(Map<String, Object> map, String source) {
        return new JsonObject(map, "", source);
    }

    public Map<String, Object> map() {
        return map;
    }

    public boolean has(String key) {
        return map.get(key) != null;
    }

    public String path(String key) {
        return path.isEmpty() ? key : path + "." + key;
    }

    /** An error about a field of this object. */
    public JsonException error(String key, String what) {
        return new JsonException(source + ": " + path(key) + ": " + what);
    }

    private JsonException wrongType(String p, String expected, Object got) {
        String kind = got == null ? "null" : got instanceof Map ? "an object" : got instanceof List ? "an array" : got instanceof String ? "a string"
                : got instanceof Boolean ? "a boolean" : "a number";
        return new JsonException(source + ": " + p + ": expected " + expected + ", got " + kind);
    }

    public String string(String key) {
        Object v = map.get(key);
        if (v == null) return null;
        if (v instanceof String s) return s;
        throw wrongType(path(key), "a string", v);
    }

    public String requireString(String key) {
        String s = string(key);
        if (s == null) throw error(key, "required field is missing");
        return s;
    }

    public String string(String key, String dflt) {
        String s = string(key);
        return s == null ? dflt : s;
    }

    public boolean bool(String key) {
        Object v = map.get(key);
        if (v == null) return false;
        if (v instanceof Boolean b) return b;
        throw wrongType(path(key), "a boolean", v);
    }

    public Boolean boolOrNull(String key) {
        return has(key) ? bool(key) : null;
    }

    public Long longOrNull(String key) {
        return toLong(map.get(key), path(key));
    }

    public long longValue(String key, long dflt) {
        Long l = longOrNull(key);
        return l == null ? dflt : l;
    }

    public long requireLong(String key) {
        Long l = longOrNull(key);
        if (l == null) throw error(key, "required field is missing");
        return l;
    }

    public Integer intOrNull(String key) {
        Long l = longOrNull(key);
        if (l == null) return null;
        if (l < Integer.MIN_VALUE || l > Integer.MAX_VALUE) throw error(key, "number out of range: " + l);
        return l.intValue();
    }

    private Long toLong(Object v, String p) {
        if (v == null) return null;
        if (v instanceof Long l) return l;
        // Unsigned 64-bit values (seccomp arguments, "unlimited" limits) keep their bits.
        if (v instanceof BigInteger b && b.signum() >= 0 && b.bitLength() <= 64) return b.longValue();
        if (v instanceof Double d && d == Math.rint(d)) return d.longValue();
        throw wrongType(p, "an integer", v);
    }

    public JsonObject object(String key) {
        Object v = map.get(key);
        if (v == null) return null;
        if (v instanceof Map<?, ?>) return new JsonObject(Json.cast(v), path(key), source);
        throw wrongType(path(key), "an object", v);
    }

    private List<?> list(String key) {
        Object v = map.get(key);
        if (v == null) return List.of();
        if (v instanceof List<?> l) return l;
        throw wrongType(path(key), "an array", v);
    }

    public List<String> strings(String key) {
        List<?> l = list(key);
        List<String> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            if (!(l.get(i) instanceof String s)) throw wrongType(path(key) + "[" + i + "]", "a string", l.get(i));
            out.add(s);
        }
        return List.copyOf(out);
    }

    public List<Long> longs(String key) {
        List<?> l = list(key);
        List<Long> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            Long v = toLong(l.get(i), path(key) + "[" + i + "]");
            if (v == null) throw new JsonException(source + ": " + path(key) + "[" + i + "]: expected an integer, got null");
            out.add(v);
        }
        return List.copyOf(out);
    }

    public List<JsonObject> objects(String key) {
        List<?> l = list(key);
        List<JsonObject> out = new ArrayList<>(l.size());
        for (int i = 0; i < l.size(); i++) {
            String p = path(key) + "[" + i + "]";
            if (!(l.get(i) instanceof Map<?, ?>)) throw wrongType(p, "an object", l.get(i));
            out.add(new JsonObject(Json.cast(l.get(i)), p, source));
        }
        return out;
    }

    /** A string-to-string map such as annotations or sysctl. */
    public Map<String, String> stringMap(String key) {
        JsonObject o = object(key);
        if (o == null) return Map.of();
        Map<String, String> out = new LinkedHashMap<>();
        for (String k : o.map.keySet()) {
            String v = o.string(k);
            if (v != null) out.put(k, v); // null reads as absent, as for any field
        }
        return out;
    }
}
