package dev.berth.runtime;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import dev.berth.oci.runtime.RuntimeSpec;
import dev.berth.oci.runtime.RuntimeSpecReader;
import dev.berth.runtime.ContainerState.Status;
import dev.berth.runtime.cgroup.Cgroup;
import dev.berth.runtime.cgroup.CgroupLayout;
import dev.berth.runtime.cgroup.DefaultDevices;
import dev.berth.runtime.linux.Libc;
import dev.berth.runtime.linux.Signals;
import dev.berth.runtime.plan.Io;
import dev.berth.runtime.plan.Plan;
import dev.berth.runtime.plan.PlanCompiler;
import dev.berth.runtime.seccomp.SeccompCompiler;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.UUID;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * berth's OCI runtime: the verbs of the OCI runtime command line (create, start, state, kill, delete) and
 * runc's extras (run, exec, ps, pause, resume, list). The engine calls this class directly; {@code berth
 * runtime ...} is a thin command line over it.
 *
 * <p>Each container has a state directory {@code ROOT/ID} holding state.json, a copy of config.json,
 * exec.fifo while it is created but not started, and the exit file its monitor writes when it ends.
 */
public final class ContainerRuntime {
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final long SHIM_TIMEOUT_MS = 60_000;

    private final Path root;
    private Path shim; // null until create or exec needs it: state, kill, delete, list... work without the shim
    private final Consumer<String> warn;

    /** shim: the berth-shim binary, or null to locate it ({@link Shim#locate()}) when create or exec first needs it. */
    public ContainerRuntime(Path root, Path shim, Consumer<String> warn) {
        this.root = root;
        this.shim = shim;
        this.warn = warn;
    }

    public static ContainerRuntime defaults(Path root, Consumer<String> warn) {
        return new ContainerRuntime(root, null, warn);
    }

    private Path shim() {
        if (shim == null) shim = Shim.locate();
        return shim;
    }

    public Path root() {
        return root;
    }

    /**
     * Options of create and run. consoleSocket: where to send the pty master when process.terminal is set;
     * stdio: the container's stdin/stdout/stderr (the caller's own by default, as runc does); io: managed stdio
     * instead (the monitor logs the output and serves attach clients, with or without a terminal; stdio and
     * consoleSocket are then unused), or null.
     */
    public record CreateOptions(String id, Path bundle, String consoleSocket, Path pidFile, Stdio stdio, Io io) {
        public CreateOptions(String id, Path bundle, String consoleSocket, Path pidFile, Stdio stdio) {
            this(id, bundle, consoleSocket, pidFile, stdio, null);
        }

        public CreateOptions(String id, Path bundle, String consoleSocket, Path pidFile) {
            this(id, bundle, consoleSocket, pidFile, Stdio.INHERIT, null);
        }

        /** A container whose stdio the monitor manages. */
        public static CreateOptions managed(String id, Path bundle, Io io) {
            return new CreateOptions(id, bundle, null, null, Stdio.INHERIT, io);
        }
    }

    /** Where a container's standard streams go: inherited, or files/pipes as ProcessBuilder redirects them. */
    public record Stdio(ProcessBuilder.Redirect in, ProcessBuilder.Redirect out, ProcessBuilder.Redirect err) {
        public static final Stdio INHERIT = new Stdio(ProcessBuilder.Redirect.INHERIT, ProcessBuilder.Redirect.INHERIT, ProcessBuilder.Redirect.INHERIT);

        /** Everything to /dev/null: the monitor of managed stdio keeps none of the caller's descriptors. */
        static final Stdio NULL = new Stdio(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")),
                ProcessBuilder.Redirect.DISCARD, ProcessBuilder.Redirect.DISCARD);

        /** stdin from /dev/null, stdout and stderr appended to one file. */
        public static Stdio toFile(Path log) {
            ProcessBuilder.Redirect r = ProcessBuilder.Redirect.appendTo(log.toFile());
            return new Stdio(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")), r, r);
        }
    }

    /** A container just created by this process: the monitor's sync channel stays open to report its exit. */
    public final class Created implements AutoCloseable {
        private final String id;
        private final Shim channel;
        private final int pid;

        private Created(String id, Shim channel, int pid) {
            this.id = id;
            this.channel = channel;
            this.pid = pid;
        }

        public String id() {
            return id;
        }

        public int pid() {
            return pid;
        }

        /** Blocks until the container process exits; its exit code (128+signal when killed). */
        public int awaitExit() {
            Shim.Event e;
            Integer code = null;
            // read to the end: the socket closes when the monitor exits, so nothing of the container is left
            while ((e = channel.next(-1)) != null) {
                if (e.verb().equals("exit")) code = e.number();
                if (e.verb().equals("error")) warn.accept(id + ": " + channel.explain(e));
                if (e.verb().equals("warning")) warn.accept(id + ": " + channel.explainWarning(e));
            }
            if (code == null) code = exitCode(dir(id));
            return code == null ? 255 : code;
        }

        @Override
        public void close() {
            channel.close();
        }
    }

    private Path dir(String id) {
        return root.resolve(id);
    }

    private static void checkId(String id) {
        if (id == null || !ID.matcher(id).matches()) {
            throw new IllegalArgumentException("invalid container id \"" + id + "\": use letters, digits, '_', '.', '-' (up to 128)");
        }
    }

    private static String cgroupPath(RuntimeSpec spec, String id) {
        String p = spec.linux() == null ? null : spec.linux().cgroupsPath();
        return p == null || p.isEmpty() ? "/berth/" + id : p;
    }

    // ------------------------------------------------------------------ create

    public Created create(CreateOptions o) throws IOException {
        checkId(o.id());
        Path bundle = o.bundle().toAbsolutePath().normalize();
        RuntimeSpec spec = RuntimeSpecReader.read(bundle.resolve("config.json"));
        if (spec.process() != null && spec.process().terminal() && o.consoleSocket() == null && o.io() == null) {
            throw new IllegalArgumentException("process.terminal is set: create needs --console-socket (or use run)");
        }
        return create(o, bundle, spec);
    }

    private Created create(CreateOptions o, Path bundle, RuntimeSpec spec) throws IOException {
        Path shim = shim(); // before anything is made
        Files.createDirectories(root);
        Path dir = dir(o.id());
        try {
            Files.createDirectory(dir);
        } catch (FileAlreadyExistsException e) {
            throw new IllegalStateException("container \"" + o.id() + "\" already exists");
        }
        Cgroup cgroup = null;
        Shim channel = null;
        int pid = 0;
        try {
            Trace.mark("spec read, state dir made");
            Files.copy(bundle.resolve("config.json"), dir.resolve("config.json"));
            CgroupLayout layout = CgroupLayout.detect();
            cgroup = Cgroup.of(layout, cgroupPath(spec, o.id()));
            cgroup.create();
            if (spec.linux() != null) {
                for (String w : cgroup.apply(DefaultDevices.withDefaults(spec.linux().resources(), spec.linux().devices()))) warn.accept(w);
            }
            Trace.mark("cgroup made");
            byte[] filter = null;
            int flags = 0;
            if (spec.linux() != null && spec.linux().seccomp() != null) {
                filter = SeccompCompiler.compile(spec.linux().seccomp());
                flags = SeccompCompiler.flags(spec.linux().seccomp());
            }
            Plan plan = PlanCompiler.create(new PlanCompiler.Input(o.id(), bundle, spec, dir, o.consoleSocket(),
                    cgroup.procsFiles(), cgroup.hostDirs(), layout.mode() == CgroupLayout.Mode.UNIFIED, filter, flags, o.io()), warn);
            Trace.mark("plan compiled");
            channel = Shim.spawn(shim, plan, dir, o.io() != null ? Stdio.NULL : o.stdio());
            Trace.mark("shim spawned");
            int monitor = 0;
            while (true) {
                Shim.Event e = channel.next(SHIM_TIMEOUT_MS);
                if (e == null) throw new ContainerException("the shim exited before the container was created");
                switch (e.verb()) {
                    case "exit" -> throw new ContainerException(diedDuringSetup(e, cgroup));
                    case "monitor" -> monitor = e.number();
                    case "pid" -> pid = e.number();
                    case "error" -> throw new ContainerException(channel.explain(e));
                    case "ready" -> {
                        Trace.mark("container ready");
                        writeState(dir, o.id(), spec, bundle, pid, monitor, o.io());
                        if (o.pidFile() != null) writeAtomically(o.pidFile(), pid + "\n");
                        return new Created(o.id(), channel, pid);
                    }
                    default -> { }
                }
            }
        } catch (IOException | RuntimeException e) {
            if (pid > 0) Libc.kill(pid, Signals.SIGKILL);
            if (channel != null) drain(channel); // also after an error before the fork: the monitor is on its way out
            if (channel != null) channel.close();
            if (cgroup != null) destroyQuietly(cgroup);
            deleteTree(dir);
            throw e;
        }
    }

    /** The container process ended before it was ready without saying why: say how it ended, and why if the kernel knows. */
    private static String diedDuringSetup(Shim.Event exit, Cgroup cgroup) {
        String[] f = exit.rest().split(" ");
        int signal = f.length > 1 ? Integer.parseInt(f[1]) : 0;
        String how = signal > 0 ? "was killed by " + dev.berth.runtime.linux.Signals.name(signal) : "exited with status " + f[0];
        boolean oom = false;
        try {
            oom = cgroup.oomKillCount() > 0;
        } catch (RuntimeException ignored) {
            // no memory controller to ask
        }
        return "the container process " + how + " while it was being set up"
                + (oom ? ": out of memory (the cgroup's memory limit is too low to start it)" : "");
    }

    private static void drain(Shim channel) {
        try {
            while (channel.next(5_000) != null) { /* until the monitor has reaped the child */ }
        } catch (RuntimeException ignored) {
            // timed out: nothing more to learn
        }
    }

    private void destroyQuietly(Cgroup cgroup) {
        try {
            cgroup.killAll(9);
            cgroup.destroy();
        } catch (RuntimeException e) {
            warn.accept("cleanup: " + e.getMessage());
        }
    }

    private static void writeState(Path dir, String id, RuntimeSpec spec, Path bundle, int pid, int monitor, Io io) throws IOException {
        Path rootfs = bundle.resolve(spec.root().path()).normalize();
        writeAtomically(dir.resolve("state.json"), Json.writePretty(Json.obj(
                "ociVersion", spec.ociVersion(), "id", id, "pid", pid, "pidStart", startTime(pid), "monitorPid", monitor,
                "bundle", bundle.toString(), "rootfs", rootfs.toString(), "created", Instant.now().toString(),
                "cgroupsPath", cgroupPath(spec, id), "annotations", spec.annotations(), "io", ioJson(io))));
    }

    private static Object ioJson(Io io) {
        if (io == null) return null;
        return Json.obj("log", str(io.log()), "maxSize", io.maxSize(), "maxFiles", io.maxFiles(), "attachSocket", str(io.attachSocket()),
                "controlSocket", str(io.controlSocket()), "openStdin", io.openStdin(), "stdinOnce", io.stdinOnce());
    }

    private static String str(Path p) {
        return p == null ? null : p.toString();
    }

    private static Path path(String s) {
        return s == null ? null : Path.of(s);
    }

    static void writeAtomically(Path file, String content) throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(tmp, content);
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Field 22 of /proc/PID/stat: tells a live process from a later one that reused its pid. */
    static long startTime(int pid) {
        try {
            String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
            String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
            return Long.parseLong(f[19]);
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    // ------------------------------------------------------------------ start

    public void start(String id) throws IOException {
        Loaded c = load(id);
        Status s = c.status();
        if (s != Status.CREATED) throw new IllegalStateException("cannot start container " + id + ": it is " + s.json() + ", not created");
        Path fifo = dir(id).resolve("exec.fifo");
        String state = Json.write(c.state(Status.RUNNING).toJson());
        Path before = exe(c.pid);
        // O_RDWR: opening never blocks, even if the process died meanwhile (a write-only open would wait for a reader).
        try (RandomAccessFile f = new RandomAccessFile(fifo.toFile(), "rw")) {
            byte[] body = state.getBytes(StandardCharsets.UTF_8);
            f.write(ByteBuffer.allocate(4 + body.length).order(ByteOrder.nativeOrder()).putInt(body.length).put(body).array());
        } finally {
            Files.deleteIfExists(fifo);
        }
        if (!c.spec.hooks().poststart().isEmpty()) awaitExec(c, before);
        try {
            Hooks.run("poststart", c.spec.hooks().poststart(), state);
        } catch (IOException e) {
            warn.accept(id + ": " + e.getMessage());
        }
    }

    /** The program a process runs: it changes from the shim to the container's program at execve. */
    private static Path exe(int pid) {
        try {
            return Files.readSymbolicLink(Path.of("/proc/" + pid + "/exe"));
        } catch (IOException e) {
            return null;
        }
    }

    /** Poststart hooks run after the process is executed: wait for its execve (or its end). */
    private void awaitExec(Loaded c, Path before) {
        long deadline = System.nanoTime() + SHIM_TIMEOUT_MS * 1_000_000;
        while (System.nanoTime() < deadline && c.alive() && java.util.Objects.equals(exe(c.pid), before)) {
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    /** create + start + wait + delete, as `runc run`: the exit code of the process (128+signal when killed). */
    public int run(CreateOptions o) throws IOException {
        checkId(o.id());
        Path bundle = o.bundle().toAbsolutePath().normalize();
        RuntimeSpec spec = RuntimeSpecReader.read(bundle.resolve("config.json"));
        try (Created c = create(o, bundle, spec)) {
            Thread cleanup = new Thread(() -> forceDelete(o.id()));
            boolean hooked = addShutdownHook(cleanup);
            try {
                start(o.id());
                Trace.mark("started");
                return c.awaitExit();
            } finally {
                Trace.mark("exited");
                if (hooked) Runtime.getRuntime().removeShutdownHook(cleanup);
                delete(o.id(), true);
                Trace.mark("deleted");
            }
        }
    }

    private static boolean addShutdownHook(Thread t) {
        try {
            Runtime.getRuntime().addShutdownHook(t);
            return true;
        } catch (IllegalStateException e) {
            return false;
        }
    }

    private void forceDelete(String id) {
        try {
            delete(id, true);
        } catch (IOException | RuntimeException ignored) {
            // best effort while the JVM goes down
        }
    }

    // ------------------------------------------------------------------ state

    /** A container's recorded state plus what was read back from the host. */
    private final class Loaded {
        final String id;
        final JsonObject json;
        final RuntimeSpec spec;
        final int pid;

        Loaded(String id, JsonObject json, RuntimeSpec spec) {
            this.id = id;
            this.json = json;
            this.spec = spec;
            this.pid = (int) json.longValue("pid", 0);
        }

        Cgroup cgroup() {
            return Cgroup.of(CgroupLayout.detect(), json.string("cgroupsPath"));
        }

        boolean alive() {
            return pid > 0 && startTime(pid) == json.longValue("pidStart", -2);
        }

        Status status() {
            Path d = dir(id);
            if (Files.exists(d.resolve("exit"))) return Status.STOPPED;
            if (!alive()) {
                awaitExitRecord();
                return Status.STOPPED;
            }
            if (Files.exists(d.resolve("exec.fifo"))) return Status.CREATED;
            if (cgroup().isFrozen()) return Status.PAUSED;
            return Status.RUNNING;
        }

        /** The process is gone: give its monitor (if still there) a moment to record how it ended. */
        void awaitExitRecord() {
            Path exit = dir(id).resolve("exit");
            int monitor = (int) json.longValue("monitorPid", 0);
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (!Files.exists(exit) && monitor > 0 && Files.exists(Path.of("/proc/" + monitor)) && System.nanoTime() < deadline) {
                Thread.onSpinWait();
                try {
                    Thread.sleep(1);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        /** The monitor exits right after recording the exit: wait for that, so delete leaves no process. */
        void awaitMonitorGone() {
            int monitor = (int) json.longValue("monitorPid", 0);
            Path cmdline = Path.of("/proc/" + monitor + "/cmdline");
            long deadline = System.nanoTime() + 2_000_000_000L;
            while (monitor > 0 && System.nanoTime() < deadline) {
                try {
                    if (Files.readAllBytes(cmdline).length == 0) return; // a zombie: it has exited
                    Thread.sleep(1);
                } catch (IOException gone) {
                    return;
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }

        ContainerState state(Status s) {
            Integer code = s == Status.STOPPED ? exitCode(dir(id)) : null;
            boolean oom = s == Status.STOPPED && oomKilled();
            return new ContainerState(json.string("ociVersion"), id, s, pid, json.string("bundle"), json.string("rootfs"),
                    json.string("created"), json.stringMap("annotations"), code, oom);
        }

        private boolean oomKilled() {
            try {
                return cgroup().oomKillCount() > 0;
            } catch (RuntimeException e) {
                return false;
            }
        }
    }

    private Loaded load(String id) throws IOException {
        checkId(id);
        Path d = dir(id);
        try {
            JsonObject json = Json.parseObject(Files.readString(d.resolve("state.json")), d.resolve("state.json").toString());
            RuntimeSpec spec = RuntimeSpecReader.read(d.resolve("config.json"));
            return new Loaded(id, json, spec);
        } catch (NoSuchFileException e) {
            throw new ContainerNotFoundException(id);
        }
    }

    private static Integer exitCode(Path dir) {
        try {
            return Integer.parseInt(Files.readString(dir.resolve("exit")).trim().split(" ")[0]);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    public ContainerState state(String id) throws IOException {
        Loaded c = load(id);
        return c.state(c.status());
    }

    /** The managed stdio a container was created with (where its log and sockets are), or null. */
    public Io io(String id) throws IOException {
        JsonObject io = load(id).json.object("io");
        if (io == null) return null;
        return new Io(path(io.string("log")), io.longValue("maxSize", 0), (int) io.longValue("maxFiles", 1), path(io.string("attachSocket")),
                path(io.string("controlSocket")), io.bool("openStdin"), io.bool("stdinOnce"));
    }

    /** Attaches to a container created with an attach socket, by whichever process created it. */
    public Attach attach(String id) throws IOException {
        Io io = io(id);
        if (io == null || io.attachSocket() == null) throw new IllegalStateException("container " + id + " was created without an attach socket");
        return Attach.connect(io.attachSocket());
    }

    /** Resizes the terminal of a container created with a control socket. */
    public void resize(String id, int rows, int cols) throws IOException {
        Io io = io(id);
        if (io == null || io.controlSocket() == null) throw new IllegalStateException("container " + id + " was created without a control socket");
        Attach.resize(io.controlSocket(), rows, cols);
    }

    public List<ContainerState> list() throws IOException {
        List<ContainerState> out = new ArrayList<>();
        if (!Files.isDirectory(root)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(root)) {
            for (Path p : ds) {
                if (!Files.exists(p.resolve("state.json"))) continue;
                try {
                    out.add(state(p.getFileName().toString()));
                } catch (ContainerNotFoundException ignored) {
                    // deleted meanwhile
                }
            }
        }
        out.sort(Comparator.comparing(ContainerState::created));
        return out;
    }

    // ------------------------------------------------------------------ kill, pause, ps

    public void kill(String id, int signal, boolean all) throws IOException {
        Loaded c = load(id);
        Status s = c.status();
        if (s == Status.STOPPED) throw new IllegalStateException("cannot kill container " + id + ": it is stopped");
        if (all) {
            c.cgroup().killAll(signal);
        } else {
            int err = Libc.kill(c.pid, signal);
            if (err != 0 && err != Libc.ESRCH) throw new dev.berth.runtime.linux.LinuxException("kill", err, "container " + id + ", pid " + c.pid);
        }
        if (s == Status.PAUSED && (signal == 9 || signal == 15)) c.cgroup().thaw();
    }

    public void pause(String id) throws IOException {
        Loaded c = load(id);
        if (c.status() != Status.RUNNING) throw new IllegalStateException("cannot pause container " + id + ": it is " + c.status().json());
        c.cgroup().freeze();
    }

    public void resume(String id) throws IOException {
        Loaded c = load(id);
        if (c.status() != Status.PAUSED) throw new IllegalStateException("cannot resume container " + id + ": it is " + c.status().json());
        c.cgroup().thaw();
    }

    /**
     * Changes the cgroup limits of a created, running or paused container, as runc update does; returns warnings
     * for what this host cannot do. A value the kernel refuses is a CgroupException naming the file.
     */
    public List<String> update(String id, RuntimeSpec.Resources r) throws IOException {
        Loaded c = load(id);
        if (c.status() == Status.STOPPED) throw new IllegalStateException("cannot update container " + id + ": it is stopped");
        return c.cgroup().apply(r);
    }

    /** Host pids of every process in the container's cgroup. */
    public List<Long> ps(String id) throws IOException {
        return load(id).cgroup().pids();
    }

    /** Resource use of a container, read from its cgroup. */
    public Cgroup.Stats stats(String id) throws IOException {
        return load(id).cgroup().stats();
    }

    // ------------------------------------------------------------------ delete

    public void delete(String id, boolean force) throws IOException {
        Loaded c = load(id);
        Status s = c.status();
        if ((s == Status.RUNNING || s == Status.PAUSED) && !force) {
            throw new IllegalStateException("cannot delete container " + id + ": it is " + s.json() + " (stop it first, or use --force)");
        }
        Cgroup cgroup = c.cgroup();
        if (s != Status.STOPPED) {
            cgroup.killAll(9);
            if (s == Status.PAUSED) cgroup.thaw();
            awaitStopped(c);
        }
        c.awaitMonitorGone();
        cgroup.destroy();
        String state = Json.write(c.state(Status.STOPPED).toJson());
        deleteTree(dir(id));
        try {
            Hooks.run("poststop", c.spec.hooks().poststop(), state);
        } catch (IOException e) {
            warn.accept(id + ": " + e.getMessage());
        }
    }

    private void awaitStopped(Loaded c) {
        long deadline = System.nanoTime() + 10_000_000_000L;
        int monitor = (int) c.json.longValue("monitorPid", 0);
        while (System.nanoTime() < deadline) {
            boolean monitorGone = monitor <= 0 || !Files.exists(Path.of("/proc/" + monitor));
            if (Files.exists(dir(c.id).resolve("exit")) || (!c.alive() && monitorGone)) return;
            try {
                Thread.sleep(2);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        throw new IllegalStateException("container " + c.id + " did not stop within 10 s");
    }

    static void deleteTree(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot remove " + dir, e);
        }
    }

    // ------------------------------------------------------------------ exec

    /**
     * Options of exec: detach returns once the process started; pidFile receives its host pid; io: managed stdio
     * (see {@link #execCreate}), or null for the caller's stdio.
     */
    public record ExecOptions(String consoleSocket, boolean detach, Path pidFile, Io io) {
        public ExecOptions(String consoleSocket, boolean detach, Path pidFile) {
            this(consoleSocket, detach, pidFile, null);
        }
    }

    /**
     * A process set up in a container by {@link #execCreate}, waiting for {@link #start()} before its execve. Its
     * monitor records the exit ("exit" in {@link #dir()}) whether or not this handle is kept.
     */
    public final class Exec implements AutoCloseable {
        private final Shim channel;
        private final Path dir;
        private final int pid;
        private boolean started;

        private Exec(Shim channel, Path dir, int pid) {
            this.channel = channel;
            this.dir = dir;
            this.pid = pid;
        }

        /** The process's host pid. */
        public int pid() {
            return pid;
        }

        /** The exec's state directory, under the container's: the monitor writes "exit" there. */
        public Path dir() {
            return dir;
        }

        /** Lets the process execve; returns once it has (its program not found and the like fail here). */
        public void start() throws IOException {
            if (started) throw new IllegalStateException("exec " + dir.getFileName() + " was started already");
            started = true;
            Path fifo = dir.resolve("exec.fifo");
            try (RandomAccessFile f = new RandomAccessFile(fifo.toFile(), "rw")) {
                f.write(ByteBuffer.allocate(6).order(ByteOrder.nativeOrder()).putInt(2).put((byte) '{').put((byte) '}').array());
            } finally {
                Files.deleteIfExists(fifo);
            }
            Shim.Event e;
            while ((e = channel.next(SHIM_TIMEOUT_MS)) != null) {
                if (e.verb().equals("error")) throw new ContainerException(channel.explain(e));
                if (e.verb().equals("started") || e.verb().equals("exit")) {
                    if (e.verb().equals("exit")) exitCode = e.number();
                    return;
                }
            }
        }

        private Integer exitCode;

        /** Blocks until the process exits (and its output was flushed to the log and to attach clients): its exit code. */
        public int awaitExit() {
            Shim.Event e;
            while (exitCode == null && (e = channel.next(-1)) != null) {
                if (e.verb().equals("exit")) exitCode = e.number();
                if (e.verb().equals("warning")) warn.accept(channel.explainWarning(e));
            }
            if (exitCode == null) exitCode = exitCode(dir);
            return exitCode == null ? 255 : exitCode;
        }

        /** Lets go of the monitor's channel; the process and its monitor carry on (one never started is killed). */
        @Override
        public void close() {
            if (!started) Libc.kill(pid, Signals.SIGKILL);
            channel.close();
        }
    }

    /**
     * Sets up a process in a running container and returns before its execve, so that the caller can connect to
     * its attach socket ({@code o.io()}) and miss none of its output; {@link Exec#start()} lets it run. The exit
     * is reported as for {@link #exec}: "exit" in {@link Exec#dir()}.
     */
    public Exec execCreate(String id, RuntimeSpec.Process process, ExecOptions o) throws IOException {
        Path execDir = prepareExec(id, process, o);
        boolean ok = false;
        Shim channel = null;
        int pid = 0;
        try {
            channel = Shim.spawn(shim(), execPlan(id, process, o, execDir, true), execDir, o.io() != null ? Stdio.NULL : Stdio.INHERIT);
            Shim.Event e;
            while ((e = channel.next(SHIM_TIMEOUT_MS)) != null) {
                switch (e.verb()) {
                    case "pid" -> {
                        pid = e.number();
                        if (o.pidFile() != null) writeAtomically(o.pidFile(), pid + "\n");
                    }
                    case "error" -> throw new ContainerException(channel.explain(e));
                    case "exit" -> throw new ContainerException("the exec process ended while it was being set up (status " + e.rest() + ")");
                    case "ready" -> {
                        ok = true;
                        return new Exec(channel, execDir, pid);
                    }
                    default -> { }
                }
            }
            throw new ContainerException("the shim exited before the exec process was ready");
        } finally {
            if (!ok) {
                if (pid > 0) Libc.kill(pid, Signals.SIGKILL); // it may be waiting for a start that will not come
                if (channel != null) {
                    drain(channel);
                    channel.close();
                }
                deleteTree(execDir);
            }
        }
    }

    private Path prepareExec(String id, RuntimeSpec.Process process, ExecOptions o) throws IOException {
        Loaded c = load(id);
        if (c.status() != Status.RUNNING) throw new IllegalStateException("cannot exec in container " + id + ": it is " + c.status().json());
        if (process.terminal() && o.detach() && o.consoleSocket() == null && o.io() == null) {
            throw new IllegalArgumentException("a detached exec with a terminal needs --console-socket");
        }
        Path execDir = dir(id).resolve("exec-" + UUID.randomUUID().toString().substring(0, 8));
        Files.createDirectory(execDir);
        return execDir;
    }

    private Plan execPlan(String id, RuntimeSpec.Process process, ExecOptions o, Path execDir, boolean waitForStart) throws IOException {
        Loaded c = load(id);
        RuntimeSpec.Linux linux = c.spec.linux();
        byte[] filter = null;
        int flags = 0;
        if (linux.seccomp() != null) {
            filter = SeccompCompiler.compile(linux.seccomp());
            flags = SeccompCompiler.flags(linux.seccomp());
        }
        List<RuntimeSpec.Namespace> namespaces = linux.namespaces().stream().filter(n -> !n.type().equals("time")).toList();
        return PlanCompiler.exec(new PlanCompiler.ExecInput(c.pid, Path.of(c.json.string("rootfs")), namespaces, process, execDir, o.consoleSocket(),
                c.cgroup().procsFiles(), filter, flags, o.io(), waitForStart), warn);
    }

    /**
     * Runs another process in a running container; its exit code, or 0 once started when detached. With managed
     * stdio the output goes to the log and to clients that attach after this returns (detached): use
     * {@link #execCreate} to attach before the process starts.
     */
    public int exec(String id, RuntimeSpec.Process process, ExecOptions o) throws IOException {
        Path shim = shim();
        Path execDir = prepareExec(id, process, o);
        Plan plan;
        try {
            plan = execPlan(id, process, o, execDir, false);
        } catch (IOException | RuntimeException e) {
            deleteTree(execDir);
            throw e;
        }
        boolean keep = false;
        try (Shim channel = Shim.spawn(shim, plan, execDir, o.io() != null ? Stdio.NULL : Stdio.INHERIT)) {
            Shim.Event e;
            while ((e = channel.next(SHIM_TIMEOUT_MS)) != null) {
                switch (e.verb()) {
                    case "pid" -> {
                        if (o.pidFile() != null) writeAtomically(o.pidFile(), e.number() + "\n");
                    }
                    case "error" -> throw new ContainerException(channel.explain(e));
                    case "started" -> {
                        if (o.detach()) {
                            keep = true;
                            return 0;
                        }
                    }
                    case "exit" -> {
                        return e.number();
                    }
                    default -> { }
                }
                if (e.verb().equals("started")) break;
            }
            while ((e = channel.next(-1)) != null) {
                if (e.verb().equals("exit")) return e.number();
                if (e.verb().equals("error")) throw new ContainerException(channel.explain(e));
            }
            throw new IllegalStateException("exec in " + id + ": the shim exited without an exit status");
        } finally {
            if (!keep) deleteTree(execDir);
        }
    }
}
