package dev.berth.engine;

import dev.berth.image.Image;
import dev.berth.image.ImageNotFoundException;
import dev.berth.image.Images;
import dev.berth.image.Unpacker;
import dev.berth.image.snapshot.Snapshots;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.ContainerState;
import dev.berth.runtime.linux.Signals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The container engine: containers made from images and run by berth's runtime, their state kept in the
 * {@link StateStore} in docker's inspect shape. Every verb of docker's container API that is about a
 * container's life lives here; the HTTP layer only maps requests and replies.
 */
public final class Engine implements AutoCloseable {
    private final Path root;
    private final Images images;
    private final Snapshots snapshots;
    private final ContainerRuntime runtime;
    private final StateStore store;
    private final Map<String, List<CompletableFuture<Map<String, Object>>>> exitWaiters = new ConcurrentHashMap<>();
    private final Map<String, List<CompletableFuture<Map<String, Object>>>> removeWaiters = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();

    public Engine(Path dataRoot, Path runRoot) throws IOException {
        this.root = dataRoot;
        this.images = new Images(dataRoot.resolve("images"));
        this.snapshots = new Snapshots(dataRoot);
        this.store = new StateStore(dataRoot);
        this.runtime = ContainerRuntime.defaults(runRoot.resolve("containers"), w -> System.err.println("berth: warning: " + w));
    }

    public Images images() {
        return images;
    }

    private Path dir(String id) {
        return root.resolve("containers").resolve(id);
    }

    private Object lock(String id) {
        return locks.computeIfAbsent(id, k -> new Object());
    }

    // ------------------------------------------------------------------ lookup

    /** A container by full id, unique id prefix, or name (with or without the leading '/'). */
    public Map<String, Object> find(String ref) throws IOException {
        String name = ref.startsWith("/") ? ref : "/" + ref;
        Map<String, Object> byPrefix = null;
        for (JsonObject c : store.all()) {
            String id = c.string("Id");
            if (id.equals(ref) || name.equals(c.string("Name"))) return c.map();
            if (ref.length() >= 3 && id.startsWith(ref)) {
                if (byPrefix != null) throw new EngineException(400, "multiple containers match \"" + ref + "\": use more of the id");
                byPrefix = c.map();
            }
        }
        if (byPrefix == null) throw EngineException.noSuchContainer(ref);
        return byPrefix;
    }

    private static JsonObject obj(Map<String, Object> m, String key) {
        return Json.parseObject(Json.write(m.get(key)), key);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> state(Map<String, Object> c) {
        return (Map<String, Object>) c.get("State");
    }

    private void save(Map<String, Object> c) throws IOException {
        store.update((String) c.get("Id"), (String) c.get("Name"), Json.write(c));
    }

    // ------------------------------------------------------------------ create

    /** docker create: the body is docker's Config with HostConfig inside it. Returns {Id, Warnings}. */
    public Map<String, Object> create(String name, JsonObject body) throws IOException {
        String imageRef = body.string("Image", "");
        if (imageRef.isEmpty()) throw new EngineException(400, "No image specified");
        Image img;
        try {
            img = images.get(imageRef);
        } catch (ImageNotFoundException e) {
            throw new EngineException(404, "No such image: " + (imageRef.contains(":") || imageRef.contains("@") ? imageRef : imageRef + ":latest"));
        }
        String id = Names.newId();
        String cname = Names.canonical(name == null || name.isEmpty() ? Names.generate() : name);
        Map<String, Object> config = mergeConfig(body, img.config().config(), imageRef);
        JsonObject host = body.object("HostConfig");
        Map<String, Object> hostConfig = host == null ? new LinkedHashMap<>() : new LinkedHashMap<>(host.map());
        hostConfig.putIfAbsent("NetworkMode", "default");
        hostConfig.put("LogConfig", Json.obj("Type", "json-file", "Config", Map.of()));
        String now = Instant.now().toString();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("Id", id);
        c.put("Created", now);
        List<String> args = new ArrayList<>();
        if (config.get("Entrypoint") instanceof List<?> ep) ep.forEach(x -> args.add(String.valueOf(x)));
        if (config.get("Cmd") instanceof List<?> cmd) cmd.forEach(x -> args.add(String.valueOf(x)));
        c.put("Path", args.isEmpty() ? "" : args.getFirst());
        c.put("Args", args.isEmpty() ? List.of() : args.subList(1, args.size()));
        c.put("State", Json.obj("Status", "created", "Running", false, "Paused", false, "Restarting", false, "OOMKilled", false,
                "Dead", false, "Pid", 0, "ExitCode", 0, "Error", "", "StartedAt", "0001-01-01T00:00:00Z", "FinishedAt", "0001-01-01T00:00:00Z"));
        c.put("Image", img.id().toString());
        Path dir = dir(id);
        c.put("ResolvConfPath", dir.resolve("resolv.conf").toString());
        c.put("HostnamePath", dir.resolve("hostname").toString());
        c.put("HostsPath", dir.resolve("hosts").toString());
        c.put("LogPath", dir.resolve(id + "-json.log").toString());
        c.put("Name", cname);
        c.put("RestartCount", 0);
        c.put("Driver", "overlay2");
        c.put("Platform", "linux");
        c.put("HostConfig", hostConfig);
        c.put("Mounts", List.of());
        c.put("Config", config);
        c.put("NetworkSettings", Json.obj("Ports", Map.of(), "Networks", Map.of()));
        if (!store.insert(id, cname, Json.write(c))) {
            String other = find(cname).get("Id").toString();
            throw new EngineException(409, "Conflict. The container name \"" + cname + "\" is already in use by container \"" + other
                    + "\". You have to remove (or rename) that container to be able to reuse that name.");
        }
        try {
            Files.createDirectories(dir);
            snapshots.prepare(id, Unpacker.unpack(images, snapshots, img));
            String hostname = String.valueOf(config.getOrDefault("Hostname", id.substring(0, 12)));
            Files.writeString(dir.resolve("hostname"), hostname + "\n");
            Files.writeString(dir.resolve("hosts"), "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
            Path resolv = Path.of("/etc/resolv.conf");
            Files.writeString(dir.resolve("resolv.conf"), Files.exists(resolv) ? Files.readString(resolv) : "");
        } catch (IOException | RuntimeException e) {
            discard(id);
            throw e;
        }
        return Json.obj("Id", id, "Warnings", List.of());
    }

    /** docker's create-time Config: the request's fields over the image's defaults. */
    private static Map<String, Object> mergeConfig(JsonObject body, ImageConfig.Run image, String imageRef) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String k : List.of("Hostname", "Domainname", "User", "AttachStdin", "AttachStdout", "AttachStderr", "Tty", "OpenStdin",
                "StdinOnce", "WorkingDir", "StopSignal", "StopTimeout")) {
            if (body.has(k)) m.put(k, body.map().get(k));
        }
        if (!body.has("User") || body.string("User", "").isEmpty()) m.put("User", image.user() == null ? "" : image.user());
        if (!body.has("WorkingDir") || body.string("WorkingDir", "").isEmpty()) m.put("WorkingDir", image.workingDir() == null ? "" : image.workingDir());
        if (!m.containsKey("StopSignal") && image.stopSignal() != null) m.put("StopSignal", image.stopSignal());
        Map<String, String> env = new LinkedHashMap<>();
        for (String e : image.env()) env.put(e.split("=", 2)[0], e);
        for (String e : body.strings("Env")) env.put(e.split("=", 2)[0], e.contains("=") ? e : e + "=" + System.getenv().getOrDefault(e, ""));
        m.put("Env", new ArrayList<>(env.values()));
        boolean epGiven = body.map().get("Entrypoint") != null;
        List<String> ep = epGiven ? body.strings("Entrypoint") : image.entrypoint();
        List<String> cmd = body.map().get("Cmd") != null && !body.strings("Cmd").isEmpty() ? body.strings("Cmd") : (epGiven ? null : image.cmd());
        m.put("Entrypoint", ep);
        m.put("Cmd", cmd);
        m.put("Image", imageRef);
        Map<String, Object> labels = new LinkedHashMap<>(image.labels());
        JsonObject l = body.object("Labels");
        if (l != null) labels.putAll(l.map());
        m.put("Labels", labels);
        Map<String, Object> ports = new LinkedHashMap<>();
        for (String p : image.exposedPorts()) ports.put(p, Map.of());
        JsonObject ep2 = body.object("ExposedPorts");
        if (ep2 != null) ports.putAll(ep2.map());
        if (!ports.isEmpty()) m.put("ExposedPorts", ports);
        Map<String, Object> vols = new LinkedHashMap<>();
        for (String v : image.volumes()) vols.put(v, Map.of());
        JsonObject v2 = body.object("Volumes");
        if (v2 != null) vols.putAll(v2.map());
        m.put("Volumes", vols.isEmpty() ? null : vols);
        m.putIfAbsent("Tty", false);
        m.putIfAbsent("OpenStdin", false);
        return m;
    }

    // ------------------------------------------------------------------ start, exit

    public void start(String ref) throws IOException {
        Map<String, Object> c = find(ref);
        String id = (String) c.get("Id");
        synchronized (lock(id)) {
            c = find(id);
            if (Boolean.TRUE.equals(state(c).get("Running"))) throw new EngineException(304, "container already started");
            Path dir = dir(id), bundle = dir.resolve("bundle");
            Path rootfs = snapshots.mergedDir(id);
            if (!isMounted(rootfs)) Snapshots.mount(snapshots.mountOf(id), rootfs);
            Files.createDirectories(bundle);
            Map<String, Object> spec = SpecBuilder.build(id, obj(c, "Config"), obj(c, "HostConfig"), rootfs, dir, root.resolve("volumes"));
            Files.writeString(bundle.resolve("config.json"), Json.write(spec));
            try {
                if (Files.exists(runtime.root().resolve(id))) runtime.delete(id, true); // a previous run's leftovers
            } catch (RuntimeException ignored) {
                // nothing to clean
            }
            ContainerRuntime.Created created;
            try {
                created = runtime.create(new ContainerRuntime.CreateOptions(id, bundle, null, null,
                        ContainerRuntime.Stdio.toFile(Path.of((String) c.get("LogPath")))));
                runtime.start(id);
            } catch (RuntimeException e) {
                Map<String, Object> st = state(c);
                st.put("Error", e.getMessage());
                st.put("ExitCode", e.getMessage() != null && e.getMessage().contains("not found") ? 127 : 128);
                save(c);
                throw new EngineException(400, e.getMessage());
            }
            Map<String, Object> st = state(c);
            st.put("Status", "running");
            st.put("Running", true);
            st.put("Pid", created.pid());
            st.put("ExitCode", 0);
            st.put("Error", "");
            st.put("StartedAt", Instant.now().toString());
            save(c);
            Thread.ofVirtual().name("berth-exit-" + id.substring(0, 12)).start(() -> watch(id, created));
        }
    }

    private static boolean isMounted(Path p) throws IOException {
        String s = p.toString();
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.split(" ")[4].equals(s));
    }

    /** Runs until the container's process ends: records how, releases waiters, removes it with --rm. */
    private void watch(String id, ContainerRuntime.Created created) {
        int code;
        try (created) {
            code = created.awaitExit();
        }
        try {
            exited(id, code);
        } catch (IOException | RuntimeException e) {
            System.err.println("berth: recording the exit of " + id.substring(0, 12) + ": " + e.getMessage());
        }
    }

    private void exited(String id, int code) throws IOException {
        Map<String, Object> c;
        boolean autoRemove;
        synchronized (lock(id)) {
            c = find(id);
            boolean oom = false;
            try {
                ContainerState rs = runtime.state(id);
                oom = rs.oomKilled();
                runtime.delete(id, true);
            } catch (RuntimeException | IOException ignored) {
                // already gone
            }
            Map<String, Object> st = state(c);
            st.put("Status", "exited");
            st.put("Running", false);
            st.put("Paused", false);
            st.put("Pid", 0);
            st.put("ExitCode", code);
            st.put("OOMKilled", oom);
            st.put("FinishedAt", Instant.now().toString());
            save(c);
            Snapshots.unmount(snapshots.mergedDir(id));
            autoRemove = Boolean.TRUE.equals(obj(c, "HostConfig").boolOrNull("AutoRemove"));
        }
        Map<String, Object> result = Json.obj("StatusCode", code, "Error", null);
        release(exitWaiters, id, result);
        if (autoRemove) remove(id, true, true);
    }

    private static void release(Map<String, List<CompletableFuture<Map<String, Object>>>> waiters, String id, Map<String, Object> result) {
        List<CompletableFuture<Map<String, Object>>> w = waiters.remove(id);
        if (w != null) w.forEach(f -> f.complete(result));
    }

    // ------------------------------------------------------------------ wait, stop, kill, remove

    /**
     * docker wait: a future that completes with {StatusCode, Error}. not-running: now if the container is not
     * running; next-exit: at its next exit; removed: once it has been removed.
     */
    public CompletableFuture<Map<String, Object>> waitFor(String ref, String condition) throws IOException {
        Map<String, Object> c = find(ref);
        String id = (String) c.get("Id");
        CompletableFuture<Map<String, Object>> f = new CompletableFuture<>();
        synchronized (lock(id)) {
            c = find(id);
            boolean running = Boolean.TRUE.equals(state(c).get("Running"));
            switch (condition == null || condition.isEmpty() ? "not-running" : condition) {
                case "not-running" -> {
                    if (!running) f.complete(Json.obj("StatusCode", ((Number) state(c).get("ExitCode")).intValue(), "Error", null));
                    else exitWaiters.computeIfAbsent(id, k -> new ArrayList<>()).add(f);
                }
                case "next-exit" -> exitWaiters.computeIfAbsent(id, k -> new ArrayList<>()).add(f);
                case "removed" -> removeWaiters.computeIfAbsent(id, k -> new ArrayList<>()).add(f);
                default -> throw new EngineException(400, "invalid condition: \"" + condition + "\"");
            }
        }
        return f;
    }

    public void kill(String ref, String signal) throws IOException {
        Map<String, Object> c = find(ref);
        if (!Boolean.TRUE.equals(state(c).get("Running"))) {
            throw new EngineException(409, "Cannot kill container: " + ref + ": Container " + c.get("Id") + " is not running");
        }
        int sig = signal == null || signal.isEmpty() ? Signals.SIGKILL : Signals.parse(signal);
        runtime.kill((String) c.get("Id"), sig, false);
    }

    /** docker stop: the stop signal, then SIGKILL after the timeout (default 10 s). 304 when not running. */
    public void stop(String ref, Integer timeout, String signal) throws IOException {
        Map<String, Object> c = find(ref);
        String id = (String) c.get("Id");
        if (!Boolean.TRUE.equals(state(c).get("Running"))) throw new EngineException(304, "container already stopped");
        CompletableFuture<Map<String, Object>> exit = waitFor(id, "not-running");
        Object stopSignal = ((Map<?, ?>) c.get("Config")).get("StopSignal");
        String sig = signal != null && !signal.isEmpty() ? signal : stopSignal == null ? "TERM" : stopSignal.toString();
        try {
            runtime.kill(id, Signals.parse(sig), false);
        } catch (RuntimeException ignored) {
            // it may have just exited
        }
        int t = timeout != null ? timeout : 10;
        try {
            exit.get(Math.max(0, t), TimeUnit.SECONDS);
        } catch (java.util.concurrent.TimeoutException e) {
            try {
                runtime.kill(id, Signals.SIGKILL, true);
            } catch (RuntimeException ignored) {
                // gone meanwhile
            }
            try {
                exit.get(30, TimeUnit.SECONDS);
            } catch (Exception again) {
                throw new EngineException(500, "container " + id.substring(0, 12) + " did not stop after SIGKILL");
            }
        } catch (Exception e) {
            Thread.currentThread().interrupt();
        }
    }

    /** docker rm: 409 if running without force; with force, kill first. Removes the rootfs, logs and row. */
    public void remove(String ref, boolean force, boolean volumes) throws IOException {
        Map<String, Object> c = find(ref);
        String id = (String) c.get("Id");
        if (Boolean.TRUE.equals(state(c).get("Running"))) {
            if (!force) {
                throw new EngineException(409, "cannot remove container \"" + c.get("Name") + "\": container is running: stop the container before removing or force remove");
            }
            CompletableFuture<Map<String, Object>> exit = waitFor(id, "not-running");
            try {
                runtime.kill(id, Signals.SIGKILL, true);
                exit.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new EngineException(500, "could not kill container " + id.substring(0, 12) + ": " + e.getMessage());
            }
        }
        synchronized (lock(id)) {
            discard(id);
        }
        locks.remove(id);
        release(removeWaiters, id, Json.obj("StatusCode", ((Number) state(c).get("ExitCode")).intValue(), "Error", null));
    }

    /** Removes everything of a container that exists; each part may be missing. */
    private void discard(String id) throws IOException {
        try {
            if (Files.exists(runtime.root().resolve(id))) runtime.delete(id, true);
        } catch (RuntimeException ignored) {
            // already gone
        }
        Snapshots.unmount(snapshots.mergedDir(id));
        if (snapshots.active(id).isPresent()) snapshots.remove(id);
        dev.berth.runtime.BusyboxBundle.deleteTree(dir(id));
        store.delete(id);
    }

    // ------------------------------------------------------------------ inspect, list

    public Map<String, Object> inspect(String ref) throws IOException {
        return find(ref);
    }

    /** All containers (or only running ones), newest first. */
    public List<Map<String, Object>> list(boolean all) throws IOException {
        List<Map<String, Object>> out = new ArrayList<>();
        for (JsonObject c : store.all()) {
            if (all || Boolean.TRUE.equals(state(c.map()).get("Running"))) out.add(c.map());
        }
        out.sort((a, b) -> String.valueOf(b.get("Created")).compareTo(String.valueOf(a.get("Created"))));
        return out;
    }

    @Override
    public void close() throws IOException {
        store.close();
    }
}
