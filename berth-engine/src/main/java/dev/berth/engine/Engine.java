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
    private final Volumes volumes;
    private final Events events = new Events();
    private final Map<String, List<CompletableFuture<Map<String, Object>>>> exitWaiters = new ConcurrentHashMap<>();
    private final Map<String, List<CompletableFuture<Map<String, Object>>>> removeWaiters = new ConcurrentHashMap<>();
    private final Map<String, Object> locks = new ConcurrentHashMap<>();
    /** Attachers that came before start (docker run attaches first): connected before the process may run. */
    private final Map<String, List<CompletableFuture<dev.berth.runtime.Attach>>> pendingAttach = new ConcurrentHashMap<>();
    private final Map<String, ExecInstance> execs = new ConcurrentHashMap<>();
    private final Path runRoot;
    private final RestartManager restarts = new RestartManager(this);
    private final HealthMonitor health = new HealthMonitor(this);
    private final ExitWatcher restoredExits;
    private volatile boolean closed;
    private final ContainerNetworks networks;

    public Engine(Path dataRoot, Path runRoot) throws IOException {
        this.root = dataRoot;
        this.runRoot = runRoot;
        this.images = new Images(dataRoot.resolve("images"));
        this.snapshots = new Snapshots(dataRoot);
        this.store = new StateStore(dataRoot);
        this.volumes = new Volumes(dataRoot);
        this.runtime = ContainerRuntime.defaults(runRoot.resolve("containers"), w -> System.err.println("berth: warning: " + w));
        this.networks = new ContainerNetworks(this, events, dataRoot, runRoot);
        networks.sweep();
        this.restoredExits = new ExitWatcher(runtime, (id, e) -> {
            try {
                exited(id, e.code(), e.finishedAt(), e.oomKilled());
            } catch (IOException | RuntimeException x) {
                System.err.println("berth: recording the exit of " + id.substring(0, 12) + ": " + x.getMessage());
            }
        });
    }

    /**
     * Live restore, called once when the daemon starts: finds the containers a previous daemon left running
     * (their monitors outlive it), records those that ended meanwhile, and applies restart policies (see Restore).
     */
    public void restore() throws IOException {
        Restore.run(this);
    }

    ContainerRuntime runtime() {
        return runtime;
    }

    StateStore store() {
        return store;
    }

    RestartManager restarts() {
        return restarts;
    }

    HealthMonitor health() {
        return health;
    }

    ExitWatcher restoredExits() {
        return restoredExits;
    }

    public ContainerNetworks networks() {
        return networks;
    }

    public Images images() {
        return images;
    }

    public Snapshots snapshots() {
        return snapshots;
    }

    public Volumes volumes() {
        return volumes;
    }

    public Events events() {
        return events;
    }

    void event(Map<String, Object> c, String action, Map<String, String> extra) {
        Map<String, String> attrs = new LinkedHashMap<>();
        Object labels = ((Map<?, ?>) c.get("Config")).get("Labels");
        if (labels instanceof Map<?, ?> l) l.forEach((k, v) -> attrs.put(String.valueOf(k), String.valueOf(v)));
        attrs.put("image", String.valueOf(((Map<?, ?>) c.get("Config")).get("Image")));
        attrs.put("name", String.valueOf(c.get("Name")).substring(1));
        attrs.putAll(extra);
        events.publish("container", action, (String) c.get("Id"), attrs);
    }

    private Path dir(String id) {
        return root.resolve("containers").resolve(id);
    }

    private Path io() {
        return runRoot.resolve("io");
    }

    /** Short socket paths (a Unix socket path has 107 bytes), under the run root. */
    private Path attachSocket(String id) {
        return io().resolve(id.substring(0, 16) + ".attach");
    }

    private Path controlSocket(String id) {
        return io().resolve(id.substring(0, 16) + ".ctl");
    }

    Object lock(String id) {
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
    static Map<String, Object> state(Map<String, Object> c) {
        return (Map<String, Object>) c.get("State");
    }

    void save(Map<String, Object> c) throws IOException {
        store.update((String) c.get("Id"), (String) c.get("Name"), Json.write(c));
        networks.namesChanged();
    }

    // ------------------------------------------------------------------ create

    /** docker create: the body is docker's Config with HostConfig inside it. Returns {Id, Warnings}. */
    public Map<String, Object> create(String name, JsonObject body) throws IOException {
        CreateCheck.check(body); // refused before anything is made
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
        // as docker stores it: no hostname given (the CLI sends "") is the short id, in Config, UTS and /etc/hostname
        if (config.get("Hostname") == null || String.valueOf(config.get("Hostname")).isEmpty()) config.put("Hostname", id.substring(0, 12));
        JsonObject host = body.object("HostConfig");
        Map<String, Object> hostConfig = host == null ? new LinkedHashMap<>() : new LinkedHashMap<>(host.map());
        RestartManager.validate(hostConfig);
        hostConfig.putIfAbsent("NetworkMode", "default");
        ResourceLimits.validate(Json.parseObject(Json.write(hostConfig), "HostConfig"));
        ResourceLimits.defaults(hostConfig);
        hostConfig.put("LogConfig", Json.obj("Type", "json-file", "Config", Map.of()));
        String now = Instant.now().toString();
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("Id", id);
        c.put("Created", now);
        List<String> args = new ArrayList<>();
        if (config.get("Entrypoint") instanceof List<?> ep) ep.forEach(x -> args.add(String.valueOf(x)));
        if (config.get("Cmd") instanceof List<?> cmd) cmd.forEach(x -> args.add(String.valueOf(x)));
        if (args.isEmpty()) throw new EngineException(400, "No command specified"); // moby's mergeAndVerifyConfig
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
        c.put("Mounts", mounts(hostConfig, config));
        c.put("Config", config);
        c.put("NetworkSettings", networks.settingsForCreate(hostConfig, body, config));
        boolean generated = name == null || name.isEmpty();
        boolean stored = store.insert(id, cname, Json.write(c));
        for (int attempt = 1; !stored && generated && attempt < 20; attempt++) {
            // a generated name that is taken: another, as docker does (with a number once the words run short)
            cname = Names.canonical(Names.generate() + (attempt > 3 ? Integer.toString(attempt) : ""));
            c.put("Name", cname);
            stored = store.insert(id, cname, Json.write(c));
        }
        if (!stored) {
            for (Object m : (List<?>) c.get("Mounts")) { // the anonymous volumes made for it
                String vname = String.valueOf(((Map<?, ?>) m).get("Name"));
                if (volumes.anonymous(vname)) volumes.remove(vname, null);
            }
            String other = find(cname).get("Id").toString();
            throw new EngineException(409, "Conflict. The container name \"" + cname + "\" is already in use by container \"" + other
                    + "\". You have to remove (or rename) that container to be able to reuse that name.");
        }
        try {
            Files.createDirectories(dir);
            snapshots.prepare(id, Unpacker.unpack(images, snapshots, img));
            String hostname = String.valueOf(config.get("Hostname"));
            Files.writeString(dir.resolve("hostname"), hostname + "\n");
            Files.writeString(dir.resolve("hosts"), "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n");
            Path resolv = Path.of("/etc/resolv.conf");
            Files.writeString(dir.resolve("resolv.conf"), Files.exists(resolv) ? Files.readString(resolv) : "");
        } catch (IOException | RuntimeException e) {
            discard(id);
            throw e;
        }
        event(c, "create", Map.of());
        return Json.obj("Id", id, "Warnings", List.of());
    }

    /**
     * The container's mounts, docker's inspect shape: -v binds and named volumes (made on first use), and an
     * anonymous volume for each image or Config volume nothing else covers.
     */
    @SuppressWarnings("unchecked")
    private List<Object> mounts(Map<String, Object> hostConfig, Map<String, Object> config) throws IOException {
        List<Object> out = new ArrayList<>();
        java.util.Set<String> covered = new java.util.HashSet<>();
        MountSpecs.add(hostConfig, volumes, out, covered); // --mount
        Object binds = hostConfig.get("Binds");
        if (binds instanceof List<?> l) {
            for (Object b : l) {
                String spec = String.valueOf(b);
                String[] p = spec.split(":");
                if (p.length < 2) throw new EngineException(400, "invalid volume specification: '" + spec + "'");
                boolean rw = !(p.length == 3 && List.of(p[2].split(",")).contains("ro"));
                covered.add(p[1]);
                if (p[0].startsWith("/")) {
                    out.add(Json.obj("Type", "bind", "Source", p[0], "Destination", p[1], "Mode", p.length == 3 ? p[2] : "", "RW", rw, "Propagation", "rprivate"));
                } else {
                    Map<String, Object> v = volumes.create(p[0], Map.of(), false);
                    out.add(Json.obj("Type", "volume", "Name", p[0], "Source", v.get("Mountpoint"), "Destination", p[1], "Driver", "local",
                            "Mode", p.length == 3 ? p[2] : "z", "RW", rw, "Propagation", ""));
                }
            }
        }
        Object vols = config.get("Volumes");
        if (vols instanceof Map<?, ?> m) {
            for (Object dest : m.keySet()) {
                if (covered.contains(String.valueOf(dest))) continue;
                Map<String, Object> v = volumes.create(null, Map.of(), true);
                out.add(Json.obj("Type", "volume", "Name", v.get("Name"), "Source", v.get("Mountpoint"), "Destination", dest, "Driver", "local",
                        "Mode", "", "RW", true, "Propagation", ""));
            }
        }
        return out;
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
        JsonObject hc = body.object("Healthcheck");
        Map<String, Object> health = HealthMonitor.merge(hc == null ? null : hc.map(), image.healthcheck());
        if (health != null) m.put("Healthcheck", health);
        return m;
    }

    // ------------------------------------------------------------------ start, exit

    public void start(String ref) throws IOException {
        String id = (String) find(ref).get("Id");
        try {
            startContainer(id, true);
        } catch (IOException | RuntimeException e) {
            // moby: a --rm container that cannot start is removed (docker run --rm waits for that, else forever)
            boolean notModified = e instanceof EngineException ee && ee.status() == 304;
            if (!notModified && Boolean.TRUE.equals(obj(find(id), "HostConfig").boolOrNull("AutoRemove"))) remove(id, true, true);
            throw e;
        }
    }

    /** Starts a container: by a user (docker start), or by its restart policy or the daemon's start (byUser false). */
    void startContainer(String id, boolean byUser) throws IOException {
        Map<String, Object> c;
        synchronized (lock(id)) {
            c = find(id);
            boolean restarting = Boolean.TRUE.equals(state(c).get("Restarting"));
            if (Boolean.TRUE.equals(state(c).get("Running")) && !restarting) throw new EngineException(304, "container already started");
            if (byUser) {
                restarts.forget(id);
                RestartManager.userStart(c);
            }
            Path dir = dir(id), bundle = dir.resolve("bundle");
            Path rootfs = snapshots.mergedDir(id);
            if (!isMounted(rootfs)) Snapshots.mount(snapshots.mountOf(id), rootfs);
            Files.createDirectories(bundle);
            ContainerNetworks.Attaching attaching = ContainerNetworks.Attaching.DONE;
            ContainerRuntime.Created created;
            try { // whatever fails below (an unknown user, a port in use, the runtime) leaves nothing made
                Map<String, Object> spec = SpecBuilder.build(id, obj(c, "Config"), obj(c, "HostConfig"), (List<?>) c.get("Mounts"), rootfs, dir);
                Init.apply(spec, (Map<?, ?>) c.get("HostConfig"));
                attaching = networks.attach(c, spec, dir);
                Files.writeString(bundle.resolve("config.json"), Json.write(spec));
                try {
                    if (Files.exists(runtime.root().resolve(id))) runtime.delete(id, true); // a previous run's leftovers
                } catch (RuntimeException ignored) {
                    // nothing to clean
                }
                Map<?, ?> config = (Map<?, ?>) c.get("Config");
                boolean openStdin = Boolean.TRUE.equals(config.get("OpenStdin"));
                Files.createDirectories(io());
                dev.berth.runtime.plan.Io io = dev.berth.runtime.plan.Io.logTo(Path.of((String) c.get("LogPath")))
                        .withRotation(dev.berth.runtime.plan.Io.DEFAULT_MAX_SIZE, dev.berth.runtime.plan.Io.DEFAULT_MAX_FILES)
                        .withAttach(attachSocket(id), controlSocket(id), openStdin, openStdin && Boolean.TRUE.equals(config.get("StdinOnce")));
                created = runtime.create(ContainerRuntime.CreateOptions.managed(id, bundle, io));
                // the process waits for start: attachers that came first connect now and miss nothing
                List<CompletableFuture<dev.berth.runtime.Attach>> waiting = pendingAttach.remove(id);
                if (waiting != null) {
                    for (CompletableFuture<dev.berth.runtime.Attach> f : waiting) {
                        try {
                            f.complete(dev.berth.runtime.Attach.connect(attachSocket(id)));
                        } catch (IOException e) {
                            f.completeExceptionally(e);
                        }
                    }
                }
                attaching.await(); // the network is ready before the process runs
                if (Boolean.TRUE.equals(config.get("Tty"))) consoleSize(controlSocket(id), obj(c, "HostConfig").map().get("ConsoleSize"));
                runtime.start(id);
            } catch (IOException | RuntimeException failure) {
                Exception e = failure;
                try {
                    attaching.await(); // DONE when the failure came before the network's part
                } catch (IOException | RuntimeException network) {
                    e = network; // undone already; the cause of the runtime's failure too (its namespace is gone)
                }
                try {
                    runtime.delete(id, true);
                } catch (IOException | RuntimeException ignored) {
                    // not created
                }
                networks.detach(c);
                Exception cause = e;
                List<CompletableFuture<dev.berth.runtime.Attach>> waiting = pendingAttach.remove(id); // their streams end
                if (waiting != null) waiting.forEach(f -> f.completeExceptionally(cause));
                Snapshots.unmount(rootfs); // mounted again at the next start
                if (e instanceof EngineException refused) throw refused; // the network's refusal (a port in use)
                StartFailure f = StartFailure.of(e.getMessage());
                Map<String, Object> st = state(c);
                st.put("Error", f.message());
                st.put("ExitCode", f.exitCode());
                save(c);
                throw new EngineException(400, f.message());
            }
            Map<String, Object> st = state(c);
            st.put("Status", "running");
            st.put("Running", true);
            st.put("Restarting", false);
            st.put("Paused", false);
            st.put("Pid", created.pid());
            st.put("ExitCode", 0);
            st.put("Error", "");
            st.put("StartedAt", Instant.now().toString());
            health.started(c, false);
            save(c);
            event(c, "start", Map.of());
            Thread.ofVirtual().name("berth-exit-" + id.substring(0, 12)).start(() -> watch(id, created));
        }
    }

    static boolean isMounted(Path p) throws IOException {
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
        exited(id, code, Instant.now(), null);
    }

    /**
     * Records how a container ended (oomKilled null: read it from the runtime), then lets the runtime's record
     * go, unmounts the rootfs, and applies --rm or the restart policy. The exit is saved first, so a crash in
     * between leaves nothing unknown.
     */
    void exited(String id, int code, Instant finishedAt, Boolean oomKilled) throws IOException {
        if (closed) return;
        Map<String, Object> c;
        boolean autoRemove, restart;
        health.stopped(id);
        synchronized (lock(id)) {
            c = find(id);
            boolean oom = Boolean.TRUE.equals(oomKilled);
            if (oomKilled == null) {
                try {
                    ContainerState rs = runtime.state(id);
                    oom = rs.oomKilled();
                } catch (RuntimeException | IOException ignored) {
                    // already gone
                }
            }
            Map<String, Object> st = state(c);
            st.put("Status", "exited");
            st.put("Running", false);
            st.put("Paused", false);
            st.put("Restarting", false);
            st.put("Pid", 0);
            st.put("ExitCode", code);
            st.put("OOMKilled", oom);
            st.put("FinishedAt", finishedAt.toString());
            Instant startedAt;
            try {
                startedAt = Instant.parse(String.valueOf(st.get("StartedAt")));
            } catch (RuntimeException e) {
                startedAt = null;
            }
            restart = restarts.onExit(c, code, startedAt, finishedAt);
            save(c);
            // the network's teardown (CNI DEL, ~25 ms of plugin runs) alongside the runtime's and the rootfs'
            Map<String, Object> doc = c;
            Thread teardown = Thread.ofVirtual().start(() -> {
                try {
                    networks.detach(doc);
                } catch (IOException | RuntimeException e) {
                    System.err.println("berth: warning: " + e.getMessage());
                }
            });
            try {
                runtime.delete(id, true);
            } catch (RuntimeException | IOException ignored) {
                // already gone
            }
            Snapshots.unmount(snapshots.mergedDir(id));
            try {
                teardown.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            save(c);
            autoRemove = !restart && Boolean.TRUE.equals(obj(c, "HostConfig").boolOrNull("AutoRemove"));
        }
        event(c, "die", Map.of("exitCode", Integer.toString(code)));
        Map<String, Object> result = Json.obj("StatusCode", code, "Error", null);
        release(exitWaiters, id, result);
        if (autoRemove) remove(id, true, true);
        if (restart) restarts.schedule(id);
    }

    /** Releases those waiting for the container to stop, with its recorded exit code. */
    void releaseExit(String id) throws IOException {
        release(exitWaiters, id, Json.obj("StatusCode", ((Number) state(find(id)).get("ExitCode")).intValue(), "Error", null));
    }

    void healthEvent(Map<String, Object> c, String status) {
        event(c, "health_status: " + status, Map.of());
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
        boolean plain = signal == null || signal.isEmpty();
        int sig = plain ? Signals.SIGKILL : Signals.parse(signal);
        Object stopSignal = ((Map<?, ?>) c.get("Config")).get("StopSignal");
        if (sig == Signals.SIGKILL || sig == Signals.parse(stopSignal == null ? "TERM" : stopSignal.toString())) {
            // a kill meant to end it: no restart by policy (docker's HasBeenManuallyStopped)
            if (restarts.manualStop((String) c.get("Id"))) {
                event(c, "kill", Map.of("signal", Integer.toString(sig)));
                return;
            }
        }
        refuseWhileRestarting(c);
        // as moby: a kill without a signal returns once the container is down (inspect right after sees 137)
        CompletableFuture<Map<String, Object>> exit = plain ? waitFor((String) c.get("Id"), "not-running") : null;
        try {
            runtime.kill((String) c.get("Id"), sig, false);
        } catch (IllegalStateException ended) { // it exited before its exit was recorded
            throw new EngineException(409, "Cannot kill container: " + ref + ": Container " + c.get("Id") + " is not running");
        }
        event(c, "kill", Map.of("signal", Integer.toString(sig)));
        if (exit != null) {
            try {
                exit.get(10, TimeUnit.SECONDS);
            } catch (Exception e) {
                // its exit is recorded later
            }
        }
    }

    /** docker stop: the stop signal, then SIGKILL after the timeout (default 10 s). 304 when not running. */
    public void stop(String ref, Integer timeout, String signal) throws IOException {
        Map<String, Object> c = find(ref);
        String id = (String) c.get("Id");
        if (restarts.manualStop(id)) { // it was waiting to restart: now it is stopped
            event(c, "stop", Map.of());
            return;
        }
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
        event(c, "stop", Map.of());
    }

    /** docker rm: 409 if running without force; with force, kill first. Removes the rootfs, logs and row. */
    public void remove(String ref, boolean force, boolean volumes) throws IOException {
        Map<String, Object> c = find(ref);
        String id = (String) c.get("Id");
        if (Boolean.TRUE.equals(state(c).get("Restarting"))) {
            if (!force) {
                throw new EngineException(409, "cannot remove container \"" + c.get("Name") + "\": container is restarting: stop the container before removing or force remove");
            }
            restarts.cancel(id);
            c = find(id);
        }
        if (Boolean.TRUE.equals(state(c).get("Running"))) {
            if (!force) {
                throw new EngineException(409, "cannot remove container \"" + c.get("Name") + "\": container is running: stop the container before removing or force remove");
            }
            restarts.manualStop(id); // no restart by policy on the way out
            CompletableFuture<Map<String, Object>> exit = waitFor(id, "not-running");
            try {
                runtime.kill(id, Signals.SIGKILL, true);
            } catch (RuntimeException stopped) {
                // it just exited (docker kill then rm -f, as Testcontainers does): its exit is being recorded
            }
            try {
                exit.get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new EngineException(500, "could not kill container " + id.substring(0, 12) + ": " + e.getMessage());
            }
            try {
                c = find(id); // with its exit recorded: the removal's waiters get that code
            } catch (EngineException gone) {
                if (gone.status() == 404) return; // --rm removed it meanwhile
                throw gone;
            }
        }
        synchronized (lock(id)) {
            try {
                networks.detach(c); // again: after a crash the exit was never recorded
            } catch (IOException | RuntimeException e) {
                System.err.println("berth: warning: " + e.getMessage());
            }
            discard(id);
        }
        restarts.forget(id);
        health.stopped(id);
        locks.remove(id);
        if (volumes) {
            for (Object m : (List<?>) c.get("Mounts")) {
                Map<?, ?> mm = (Map<?, ?>) m;
                String vname = String.valueOf(mm.get("Name"));
                if ("volume".equals(mm.get("Type")) && this.volumes.anonymous(vname)) this.volumes.remove(vname, null);
            }
        }
        event(c, "destroy", Map.of());
        release(removeWaiters, id, Json.obj("StatusCode", ((Number) state(c).get("ExitCode")).intValue(), "Error", null));
        List<CompletableFuture<dev.berth.runtime.Attach>> waiting = pendingAttach.remove(id);
        if (waiting != null) waiting.forEach(f -> f.completeExceptionally(EngineException.noSuchContainer(id)));
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
        networks.namesChanged();
    }

    /** The name of a container that mounts the volume, or null. */
    public String volumeUser(String volume) throws IOException {
        for (JsonObject c : store.all()) {
            for (JsonObject m : c.objects("Mounts")) if (volume.equals(m.string("Name"))) return c.string("Id");
        }
        return null;
    }

    // ------------------------------------------------------------------ pause, restart, rename, top, stats

    /** A container waiting to restart has no process to signal or freeze: docker's 409, not the runtime's error. */
    private static void refuseWhileRestarting(Map<String, Object> c) {
        if (Boolean.TRUE.equals(state(c).get("Restarting"))) {
            throw new EngineException(409, "Container " + c.get("Id") + " is restarting, wait until the container is running");
        }
    }

    public void pause(String ref) throws IOException {
        Map<String, Object> c = find(ref);
        String id = (String) c.get("Id");
        synchronized (lock(id)) {
            if (!Boolean.TRUE.equals(state(c).get("Running"))) throw new EngineException(409, "Container " + id + " is not running");
            if (Boolean.TRUE.equals(state(c).get("Paused"))) throw new EngineException(409, "Container " + id + " is already paused");
            refuseWhileRestarting(c);
            try {
                runtime.pause(id);
            } catch (IllegalStateException ended) { // it exited before its exit was recorded
                throw new EngineException(409, "Container " + id + " is not running");
            }
            state(c).put("Paused", true);
            state(c).put("Status", "paused");
            save(c);
        }
        event(c, "pause", Map.of());
    }

    public void unpause(String ref) throws IOException {
        Map<String, Object> c = find(ref);
        String id = (String) c.get("Id");
        synchronized (lock(id)) {
            if (!Boolean.TRUE.equals(state(c).get("Paused"))) throw new EngineException(409, "Container " + id + " is not paused");
            try {
                runtime.resume(id);
            } catch (IllegalStateException ended) {
                throw new EngineException(409, "Container " + id + " is not paused");
            }
            state(c).put("Paused", false);
            state(c).put("Status", "running");
            save(c);
        }
        event(c, "unpause", Map.of());
    }

    public void restart(String ref, Integer timeout) throws IOException {
        Map<String, Object> c = find(ref);
        if (Boolean.TRUE.equals(state(c).get("Running"))) stop(ref, timeout, null);
        start((String) c.get("Id"));
        // as moby: RestartCount counts restarts by the restart policy only, not docker restart
        event(find((String) c.get("Id")), "restart", Map.of());
    }

    public void rename(String ref, String newName) throws IOException {
        Map<String, Object> c = find(ref);
        String n = Names.canonical(newName);
        if (n.equals(c.get("Name"))) throw new EngineException(400, "Renaming a container with the same name as it already has is not allowed");
        for (JsonObject o : store.all()) {
            if (n.equals(o.string("Name"))) throw new EngineException(409, "Conflict. The container name \"" + n + "\" is already in use by container \"" + o.string("Id") + "\". You have to remove (or rename) that container to be able to reuse that name.");
        }
        Map<String, String> old = Map.of("oldName", String.valueOf(c.get("Name")));
        c.put("Name", n);
        save(c);
        event(c, "rename", old);
    }

    /** docker top: the container's processes, as ps -ef columns (UID PID PPID C STIME TTY TIME CMD). */
    public Map<String, Object> top(String ref) throws IOException {
        Map<String, Object> c = find(ref);
        if (!Boolean.TRUE.equals(state(c).get("Running"))) throw new EngineException(409, "Container " + c.get("Id") + " is not running");
        List<Object> procs = new ArrayList<>();
        for (long pid : runtime.ps((String) c.get("Id"))) {
            try {
                String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
                String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
                String cmd = new String(Files.readAllBytes(Path.of("/proc/" + pid + "/cmdline"))).replace('\0', ' ').trim();
                long uid = (Integer) Files.getAttribute(Path.of("/proc/" + pid), "unix:uid");
                procs.add(List.of(Long.toString(uid), Long.toString(pid), f[1], "0", "", "?", "00:00:00", cmd));
            } catch (IOException gone) {
                // exited meanwhile
            }
        }
        return Json.obj("Titles", List.of("UID", "PID", "PPID", "C", "STIME", "TTY", "TIME", "CMD"), "Processes", procs);
    }

    /** One stats sample in docker's shape (the API fills precpu_stats from a sample taken a moment earlier). */
    public Map<String, Object> stats(String ref) throws IOException {
        Map<String, Object> c = find(ref);
        String id = (String) c.get("Id");
        boolean running = Boolean.TRUE.equals(state(c).get("Running"));
        var s = running ? runtime.stats(id) : null;
        long system = systemCpuNanos();
        int cpus = Runtime.getRuntime().availableProcessors();
        Map<String, Object> cpu = Json.obj("cpu_usage", Json.obj("total_usage", s == null ? 0 : s.cpuUsageNanos()),
                "system_cpu_usage", system, "online_cpus", cpus);
        long limit = s == null ? 0 : s.memoryLimitBytes().orElse(0);
        return Json.obj("read", Instant.now().toString(), "name", c.get("Name"), "id", id,
                "pids_stats", Json.obj("current", s == null ? 0 : s.pidsCurrent()),
                "cpu_stats", cpu, "precpu_stats", cpu,
                "memory_stats", s == null ? Map.of() : Json.obj("usage", s.memoryUsageBytes(),
                        "limit", limit <= 0 || limit > totalMemory() ? totalMemory() : limit, "stats", Json.obj("total_inactive_file", 0, "inactive_file", 0)),
                "blkio_stats", Json.obj("io_service_bytes_recursive", s == null ? List.of() : List.of(
                        Json.obj("major", 0, "minor", 0, "op", "read", "value", s.ioReadBytes()),
                        Json.obj("major", 0, "minor", 0, "op", "write", "value", s.ioWriteBytes()))),
                "networks", networks.stats(c));
    }

    /** Nanoseconds of CPU time the host has spent (all CPUs), from /proc/stat, as docker's system_cpu_usage. */
    private static long systemCpuNanos() throws IOException {
        String cpu = Files.readAllLines(Path.of("/proc/stat")).getFirst();
        long ticks = 0;
        for (String f : cpu.substring(3).trim().split("\\s+")) ticks += Long.parseLong(f);
        return ticks * 10_000_000L; // USER_HZ is 100
    }

    private static long totalMemory() throws IOException {
        for (String l : Files.readAllLines(Path.of("/proc/meminfo"))) {
            if (l.startsWith("MemTotal:")) return Long.parseLong(l.replaceAll("\\D", "")) * 1024;
        }
        return 0;
    }

    // ------------------------------------------------------------------ attach, logs, exec

    /**
     * A connection to the container's output (and stdin). Before start it completes when the container starts,
     * before its process runs; for a running container at once; for a stopped one it fails with 409.
     */
    public CompletableFuture<dev.berth.runtime.Attach> attach(String ref) throws IOException {
        Map<String, Object> c = find(ref);
        String id = (String) c.get("Id");
        CompletableFuture<dev.berth.runtime.Attach> f = new CompletableFuture<>();
        synchronized (lock(id)) {
            c = find(id);
            String status = String.valueOf(state(c).get("Status"));
            if (Boolean.TRUE.equals(state(c).get("Running"))) f.complete(dev.berth.runtime.Attach.connect(attachSocket(id)));
            else if (status.equals("created") || status.equals("exited")) pendingAttach.computeIfAbsent(id, k -> new ArrayList<>()).add(f);
            else throw new EngineException(409, "You cannot attach to a " + status + " container, start it first");
        }
        return f;
    }

    public void resize(String ref, int rows, int cols) throws IOException {
        Map<String, Object> c = find(ref);
        if (!Boolean.TRUE.equals(state(c).get("Running"))) return;
        try {
            dev.berth.runtime.Attach.resize(controlSocket((String) c.get("Id")), rows, cols);
        } catch (IOException e) {
            // not a terminal, or just exited: docker ignores it too
        }
    }

    /**
     * Sets a terminal's size to docker's ConsoleSize [rows, cols] before its process runs: the CLI's resize comes
     * after the start, too late for a command that asks at once (stty size sees 0x0). No size, no change.
     */
    public static void consoleSize(Path controlSocket, Object size) {
        if (!(size instanceof List<?> l) || l.size() != 2 || !(l.get(0) instanceof Number h) || !(l.get(1) instanceof Number w)) return;
        if (h.intValue() <= 0 || w.intValue() <= 0) return;
        try {
            dev.berth.runtime.Attach.resize(controlSocket, h.intValue(), w.intValue());
        } catch (IOException | IllegalArgumentException e) {
            // not a terminal, or out of range: the CLI's own resize follows
        }
    }

    /** The container's json-file log, from tail and times; follow with {@link dev.berth.runtime.LogReader#next}. */
    public dev.berth.runtime.LogReader logs(String ref, int tail, Instant since, Instant until) throws IOException {
        Map<String, Object> c = find(ref);
        return dev.berth.runtime.LogReader.open(Path.of((String) c.get("LogPath")), tail, since, until);
    }

    public boolean running(String ref) throws IOException {
        return Boolean.TRUE.equals(state(find(ref)).get("Running"));
    }

    /** An exec instance: what docker exec asked for, and once it ran, its pid and exit code. */
    public static final class ExecInstance {
        public final String id, containerId;
        public final List<String> cmd, env;
        public final String user, workingDir;
        public final boolean tty, openStdin, privileged;
        public volatile boolean running;
        public volatile int pid, exitCode;

        ExecInstance(String id, String containerId, List<String> cmd, List<String> env, String user, String workingDir, boolean tty,
                     boolean openStdin, boolean privileged) {
            this.id = id;
            this.containerId = containerId;
            this.cmd = cmd;
            this.env = env;
            this.user = user;
            this.workingDir = workingDir;
            this.tty = tty;
            this.openStdin = openStdin;
            this.privileged = privileged;
        }
    }

    public ExecInstance execCreate(String ref, JsonObject body) throws IOException {
        Map<String, Object> c = find(ref);
        if (!Boolean.TRUE.equals(state(c).get("Running"))) throw new EngineException(409, "Container " + c.get("Id") + " is not running");
        if (Boolean.TRUE.equals(state(c).get("Paused"))) {
            throw new EngineException(409, "Container " + c.get("Id") + " is paused, unpause the container before exec");
        }
        List<String> cmd = body.strings("Cmd");
        if (cmd.isEmpty()) throw new EngineException(400, "No exec command specified");
        ExecInstance e = new ExecInstance(Names.newId(), (String) c.get("Id"), cmd, body.strings("Env"), body.string("User", ""),
                body.string("WorkingDir", ""), body.bool("Tty"), body.bool("AttachStdin"), body.bool("Privileged"));
        execs.put(e.id, e);
        Map<String, String> a = new LinkedHashMap<>();
        a.put("execID", e.id);
        event(c, "exec_create: " + String.join(" ", cmd), a);
        return e;
    }

    public ExecInstance exec(String id) {
        ExecInstance e = execs.get(id);
        if (e == null) throw new EngineException(404, "No such exec instance: " + id);
        return e;
    }

    /**
     * Prepares an exec'd process with its own attach socket; the caller connects to it (attach socket), then
     * calls start on the handle and awaitExit. The exit code is recorded on the instance.
     */
    public ContainerRuntime.Exec execPrepare(ExecInstance e, boolean detach) throws IOException {
        Map<String, Object> c = find(e.containerId);
        Map<?, ?> config = (Map<?, ?>) c.get("Config");
        Map<?, ?> host = (Map<?, ?>) c.get("HostConfig");
        Path rootfs = snapshots.mergedDir(e.containerId);
        String user = e.user.isEmpty() ? String.valueOf(config.get("User") == null ? "" : config.get("User")) : e.user;
        long[] ug = dev.berth.runtime.Users.resolve(rootfs, user);
        List<String> env = new ArrayList<>();
        if (config.get("Env") instanceof List<?> l) l.forEach(x -> env.add(String.valueOf(x)));
        env.addAll(e.env);
        String wd = !e.workingDir.isEmpty() ? e.workingDir : String.valueOf(config.get("WorkingDir") == null ? "" : config.get("WorkingDir"));
        List<String> caps = e.privileged || Boolean.TRUE.equals(host.get("Privileged")) ? allCaps() : SpecBuilder.DEFAULT_CAPS;
        var process = new dev.berth.oci.runtime.RuntimeSpec.Process(e.tty, new dev.berth.oci.runtime.RuntimeSpec.User(ug[0], ug[1], null, List.of()),
                e.cmd, env, wd.isEmpty() ? "/" : wd, new dev.berth.oci.runtime.RuntimeSpec.Capabilities(caps, caps, List.of(), caps, List.of()),
                List.of(), false, null, null, null);
        Files.createDirectories(io());
        dev.berth.runtime.plan.Io io = dev.berth.runtime.plan.Io.attachOnly(io().resolve(e.id.substring(0, 16) + ".attach"),
                io().resolve(e.id.substring(0, 16) + ".ctl"), e.openStdin, true);
        return runtime.execCreate(e.containerId, process, new ContainerRuntime.ExecOptions(null, detach, null, io));
    }

    public Path execAttachSocket(ExecInstance e) {
        return io().resolve(e.id.substring(0, 16) + ".attach");
    }

    public Path execControlSocket(ExecInstance e) {
        return io().resolve(e.id.substring(0, 16) + ".ctl");
    }

    private static List<String> allCaps() {
        return dev.berth.runtime.plan.Capabilities.available();
    }

    // ------------------------------------------------------------------ inspect, list

    public Map<String, Object> inspect(String ref) throws IOException {
        Map<String, Object> c = find(ref);
        c.remove(RestartManager.MANUALLY_STOPPED); // the engine's own, not docker's inspect
        return c;
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
        closed = true;
        health.close();
        restarts.close();
        restoredExits.close();
        networks.releasePorts();
        networks.removeIdleDefaultBridge();
        store.close();
    }
}
