package dev.berth.api.http;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Routes requests by method and path pattern. A pattern is a path whose segments are literals, {@code {name}}
 * (one segment) or at most one greedy {@code {name*}} (one or more segments, slashes kept), which is matched
 * against the fixed segments before and after it: {@code /images/{name*}/json} takes
 * {@code /images/localhost:5000/a/b:c/json} with {@code name = localhost:5000/a/b:c}, because names in paths
 * are raw.
 *
 * <p>Literal paths win over patterns, patterns without a greedy segment over greedy ones, and among greedy ones
 * the one with more fixed segments; otherwise registration order decides. An unknown path, or a known path with
 * another method, is a JSON 404 {@code page not found} as in moby (whose router sends method mismatches to its
 * not-found handler): the docker CLI's inspect fallbacks need JSON 404s.
 */
public final class Router {
    /** A route that matched, with its named segments. */
    public record Match(Handler handler, Map<String, String> params, String pattern) {
    }

    private record Route(String method, String pattern, Segment[] segments, int greedy, Handler handler) {
        int fixed() {
            return greedy < 0 ? segments.length : segments.length - 1;
        }
    }

    /** A pattern segment: a literal, or a name (greedy or not). */
    private record Segment(String literal, String name, boolean greedy) {
    }

    private final EngineVersion version;
    private final Map<String, Handler> literal = new ConcurrentHashMap<>();
    /** Copied on write: routes are added at start-up and read on every request without a lock. */
    private volatile List<Route> patterns = List.of();

    public Router(EngineVersion version) {
        this.version = version;
    }

    public Router() {
        this(EngineVersion.DEFAULT);
    }

    public EngineVersion version() {
        return version;
    }

    public Router get(String pattern, Handler handler) {
        return add("GET", pattern, handler);
    }

    public Router head(String pattern, Handler handler) {
        return add("HEAD", pattern, handler);
    }

    public Router post(String pattern, Handler handler) {
        return add("POST", pattern, handler);
    }

    public Router put(String pattern, Handler handler) {
        return add("PUT", pattern, handler);
    }

    public Router delete(String pattern, Handler handler) {
        return add("DELETE", pattern, handler);
    }

    /** Registers a handler; a second registration of the same method and pattern is refused. */
    public synchronized Router add(String method, String pattern, Handler handler) {
        if (!pattern.startsWith("/")) throw new IllegalArgumentException("route pattern must start with /: " + pattern);
        String[] parts = pattern.substring(1).split("/", -1);
        Segment[] segments = new Segment[parts.length];
        int greedy = -1;
        for (int i = 0; i < parts.length; i++) {
            String p = parts[i];
            if (p.startsWith("{") && p.endsWith("}")) {
                boolean g = p.endsWith("*}");
                String name = p.substring(1, p.length() - (g ? 2 : 1));
                if (name.isEmpty() || !name.chars().allMatch(Character::isJavaIdentifierPart)) {
                    throw new IllegalArgumentException("bad segment name " + p + " in route " + pattern);
                }
                if (g && greedy >= 0) throw new IllegalArgumentException("route " + pattern + " has two greedy segments");
                if (g) greedy = i;
                segments[i] = new Segment(null, name, g);
            } else {
                if (p.indexOf('{') >= 0 || p.indexOf('}') >= 0) {
                    throw new IllegalArgumentException("segment " + p + " of route " + pattern + " mixes a literal and a name");
                }
                segments[i] = new Segment(p, null, false);
            }
        }
        boolean isLiteral = Arrays.stream(segments).allMatch(s -> s.literal() != null);
        if (isLiteral) {
            if (literal.putIfAbsent(method + " " + pattern, handler) != null) throw duplicate(method, pattern);
            return this;
        }
        for (Route r : patterns) if (r.method().equals(method) && r.pattern().equals(pattern)) throw duplicate(method, pattern);
        List<Route> next = new ArrayList<>(patterns);
        next.add(new Route(method, pattern, segments, greedy, handler));
        // stable: non-greedy first, then greedy routes with more fixed segments; else registration order
        next.sort(Comparator.comparingInt((Route r) -> r.greedy() < 0 ? 0 : 1)
                .thenComparingInt(r -> r.greedy() < 0 ? 0 : -r.fixed()));
        patterns = List.copyOf(next);
        return this;
    }

    private static IllegalArgumentException duplicate(String method, String pattern) {
        return new IllegalArgumentException("route " + method + " " + pattern + " is registered twice");
    }

    /** The route for a method and a decoded path (without the {@code /vX.Y} prefix), or null. */
    public Match match(String method, String path) {
        Handler h = literal.get(method + " " + path);
        if (h != null) return new Match(h, Map.of(), path);
        if (path.isEmpty() || path.charAt(0) != '/') return null;
        String[] parts = null;
        for (Route r : patterns) {
            if (!r.method().equals(method)) continue;
            if (parts == null) parts = path.substring(1).split("/", -1);
            Map<String, String> params = match(r, parts);
            if (params != null) return new Match(r.handler(), params, r.pattern());
        }
        return null;
    }

    private static Map<String, String> match(Route r, String[] parts) {
        Segment[] segs = r.segments();
        int g = r.greedy();
        if (g < 0 ? parts.length != segs.length : parts.length < segs.length) return null;
        Map<String, String> params = new LinkedHashMap<>(4);
        int before = g < 0 ? segs.length : g;
        for (int i = 0; i < before; i++) if (!take(segs[i], parts[i], params)) return null;
        if (g < 0) return params;
        int after = segs.length - g - 1;
        for (int i = 0; i < after; i++) {
            if (!take(segs[g + 1 + i], parts[parts.length - after + i], params)) return null;
        }
        String name = String.join("/", Arrays.asList(parts).subList(g, parts.length - after));
        if (name.isEmpty()) return null;
        params.put(segs[g].name(), name);
        return params;
    }

    private static boolean take(Segment s, String part, Map<String, String> params) {
        if (s.literal() != null) return s.literal().equals(part);
        if (part.isEmpty()) return false;
        params.put(s.name(), part);
        return true;
    }
}
