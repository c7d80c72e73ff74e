package dev.berth.api;

import dev.berth.api.http.Request;
import dev.berth.api.http.Router;
import dev.berth.api.http.StreamWriter;
import dev.berth.engine.Engine;
import dev.berth.engine.EngineException;
import dev.berth.api.http.ApiException;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;

/** Volumes and events. */
public final class VolumeRoutes {
    private VolumeRoutes() {}

    public static void register(Router router, Engine engine) {
        Routes r = new Routes(router);
        r.post("/volumes/create", (q, s) -> {
            JsonObject b = q.json();
            s.json(201, engine.volumes().create(b.string("Name"), b.stringMap("Labels"), false));
        });
        r.get("/volumes", (q, s) -> {
            Map<String, List<String>> f = q.filters();
            List<Object> out = new ArrayList<>();
            for (Map<String, Object> v : engine.volumes().list()) {
                if (f.containsKey("name") && f.get("name").stream().noneMatch(n -> String.valueOf(v.get("Name")).contains(n))) continue;
                if (f.containsKey("label") && !Filters.labels((Map<?, ?>) v.get("Labels"), f.get("label"))) continue;
                out.add(v);
            }
            s.json(200, Json.obj("Volumes", out, "Warnings", List.of()));
        });
        r.get("/volumes/{name}", (q, s) -> s.json(200, call(() -> engine.volumes().inspect(q.param("name")))));
        r.delete("/volumes/{name}", (q, s) -> {
            call(() -> {
                engine.volumes().remove(q.param("name"), engine.volumeUser(q.param("name")));
                return null;
            });
            s.empty(204);
        });
        r.post("/volumes/prune", (q, s) -> {
            List<String> deleted = new ArrayList<>();
            for (Map<String, Object> v : engine.volumes().list()) {
                String n = String.valueOf(v.get("Name"));
                if (engine.volumeUser(n) == null && engine.volumes().anonymous(n)) {
                    engine.volumes().remove(n, null);
                    deleted.add(n);
                }
            }
            s.json(200, Json.obj("VolumesDeleted", deleted, "SpaceReclaimed", 0));
        });
        r.get("/events", (q, s) -> {
            long since = seconds(q, "since"), until = seconds(q, "until");
            Map<String, List<String>> f = q.filters();
            BlockingQueue<Map<String, Object>> live = engine.events().subscribe();
            boolean[] gone = {false};
            try (StreamWriter w = s.stream(200, "application/json", () -> gone[0] = true)) {
                w.flush();
                if (since >= 0) for (Map<String, Object> e : engine.events().since(since)) if (matches(e, f)) w.writeJson(e);
                while (!gone[0] && (until < 0 || System.currentTimeMillis() / 1000 < until)) {
                    Map<String, Object> e = live.poll(200, TimeUnit.MILLISECONDS);
                    if (e != null && matches(e, f)) w.writeJson(e);
                }
            } finally {
                engine.events().unsubscribe(live);
            }
        });
    }

    /**
     * {@code since}/{@code until} of /events in whole seconds, or -1 when absent: the docker CLI sends
     * {@code seconds.nanoseconds} (its GetTimestamp), a bare number of seconds passes too; anything else is a 400.
     */
    private static long seconds(Request q, String name) {
        String v = q.query(name);
        if (v == null || v.isEmpty()) return -1;
        if (!v.matches("\\d{1,15}(\\.\\d{1,9})?")) throw ApiException.badRequest("invalid value for " + name + ": \"" + v + "\" is not a timestamp");
        return Long.parseLong(v.contains(".") ? v.substring(0, v.indexOf('.')) : v);
    }

    private static boolean matches(Map<String, Object> e, Map<String, List<String>> f) {
        Map<?, ?> attrs = (Map<?, ?>) ((Map<?, ?>) e.get("Actor")).get("Attributes");
        for (var x : f.entrySet()) {
            boolean any = switch (x.getKey()) {
                case "type" -> x.getValue().contains(String.valueOf(e.get("Type")));
                case "label" -> x.getValue().stream().anyMatch(l -> Filters.label(attrs, l));
                case "container" -> x.getValue().stream().anyMatch(c -> String.valueOf(((Map<?, ?>) e.get("Actor")).get("ID")).startsWith(c)
                        || c.equals(attrs.get("name")));
                // as moby: "health_status" also matches "health_status: healthy", "exec_create" "exec_create: ls"
                case "event" -> x.getValue().contains(String.valueOf(e.get("Action")))
                        || x.getValue().contains(String.valueOf(e.get("Action")).split(":", 2)[0]);
                default -> true;
            };
            if (!any) return false;
        }
        return true;
    }

    interface Call<T> {
        T run() throws Exception;
    }

    static <T> T call(Call<T> c) throws Exception {
        try {
            return c.run();
        } catch (EngineException e) {
            throw new ApiException(e.status(), e.getMessage());
        }
    }
}
