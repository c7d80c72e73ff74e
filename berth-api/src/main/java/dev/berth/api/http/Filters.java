package dev.berth.api.http;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The {@code filters} query parameter: URL-decoded JSON in either of the shapes clients send. The docker CLI
 * sends a map of sets, {@code {"label":{"a=b":true},"status":{"exited":true}}}; docker-py a map of lists,
 * {@code {"label":["a=b","c=d"]}}. Both read as {@code label: [a=b, ...]}. As in moby, every key of a set
 * counts, whatever its boolean. Matching (AND across keys, OR within one) is the caller's.
 */
public final class Filters {
    private Filters() {
    }

    /** Parses a filters value; null or empty gives an empty map. Anything else malformed is a 400. */
    public static Map<String, List<String>> parse(String json) {
        if (json == null || json.isBlank()) return Map.of();
        Object doc;
        try {
            doc = Json.parse(json, "filters");
        } catch (JsonException e) {
            throw ApiException.badRequest("invalid filters: " + e.getMessage());
        }
        if (!(doc instanceof Map<?, ?> map)) throw ApiException.badRequest("invalid filters: expected a JSON object, got " + json);
        Map<String, List<String>> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            String key = (String) e.getKey();
            List<String> values = new ArrayList<>();
            switch (e.getValue()) {
                case Map<?, ?> set -> {
                    for (Object v : set.keySet()) values.add((String) v);
                }
                case List<?> list -> {
                    for (Object v : list) {
                        if (!(v instanceof String s)) throw ApiException.badRequest("invalid filters: " + key + ": expected strings, got " + Json.write(v));
                        values.add(s);
                    }
                }
                case String s -> values.add(s);
                case null, default -> throw ApiException.badRequest(
                        "invalid filters: " + key + ": expected an object or an array, got " + Json.write(e.getValue()));
            }
            out.put(key, Collections.unmodifiableList(values));
        }
        return Collections.unmodifiableMap(out);
    }
}
