package dev.berth.api.http;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonException;
import dev.berth.oci.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * One HTTP request, as the handler sees it.
 *
 * @param method     {@code GET}, {@code POST}, ... (as sent; methods are case-sensitive)
 * @param rawPath    the request target's path as sent, still percent-encoded, with any {@code /vX.Y} prefix
 * @param path       the decoded path without the {@code /vX.Y} prefix: what routes match
 * @param apiVersion the {@code X.Y} of the prefix, or null when the path had none
 * @param rawQuery   the query string as sent (without the {@code ?}), or null when there was none
 * @param query      decoded query parameters, each with its values in order ({@code t} can repeat)
 * @param headers    header values by name, case-insensitively
 * @param body       the body, honouring {@code Content-Length} or chunked coding; empty when there is none
 * @param params     the named segments of the route that matched, e.g. {@code name} for
 *                   {@code /images/{name*}/json}
 */
public record Request(String method, String rawPath, String path, String apiVersion, String rawQuery,
                      Map<String, List<String>> query,
                      Map<String, List<String>> headers, InputStream body, Map<String, String> params) {

    /** The largest body {@link #json()} reads: far above any create request, well below memory trouble. */
    public static final int JSON_LIMIT = 16 * 1024 * 1024;

    /** The same request with the route's named segments. */
    public Request withParams(Map<String, String> params) {
        return new Request(method, rawPath, path, apiVersion, rawQuery, query, headers, body, Map.copyOf(params));
    }

    /** A named segment of the matched route; throws if the route has none by that name (a programming error). */
    public String param(String name) {
        String v = params.get(name);
        if (v == null) throw new IllegalArgumentException("route " + path + " has no segment {" + name + "}");
        return v;
    }

    /** The first value of a query parameter, or null. */
    public String query(String name) {
        List<String> v = query.get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    /** The first value of a query parameter, or {@code dflt} when it is absent. */
    public String query(String name, String dflt) {
        String v = query(name);
        return v == null ? dflt : v;
    }

    /** Every value of a repeated query parameter, e.g. the tags of {@code build?t=a&t=b}. */
    public List<String> queryAll(String name) {
        return query.getOrDefault(name, List.of());
    }

    /** A boolean query parameter; absent means false. */
    public boolean bool(String name) {
        return bool(name, false);
    }

    /**
     * A boolean query parameter, read as moby does: {@code ""}, {@code 0}, {@code no}, {@code false} and
     * {@code none} (any case) are false, anything else is true ({@code 1}, {@code True}); absent gives
     * {@code dflt}.
     */
    public boolean bool(String name, boolean dflt) {
        String v = query(name);
        if (v == null) return dflt;
        return !switch (v.toLowerCase(Locale.ROOT)) {
            case "", "0", "no", "false", "none" -> true;
            default -> false;
        };
    }

    /** An integer query parameter ({@code t=10}, {@code limit=-1}); absent or empty gives {@code dflt}, junk a 400. */
    public long longQuery(String name, long dflt) {
        String v = query(name);
        if (v == null || v.isEmpty()) return dflt;
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw ApiException.badRequest("invalid value for " + name + ": \"" + v + "\" is not an integer");
        }
    }

    /** The first value of a header, or null; names are case-insensitive. */
    public String header(String name) {
        List<String> v = headers.get(name);
        return v == null || v.isEmpty() ? null : v.getFirst();
    }

    /** The {@code filters} query parameter in either shape (see {@link Filters}). */
    public Map<String, List<String>> filters() {
        return Filters.parse(query("filters"));
    }

    /**
     * Reads the body as a JSON object. An empty body gives an empty object (as moby's ReadJSON does); malformed
     * JSON or another kind of value is a 400 naming what was wrong.
     */
    public JsonObject json() throws IOException {
        byte[] bytes = body.readNBytes(JSON_LIMIT + 1);
        if (bytes.length > JSON_LIMIT) throw ApiException.badRequest("request body larger than " + JSON_LIMIT + " bytes");
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.isBlank()) return Json.parseObject("{}", "request body");
        String type = header("Content-Type");
        if (type != null && !type.isBlank() && !type.split(";")[0].strip().equalsIgnoreCase("application/json")) {
            throw ApiException.badRequest("unsupported Content-Type header (" + type + "): must be 'application/json'"); // moby's CheckForJSON
        }
        try {
            return Json.parseObject(text, "request body");
        } catch (JsonException e) {
            throw ApiException.badRequest(e.getMessage());
        } catch (StackOverflowError e) { // no parser recursion survives a body of a million brackets
            throw ApiException.badRequest("request body: JSON nested too deeply");
        }
    }

    /** {@code METHOD target} as sent, for logs. */
    public String line() {
        return method + " " + rawPath + (rawQuery == null ? "" : "?" + rawQuery);
    }
}
