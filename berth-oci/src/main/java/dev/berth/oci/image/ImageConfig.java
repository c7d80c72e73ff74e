package dev.berth.oci.image;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An image configuration (OCI image spec config.md; Docker's is the same JSON): the run defaults under
 * {@code config}, the layers' diff ids and the history. Keys keep Docker's capitalisation ("Env", "Cmd").
 */
public record ImageConfig(
        String architecture, String os, String created, String author, Run config, List<Digest> diffIds, List<History> history) {

    public ImageConfig {
        diffIds = List.copyOf(diffIds);
        history = List.copyOf(history);
    }

    /** Defaults for containers run from the image. Durations are nanoseconds, as Docker writes them. */
    public record Run(
            String user, List<String> env, List<String> entrypoint, List<String> cmd, String workingDir,
            List<String> exposedPorts, List<String> volumes, Map<String, String> labels, String stopSignal,
            Healthcheck healthcheck, List<String> onBuild, List<String> shell, boolean argsEscaped) {
        public static final Run EMPTY = new Run(null, List.of(), null, null, null, List.of(), List.of(), Map.of(), null, null, List.of(), null, false);

        public Run {
            env = List.copyOf(env);
            exposedPorts = List.copyOf(exposedPorts);
            volumes = List.copyOf(volumes);
            labels = Map.copyOf(labels);
            onBuild = List.copyOf(onBuild);
            entrypoint = entrypoint == null ? null : List.copyOf(entrypoint);
            cmd = cmd == null ? null : List.copyOf(cmd);
            shell = shell == null ? null : List.copyOf(shell);
        }
    }

    public record Healthcheck(List<String> test, long interval, long timeout, long startPeriod, int retries) {}

    public record History(String created, String createdBy, String comment, boolean emptyLayer) {}

    public static ImageConfig parse(byte[] bytes, String source) {
        JsonObject o = Json.parseObject(new String(bytes, StandardCharsets.UTF_8), source);
        JsonObject c = o.object("config");
        JsonObject rootfs = o.object("rootfs");
        List<Digest> diffIds = new ArrayList<>();
        if (rootfs != null) {
            for (String d : rootfs.strings("diff_ids")) {
                try {
                    diffIds.add(Digest.parse(d));
                } catch (IllegalArgumentException e) {
                    throw rootfs.error("diff_ids", e.getMessage());
                }
            }
        }
        List<History> history = o.objects("history").stream().map(h -> new History(h.string("created"), h.string("created_by"),
                h.string("comment"), h.bool("empty_layer"))).toList();
        return new ImageConfig(o.string("architecture", "amd64"), o.string("os", "linux"), o.string("created"), o.string("author"),
                c == null ? Run.EMPTY : run(c), diffIds, history);
    }

    private static Run run(JsonObject c) {
        JsonObject hc = c.object("Healthcheck");
        return new Run(c.string("User"), c.strings("Env"), c.has("Entrypoint") ? c.strings("Entrypoint") : null,
                c.has("Cmd") ? c.strings("Cmd") : null, c.string("WorkingDir"), keys(c, "ExposedPorts"), keys(c, "Volumes"),
                c.stringMap("Labels"), c.string("StopSignal"),
                hc == null ? null : new Healthcheck(hc.strings("Test"), hc.longValue("Interval", 0), hc.longValue("Timeout", 0),
                        hc.longValue("StartPeriod", 0), (int) hc.longValue("Retries", 0)),
                c.strings("OnBuild"), c.has("Shell") ? c.strings("Shell") : null, c.bool("ArgsEscaped"));
    }

    private static List<String> keys(JsonObject c, String key) {
        JsonObject o = c.object(key);
        return o == null ? List.of() : List.copyOf(o.map().keySet());
    }

    public byte[] bytes() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("architecture", architecture);
        if (author != null) m.put("author", author);
        m.put("config", runJson(config));
        if (created != null) m.put("created", created);
        List<Map<String, Object>> h = new ArrayList<>();
        for (History x : history) {
            Map<String, Object> e = new LinkedHashMap<>();
            if (x.created() != null) e.put("created", x.created());
            if (x.createdBy() != null) e.put("created_by", x.createdBy());
            if (x.comment() != null) e.put("comment", x.comment());
            if (x.emptyLayer()) e.put("empty_layer", true);
            h.add(e);
        }
        m.put("history", h);
        m.put("os", os);
        m.put("rootfs", Json.obj("type", "layers", "diff_ids", diffIds.stream().map(Digest::toString).toList()));
        return Json.write(m).getBytes(StandardCharsets.UTF_8);
    }

    private static Map<String, Object> runJson(Run r) {
        Map<String, Object> m = new LinkedHashMap<>();
        if (r.user() != null && !r.user().isEmpty()) m.put("User", r.user());
        if (!r.exposedPorts().isEmpty()) m.put("ExposedPorts", set(r.exposedPorts()));
        if (!r.env().isEmpty()) m.put("Env", r.env());
        if (r.entrypoint() != null) m.put("Entrypoint", r.entrypoint());
        if (r.cmd() != null) m.put("Cmd", r.cmd());
        if (!r.volumes().isEmpty()) m.put("Volumes", set(r.volumes()));
        if (r.workingDir() != null && !r.workingDir().isEmpty()) m.put("WorkingDir", r.workingDir());
        if (!r.labels().isEmpty()) m.put("Labels", new java.util.TreeMap<>(r.labels()));
        if (r.stopSignal() != null) m.put("StopSignal", r.stopSignal());
        if (r.healthcheck() != null) {
            Healthcheck hc = r.healthcheck();
            m.put("Healthcheck", Json.obj("Test", hc.test(), "Interval", hc.interval() == 0 ? null : hc.interval(),
                    "Timeout", hc.timeout() == 0 ? null : hc.timeout(), "StartPeriod", hc.startPeriod() == 0 ? null : hc.startPeriod(),
                    "Retries", hc.retries() == 0 ? null : hc.retries()));
        }
        if (!r.onBuild().isEmpty()) m.put("OnBuild", r.onBuild());
        if (r.shell() != null) m.put("Shell", r.shell());
        if (r.argsEscaped()) m.put("ArgsEscaped", true);
        return m;
    }

    private static Map<String, Object> set(List<String> keys) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String k : keys) m.put(k, Map.of());
        return m;
    }

    public ImageConfig withRun(Run r) {
        return new ImageConfig(architecture, os, created, author, r, diffIds, history);
    }

    public ImageConfig withLayer(Digest diffId, History h) {
        List<Digest> d = new ArrayList<>(diffIds);
        if (diffId != null) d.add(diffId);
        List<History> hs = new ArrayList<>(history);
        hs.add(h);
        return new ImageConfig(architecture, os, h.created() != null ? h.created() : created, author, config, d, hs);
    }
}
