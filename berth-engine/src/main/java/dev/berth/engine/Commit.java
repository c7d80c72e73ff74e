package dev.berth.engine;

import dev.berth.build.dockerfile.Dockerfile;
import dev.berth.build.dockerfile.Instruction;
import dev.berth.build.dockerfile.KeyValue;
import dev.berth.image.Image;
import dev.berth.image.layer.LayerWriter;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.image.MediaType;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docker commit: a new image whose top layer is what the container changed (its snapshot's upper directory, as a
 * build step's layer is made), whose config is the container's Config with the request's Config over it and the
 * {@code --change} instructions applied, and a history entry naming the container's command.
 */
public final class Commit {
    private static final List<String> DEFAULT_SHELL = List.of("/bin/sh", "-c");

    private final Engine engine;

    public Commit(Engine engine) {
        this.engine = engine;
    }

    /** The options of POST /commit. {@code config} may be null (the CLI sends none). */
    public record Options(String repo, String tag, String comment, String author, boolean pause, List<String> changes, JsonObject config) {}

    /** Commits the container; returns the new image's id ("sha256:..."). */
    public String commit(String ref, Options o) throws IOException {
        Map<String, Object> c = engine.find(ref);
        String id = (String) c.get("Id");
        ImageReference name = null;
        if (o.repo() != null && !o.repo().isEmpty()) {
            try {
                name = ImageReference.parse(o.repo() + (o.tag() == null || o.tag().isEmpty() ? "" : ":" + o.tag()));
            } catch (IllegalArgumentException e) {
                throw new EngineException(400, "invalid reference format: " + e.getMessage());
            }
        } else if (o.tag() != null && !o.tag().isEmpty()) {
            throw new EngineException(400, "tag without a repository: " + o.tag());
        }
        Image base = engine.images().load(baseManifest(c));
        ImageConfig.Run run = applyChanges(runOf(c, o.config(), base.config().config()), o.changes());
        Map<?, ?> st = (Map<?, ?>) c.get("State");
        boolean pause = o.pause() && Boolean.TRUE.equals(st.get("Running")) && !Boolean.TRUE.equals(st.get("Paused"));
        if (pause) engine.runtime().pause(id);
        LayerWriter.Written w;
        try {
            w = LayerWriter.upper(engine.snapshots().upperDir(id)).write(engine.images().content(), MediaType.Compression.GZIP);
        } finally {
            if (pause) engine.runtime().resume(id);
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(String.valueOf(c.get("Path")));
        for (Object a : (List<?>) c.get("Args")) cmd.add(String.valueOf(a));
        String now = Instant.now().toString();
        ImageConfig bc = base.config();
        ImageConfig config = new ImageConfig(bc.architecture(), bc.os(), bc.created(), o.author() == null || o.author().isEmpty() ? null : o.author(),
                run, bc.diffIds(), bc.history())
                .withLayer(w.diffId(), new ImageConfig.History(now, String.join(" ", cmd), o.comment() == null || o.comment().isEmpty() ? null : o.comment(), false));
        List<Descriptor> layers = new ArrayList<>(base.manifest().layers());
        layers.add(w.blob());
        Descriptor d = engine.images().store(config, layers);
        if (name != null) engine.images().names().put(name, d);
        else engine.images().names().putDangling(d);
        String imageId = engine.images().load(d).id().toString();
        engine.event(c, "commit", Map.of("comment", o.comment() == null ? "" : o.comment()));
        return imageId;
    }

    /** The manifest of the image the container was made from (by its id). */
    private Descriptor baseManifest(Map<String, Object> c) throws IOException {
        return engine.images().get(String.valueOf(c.get("Image"))).target();
    }

    /**
     * The container's Config as image defaults, with the fields the request's Config sets over it; the image's
     * healthcheck and shell, which the container's Config does not carry, are kept.
     */
    private static ImageConfig.Run runOf(Map<String, Object> c, JsonObject body, ImageConfig.Run image) {
        JsonObject cc = Json.parseObject(Json.write(c.get("Config")), "Config");
        JsonObject b = body == null ? Json.parseObject("{}", "config") : body;
        String user = b.string("User", "").isEmpty() ? cc.string("User", "") : b.string("User", "");
        List<String> env = b.has("Env") && !b.strings("Env").isEmpty() ? b.strings("Env") : cc.strings("Env");
        List<String> ep = b.map().get("Entrypoint") != null ? b.strings("Entrypoint") : cc.map().get("Entrypoint") != null ? cc.strings("Entrypoint") : null;
        List<String> cmd = b.map().get("Cmd") != null ? b.strings("Cmd") : cc.map().get("Cmd") != null ? cc.strings("Cmd") : null;
        String wd = b.string("WorkingDir", "").isEmpty() ? cc.string("WorkingDir", "") : b.string("WorkingDir", "");
        List<String> ports = new ArrayList<>(keys(cc, "ExposedPorts"));
        for (String p : keys(b, "ExposedPorts")) if (!ports.contains(p)) ports.add(p);
        List<String> vols = new ArrayList<>(keys(cc, "Volumes"));
        for (String v : keys(b, "Volumes")) if (!vols.contains(v)) vols.add(v);
        Map<String, String> labels = new LinkedHashMap<>(cc.stringMap("Labels"));
        labels.putAll(b.stringMap("Labels"));
        String stop = b.string("StopSignal", cc.string("StopSignal", null));
        return new ImageConfig.Run(user.isEmpty() ? null : user, env, ep, cmd, wd.isEmpty() ? null : wd, ports, vols, labels, stop,
                image.healthcheck(), List.of(), image.shell(), false);
    }

    private static List<String> keys(JsonObject o, String key) {
        JsonObject k = o.map().get(key) instanceof Map<?, ?> ? o.object(key) : null;
        return k == null ? List.of() : List.copyOf(k.map().keySet());
    }

    /** docker commit --change: the Dockerfile instructions that change the config (CMD, ENTRYPOINT, ENV, ...). */
    static ImageConfig.Run applyChanges(ImageConfig.Run r, List<String> changes) {
        if (changes == null || changes.isEmpty()) return r;
        StringBuilder text = new StringBuilder("FROM scratch\n");
        for (String ch : changes) {
            for (String line : ch.split("\n")) {
                if (!line.isBlank()) text.append(line).append('\n');
            }
        }
        List<Instruction> ins;
        try {
            ins = Dockerfile.parse(text.toString(), "--change").stages().getFirst().instructions();
        } catch (IllegalArgumentException e) { // DockerfileException too
            throw new EngineException(400, "invalid --change: " + e.getMessage());
        }
        String user = r.user(), wd = r.workingDir(), stop = r.stopSignal();
        List<String> env = new ArrayList<>(r.env()), ep = r.entrypoint(), cmd = r.cmd(), ports = new ArrayList<>(r.exposedPorts()),
                vols = new ArrayList<>(r.volumes());
        Map<String, String> labels = new LinkedHashMap<>(r.labels());
        List<String> onBuild = new ArrayList<>(r.onBuild());
        List<String> shell = r.shell() != null ? r.shell() : DEFAULT_SHELL;
        for (Instruction in : ins) {
            switch (in) {
                case Instruction.Cmd x -> cmd = x.command().argv(shell);
                case Instruction.Entrypoint x -> ep = x.command().argv(shell);
                case Instruction.Env x -> {
                    for (KeyValue kv : x.variables()) {
                        env.removeIf(e -> e.startsWith(kv.key() + "="));
                        env.add(kv.key() + "=" + kv.value());
                    }
                }
                case Instruction.Label x -> x.labels().forEach(kv -> labels.put(kv.key(), kv.value()));
                case Instruction.Expose x -> x.exposedPorts().forEach(p -> {
                    if (!ports.contains(p.toString())) ports.add(p.toString());
                });
                case Instruction.Volume x -> x.paths().forEach(p -> {
                    if (!vols.contains(p)) vols.add(p);
                });
                case Instruction.User x -> user = x.user();
                case Instruction.Workdir x -> wd = x.path().startsWith("/") || wd == null ? x.path() : wd.replaceAll("/+$", "") + "/" + x.path();
                case Instruction.StopSignal x -> stop = x.signal();
                case Instruction.OnBuild x -> onBuild.add(x.expression());
                default -> throw new EngineException(400, "invalid --change: " + in.keyword() + " cannot be used with commit"
                        + " (CMD, ENTRYPOINT, ENV, EXPOSE, LABEL, ONBUILD, STOPSIGNAL, USER, VOLUME, WORKDIR)");
            }
        }
        return new ImageConfig.Run(user, env, ep, cmd, wd, ports, vols, labels, stop, r.healthcheck(), onBuild, r.shell(), r.argsEscaped());
    }
}
