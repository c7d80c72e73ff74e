package dev.berth.api;

import dev.berth.api.http.ApiException;
import dev.berth.api.http.Request;
import dev.berth.api.http.Response;
import dev.berth.api.http.Router;
import dev.berth.api.http.StreamWriter;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.oci.json.Json;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/** The container endpoints of the Docker Engine API, mapped onto the {@link Engine}. */
public final class ContainerRoutes {
    private final Engine engine;

    private ContainerRoutes(Engine engine) {
        this.engine = engine;
    }

    public static void register(Router router, Engine engine) {
        Routes r = new Routes(router);
        ContainerRoutes c = new ContainerRoutes(engine);
        r.post("/containers/create", c::create);
        r.get("/containers/json", c::list);
        r.get("/containers/{id}/json", (q, s) -> s.json(200, engine.inspect(q.param("id"))));
        r.post("/containers/{id}/start", (q, s) -> noContent(s, () -> engine.start(q.param("id"))));
        r.post("/containers/{id}/stop", (q, s) -> noContent(s, () -> engine.stop(q.param("id"), timeout(q), signal(q))));
        r.post("/containers/{id}/restart", (q, s) -> noContent(s, () -> engine.restart(q.param("id"), timeout(q))));
        r.post("/containers/{id}/kill", (q, s) -> noContent(s, () -> engine.kill(q.param("id"), signal(q))));
        r.post("/containers/{id}/pause", (q, s) -> noContent(s, () -> engine.pause(q.param("id"))));
        r.post("/containers/{id}/unpause", (q, s) -> noContent(s, () -> engine.unpause(q.param("id"))));
        r.post("/containers/{id}/rename", (q, s) -> noContent(s, () -> engine.rename(q.param("id"), q.query("name", ""))));
        r.delete("/containers/{id}", (q, s) -> noContent(s, () -> engine.remove(q.param("id"), q.bool("force"), q.bool("v"))));
        r.post("/containers/{id}/wait", c::waitFor);
        r.get("/containers/{id}/top", (q, s) -> {
            Map<String, Object> top = engine.top(q.param("id"));
            String psArgs = q.query("ps_args", "");
            // as moby: the host's ps (-ef unless the client gave options), the container's rows only
            s.json(200, PsTop.run(psArgs.isBlank() ? "-ef" : psArgs, top));
        });
        r.get("/containers/{id}/stats", c::stats);
        r.post("/containers/prune", c::prune);
    }

    interface Action {
        void run() throws IOException;
    }

    /** 204 on success; the engine's 304 (already started/stopped) is a 304 without a body. */
    static void noContent(Response s, Action a) throws IOException {
        try {
            a.run();
            s.empty(204);
        } catch (EngineException e) {
            if (e.status() == 304) s.empty(304);
            else throw new ApiException(e.status(), e.getMessage());
        }
    }

    /** {@code t} in seconds, or null for the container's own; junk is a 400 naming it. */
    private static Integer timeout(Request q) {
        long t = q.longQuery("t", Long.MIN_VALUE);
        if (t == Long.MIN_VALUE) return null;
        if (t < -1 || t > Integer.MAX_VALUE) throw ApiException.badRequest("invalid value for t: " + t + " is out of range");
        return (int) t;
    }

    /** {@code signal}, checked before the container's state as moby does: an unknown one is a 400. */
    private static String signal(Request q) {
        String s = q.query("signal");
        if (s == null || s.isEmpty()) return s;
        try {
            dev.berth.runtime.linux.Signals.parse(s);
        } catch (IllegalArgumentException e) {
            throw ApiException.badRequest("Invalid signal: " + s);
        }
        return s;
    }

    private void create(Request q, Response s) throws IOException {
        s.json(201, engine.create(q.query("name"), q.json()));
    }

    /** Sends 200 and the headers at once (the CLI starts the container only then), the status at the exit. */
    private void waitFor(Request q, Response s) throws Exception {
        CompletableFuture<Map<String, Object>> f = engine.waitFor(q.param("id"), q.query("condition"));
        try (StreamWriter w = s.stream(200, "application/json", () -> f.cancel(true))) {
            w.flush();
            Map<String, Object> result;
            try {
                result = f.get();
            } catch (java.util.concurrent.CancellationException gone) {
                return;
            }
            w.writeJson(result);
        }
    }

    private void list(Request q, Response s) throws IOException {
        boolean all = q.bool("all");
        Map<String, List<String>> filters = q.filters();
        List<Object> out = new ArrayList<>();
        long limit = q.longQuery("limit", -1);
        for (Map<String, Object> c : engine.list(all || filters.containsKey("status"))) {
            if (!Filters.container(c, filters)) continue;
            out.add(summary(c));
            if (limit > 0 && out.size() >= limit) break;
        }
        s.json(200, out);
    }

    /** One item of docker ps. */
    static Map<String, Object> summary(Map<String, Object> c) {
        Map<?, ?> st = (Map<?, ?>) c.get("State"), config = (Map<?, ?>) c.get("Config"), host = (Map<?, ?>) c.get("HostConfig");
        List<String> cmd = new ArrayList<>();
        cmd.add(String.valueOf(c.get("Path")));
        for (Object a : (List<?>) c.get("Args")) cmd.add(String.valueOf(a));
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", c.get("Id"));
        m.put("Names", List.of(c.get("Name")));
        m.put("Image", config.get("Image"));
        m.put("ImageID", c.get("Image"));
        m.put("Command", String.join(" ", cmd));
        m.put("Created", Instant.parse(String.valueOf(c.get("Created"))).getEpochSecond());
        m.put("Ports", ports((Map<?, ?>) ((Map<?, ?>) c.get("NetworkSettings")).get("Ports")));
        m.put("Labels", config.get("Labels") == null ? Map.of() : config.get("Labels"));
        m.put("State", st.get("Status"));
        m.put("Status", status(st));
        m.put("HostConfig", Json.obj("NetworkMode", host.get("NetworkMode")));
        m.put("NetworkSettings", Json.obj("Networks", ((Map<?, ?>) c.get("NetworkSettings")).get("Networks")));
        m.put("Mounts", c.get("Mounts"));
        return m;
    }

    /** docker ps' Ports: one {IP, PrivatePort, PublicPort, Type} per host binding, {PrivatePort, Type} for an unpublished one. */
    static List<Object> ports(Map<?, ?> ports) {
        List<Object> out = new ArrayList<>();
        if (ports == null) return out;
        for (var e : ports.entrySet()) {
            String[] k = String.valueOf(e.getKey()).split("/");
            int priv = Integer.parseInt(k[0]);
            String type = k.length > 1 ? k[1] : "tcp";
            if (!(e.getValue() instanceof List<?> l) || l.isEmpty()) {
                out.add(Json.obj("PrivatePort", priv, "Type", type));
                continue;
            }
            for (Object b : l) {
                Map<?, ?> bm = (Map<?, ?>) b;
                out.add(Json.obj("IP", bm.get("HostIp"), "PrivatePort", priv, "PublicPort", Integer.parseInt(String.valueOf(bm.get("HostPort"))), "Type", type));
            }
        }
        return out;
    }

    /**
     * docker's human status: "Up 2 minutes", "Exited (0) 5 seconds ago", "Created", "Up 3 seconds (Paused)",
     * "Up 9 seconds (healthy)", "Up 1 second (health: starting)", "Restarting (3) 1 second ago".
     */
    static String status(Map<?, ?> st) {
        String s = String.valueOf(st.get("Status"));
        String health = st.get("Health") instanceof Map<?, ?> h ? String.valueOf(h.get("Status")) : "";
        return switch (s) {
            case "running", "paused" -> "Up " + human(Duration.between(Instant.parse(String.valueOf(st.get("StartedAt"))), Instant.now()))
                    + (s.equals("paused") ? " (Paused)" : health.equals("starting") ? " (health: starting)" : health.isEmpty() ? "" : " (" + health + ")");
            case "restarting" -> "Restarting (" + st.get("ExitCode") + ") " + human(Duration.between(Instant.parse(String.valueOf(st.get("FinishedAt"))), Instant.now())) + " ago";
            case "exited" -> "Exited (" + st.get("ExitCode") + ") " + human(Duration.between(Instant.parse(String.valueOf(st.get("FinishedAt"))), Instant.now())) + " ago";
            case "created" -> "Created";
            default -> s;
        };
    }

    static String human(Duration d) {
        long s = d.toSeconds();
        if (s < 1) return "Less than a second";
        if (s < 60) return s + " second" + (s == 1 ? "" : "s");
        if (d.toMinutes() < 60) return d.toMinutes() == 1 ? "About a minute" : d.toMinutes() + " minutes";
        if (d.toHours() < 48) return d.toHours() == 1 ? "About an hour" : d.toHours() + " hours";
        return d.toDays() + " days";
    }

    /** stats?stream=0: one sample whose precpu is a sample taken half a second earlier; stream=1: one per second. */
    private void stats(Request q, Response s) throws Exception {
        String id = q.param("id");
        Map<String, Object> pre = engine.stats(id);
        if (!q.bool("stream", true)) {
            Thread.sleep(500);
            Map<String, Object> now = engine.stats(id);
            now.put("precpu_stats", pre.get("cpu_stats"));
            now.put("preread", pre.get("read"));
            s.json(200, now);
            return;
        }
        boolean[] gone = {false};
        try (StreamWriter w = s.stream(200, "application/json", () -> gone[0] = true)) {
            while (!gone[0]) {
                Thread.sleep(1000);
                Map<String, Object> now = engine.stats(id);
                now.put("precpu_stats", pre.get("cpu_stats"));
                now.put("preread", pre.get("read"));
                w.writeJson(now);
                pre = now;
            }
        }
    }

    /** docker container prune: stopped containers, filtered by until (created before) and label / label!. */
    private void prune(Request q, Response s) throws IOException {
        Map<String, List<String>> filters = q.filters();
        Instant until = null;
        for (String u : filters.getOrDefault("until", List.of())) until = untilTime(u);
        for (String k : filters.keySet()) {
            if (!List.of("until", "label", "label!").contains(k)) throw ApiException.badRequest("invalid filter '" + k + "'");
        }
        List<String> deleted = new ArrayList<>();
        long reclaimed = 0;
        for (Map<String, Object> c : engine.list(true)) {
            if (Boolean.TRUE.equals(((Map<?, ?>) c.get("State")).get("Running"))) continue;
            if (until != null && !Instant.parse(String.valueOf(c.get("Created"))).isBefore(until)) continue;
            Map<?, ?> labels = (Map<?, ?>) ((Map<?, ?>) c.get("Config")).get("Labels");
            if (filters.containsKey("label") && !Filters.labels(labels, filters.get("label"))) continue;
            if (filters.containsKey("label!") && filters.get("label!").stream().anyMatch(l -> Filters.label(labels, l))) continue;
            String id = (String) c.get("Id");
            long size = usage(engine.snapshots().upperDir(id));
            try {
                engine.remove(id, false, false);
            } catch (EngineException e) {
                continue; // started or removed meanwhile
            }
            deleted.add(id);
            reclaimed += size;
        }
        s.json(200, Json.obj("ContainersDeleted", deleted, "SpaceReclaimed", reclaimed));
    }

    /** A prune "until": a Unix time, an RFC 3339 time or date, or a Go duration before now ("10m", "24h"). */
    static Instant untilTime(String u) {
        try {
            if (u.matches("\\d+(\\.\\d+)?")) return Instant.ofEpochMilli((long) (Double.parseDouble(u) * 1000));
            if (u.matches("\\d{4}-\\d\\d-\\d\\d")) return Instant.parse(u + "T00:00:00Z");
            if (u.matches("(\\d+(ns|us|ms|s|m|h))+")) {
                long nanos = 0;
                var m = java.util.regex.Pattern.compile("(\\d+)(ns|us|ms|s|m|h)").matcher(u);
                while (m.find()) {
                    long v = Long.parseLong(m.group(1));
                    nanos += switch (m.group(2)) {
                        case "ns" -> v;
                        case "us" -> v * 1_000L;
                        case "ms" -> v * 1_000_000L;
                        case "s" -> v * 1_000_000_000L;
                        case "m" -> v * 60_000_000_000L;
                        default -> v * 3_600_000_000_000L;
                    };
                }
                return Instant.now().minusNanos(nanos);
            }
            return java.time.OffsetDateTime.parse(u).toInstant();
        } catch (RuntimeException e) {
            throw ApiException.badRequest("invalid filter 'until=" + u + "': a Unix time, an RFC 3339 time or a duration like 24h");
        }
    }

    private static long usage(java.nio.file.Path dir) {
        try (var walk = java.nio.file.Files.walk(dir)) {
            return walk.filter(p -> java.nio.file.Files.isRegularFile(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)).mapToLong(p -> p.toFile().length()).sum();
        } catch (IOException | java.io.UncheckedIOException e) {
            return 0;
        }
    }
}
