package dev.berth.runtime.it;

import dev.berth.oci.json.Json;
import dev.berth.oci.runtime.RuntimeSpec;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.ContainerState;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** berth's runtime through the whole life of a container, on the real kernel. */
class LifecycleTest {
    @TempDir
    static Path tmp;
    static Oci.Berth oci;
    static ContainerRuntime rt;
    private final List<String> made = new ArrayList<>();

    @AfterAll
    static void tidy() throws IOException {
        Host.removeEmptyTestCgroups();
    }

    @BeforeAll
    static void setUp() throws IOException {
        Host.requireRoot();
        oci = new Oci.Berth(Files.createDirectories(tmp.resolve("root")));
        rt = oci.rt;
    }

    @AfterEach
    void cleanUp() {
        for (String id : made) {
            try {
                rt.delete(id, true);
            } catch (Exception ignored) {
                // already deleted by the test
            }
        }
    }

    private TestBundle bundle(String name, String script) throws IOException {
        TestBundle b = TestBundle.create(tmp, name).script(script);
        made.add(b.id);
        return b;
    }

    private static void create(TestBundle b) throws IOException {
        rt.create(new ContainerRuntime.CreateOptions(b.id, b.dir, null, null)).close();
    }

    private static void await(String what, java.util.function.BooleanSupplier done) {
        long deadline = System.nanoTime() + 20_000_000_000L;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) throw new AssertionError("timed out waiting for " + what);
            Host.sleep(5);
        }
    }

    private static ContainerState.Status status(String id) {
        try {
            return rt.state(id).status();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

    private static RuntimeSpec.Process process(String script) {
        return new RuntimeSpec.Process(false, new RuntimeSpec.User(0, 0, null, List.of()), List.of("sh", "-c", script),
                List.of("PATH=/bin"), "/", RuntimeSpec.Capabilities.NONE, List.of(), true, null, null, null);
    }

    @Test
    void createStartExecPauseResumeKillDelete() throws Exception {
        TestBundle b = bundle("life", "echo started > /out/started; while :; do echo x >> /out/ticks; usleep 20000; done");
        create(b);
        ContainerState s = rt.state(b.id);
        assertThat(s.status()).isEqualTo(ContainerState.Status.CREATED);
        assertThat(s.pid()).isPositive();
        assertThat(Path.of("/proc/" + s.pid())).exists();
        Host.sleep(100);
        assertThat(b.read("started")).as("the process waits for start").isEmpty();

        rt.start(b.id);
        await("start", () -> !b.read0("started").isEmpty());
        assertThat(status(b.id)).isEqualTo(ContainerState.Status.RUNNING);

        // exec joins every namespace and the cgroup of the container
        int code = rt.exec(b.id, process("for n in pid net mnt ipc uts cgroup; do readlink /proc/self/ns/$n; done > /out/exec-ns; "
                + "hostname > /out/exec-host; exit 3"), new ContainerRuntime.ExecOptions(null, false, null));
        assertThat(code).isEqualTo(3);
        StringBuilder initNs = new StringBuilder();
        for (String n : List.of("pid", "net", "mnt", "ipc", "uts", "cgroup")) {
            initNs.append(Files.readSymbolicLink(Path.of("/proc/" + s.pid() + "/ns/" + n))).append('\n');
        }
        assertThat(b.read("exec-ns")).isEqualTo(initNs.toString());
        assertThat(b.read("exec-host").trim()).isEqualTo("berth");
        assertThat(rt.ps(b.id)).contains((long) s.pid());
        var stats = rt.stats(b.id);
        assertThat(stats.memoryUsageBytes()).as("memory charged to the container").isPositive();
        assertThat(stats.pidsCurrent()).isBetween(1L, 10L);
        assertThat(stats.cpuUsageNanos()).isPositive();

        // pause freezes every process: the tick file stops growing until resume
        rt.pause(b.id);
        assertThat(status(b.id)).isEqualTo(ContainerState.Status.PAUSED);
        long frozen = Files.size(b.out.resolve("ticks"));
        Host.sleep(300);
        assertThat(Files.size(b.out.resolve("ticks"))).as("no progress while paused").isEqualTo(frozen);
        rt.resume(b.id);
        assertThat(status(b.id)).isEqualTo(ContainerState.Status.RUNNING);
        await("ticks after resume", () -> size(b.out.resolve("ticks")) > frozen);

        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> rt.delete(b.id, false)))
                .hasMessageContaining("running").hasMessageContaining("--force");
        rt.kill(b.id, 9, false);
        await("stop", () -> status(b.id) == ContainerState.Status.STOPPED);
        assertThat(rt.state(b.id).exitCode()).isEqualTo(137);
        rt.delete(b.id, false);
        Host.assertNoLeaks(oci, b);
    }

    private static long size(Path p) {
        try {
            return Files.size(p);
        } catch (IOException e) {
            return 0;
        }
    }

    @Test
    void stdio_canGoToAFile() throws Exception {
        TestBundle b = bundle("stdio", "echo to-stdout; echo to-stderr >&2; read x || echo stdin-is-empty");
        Path log = tmp.resolve(b.id + ".log");
        int code = rt.run(new ContainerRuntime.CreateOptions(b.id, b.dir, null, null, ContainerRuntime.Stdio.toFile(log)));
        assertThat(code).isZero();
        assertThat(Files.readString(log)).isEqualTo("to-stdout\nto-stderr\nstdin-is-empty\n");
        Host.assertNoLeaks(oci, b);
    }

    @Test
    @org.junit.jupiter.api.Timeout(30)
    void sigpipe_isNotIgnoredInTheContainer() throws Exception {
        // the monitor ignores SIGPIPE; the container must not inherit that, or `yes | head` never ends
        TestBundle b = bundle("sigpipe", "yes | head -c 3 > /out/yes; grep SigIgn /proc/self/status > /out/ign");
        assertThat(oci.run(b)).isZero();
        assertThat(b.read("yes")).isEqualTo("y\ny");
        long ignored = Long.parseLong(b.read("ign").split("\\s+")[1], 16);
        assertThat(ignored & (1L << (13 - 1))).as("SIGPIPE ignored").isZero();
        Host.assertNoLeaks(oci, b);
    }

    @Test
    void deleteForce_removesARunningContainerAndAllItsProcesses() throws Exception {
        TestBundle b = bundle("force", "sleep 1000 & sleep 1000 & echo up > /out/up; wait");
        create(b);
        rt.start(b.id);
        await("up", () -> !b.read0("up").isEmpty());
        assertThat(rt.ps(b.id)).hasSize(3);
        rt.delete(b.id, true);
        Host.assertNoLeaks(oci, b);
    }

    @Test
    void exceedingTheMemoryLimit_oomKillsAndStateSaysSo() throws Exception {
        TestBundle b = bundle("oom", "dd if=/dev/zero of=/dev/null bs=64M count=1; echo \"dd $?\" > /out/dd");
        b.resources().put("memory", Json.obj("limit", 24L << 20, "swap", 24L << 20));
        b.write();
        create(b);
        rt.start(b.id);
        await("stop", () -> status(b.id) == ContainerState.Status.STOPPED);
        assertThat(b.read("dd").trim()).as("dd was killed by SIGKILL").isEqualTo("dd 137");
        assertThat(rt.state(b.id).oomKilled()).isTrue();
        assertThat(rt.state(b.id).toJson()).containsEntry("oomKilled", true);
        rt.delete(b.id, false);
        Host.assertNoLeaks(oci, b);
    }

    @Test
    void hooks_runInOrderWithTheState() throws Exception {
        TestBundle b = bundle("hooks", "echo main >> /out/log");
        String log = b.out.resolve("log").toString();
        var hooks = Json.obj(
                "prestart", List.of(hook("prestart", log)),
                "createRuntime", List.of(hook("createRuntime", log)),
                "createContainer", List.of(hook("createContainer", log)),
                "startContainer", List.of(Json.obj("path", "/bin/sh", "args", List.of("sh", "-c", "echo startContainer >> /out/log; cat > /out/startContainer.json"))),
                "poststart", List.of(hook("poststart", log)),
                "poststop", List.of(hook("poststop", log)));
        b.config.put("hooks", hooks);
        b.write();
        assertThat(oci.run(b)).isZero();
        // The spec orders poststart after the process is executed, not after it wrote anything: "main" may come
        // before or after it.
        List<String> order = new ArrayList<>(List.of(b.read("log").split("\n")));
        assertThat(order).contains("main");
        order.remove("main");
        assertThat(order).containsExactly("prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop");
        String created = b.read("createRuntime.json");
        assertThat(created).contains("\"id\":\"" + b.id + "\"").containsPattern("\"pid\":[1-9]");
        assertThat(b.read("startContainer.json")).contains("\"status\":\"running\"");
        assertThat(b.read("poststop.json")).contains("\"status\":\"stopped\"");
        Host.assertNoLeaks(oci, b);
    }

    private static Object hook(String kind, String log) {
        String dir = Path.of(log).getParent().toString();
        return Json.obj("path", "/bin/sh", "args", List.of("sh", "-c", "echo " + kind + " >> " + log + "; cat > " + dir + "/" + kind + ".json"),
                "timeout", 10);
    }

    @Test
    void terminal_sendsThePtyMasterToTheConsoleSocket() throws Exception {
        TestBundle b = bundle("tty", "tty > /out/tty; test -t 0 && echo hello-from-the-pty");
        b.process().put("terminal", true);
        b.write();
        Path sock = tmp.resolve(b.id + ".sock");
        Path received = tmp.resolve(b.id + ".received");
        // Java cannot receive a passed fd without JNI; python3's socket.recv_fds can. It reads the pty until EOF.
        String py = String.join("\n",
                "import socket, os, sys",
                "s = socket.socket(socket.AF_UNIX); s.bind(sys.argv[1]); s.listen(1)",
                "open(sys.argv[1] + '.ready', 'w').close()",
                "c, _ = s.accept()",
                "msg, fds, _, _ = socket.recv_fds(c, 1024, 1)",
                "out = b''",
                "while True:",
                "    try: d = os.read(fds[0], 4096)",
                "    except OSError: break",
                "    if not d: break",
                "    out += d",
                "open(sys.argv[2], 'wb').write(msg + b'|' + out)");
        Process receiver = new ProcessBuilder("python3", "-c", py, sock.toString(), received.toString()).inheritIO().start();
        try {
            await("console socket", () -> Files.exists(Path.of(sock + ".ready")));
            rt.create(new ContainerRuntime.CreateOptions(b.id, b.dir, sock.toString(), null)).close();
            rt.start(b.id);
            assertThat(receiver.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        } finally {
            receiver.destroyForcibly();
        }
        assertThat(b.read("tty")).startsWith("/dev/pts/");
        assertThat(Files.readString(received)).startsWith("/dev/ptmx|").contains("hello-from-the-pty");
        rt.delete(b.id, false);
        Host.assertNoLeaks(oci, b);
    }

    @Test
    void namespaceByPath_isJoined() throws Exception {
        Process holder = new ProcessBuilder("unshare", "--net", "--uts", "sleep", "60").start();
        try {
            await("holder", () -> !linkOr(Path.of("/proc/" + holder.pid() + "/ns/net")).equals(linkOr(Path.of("/proc/self/ns/net"))));
            TestBundle b = bundle("join", "readlink /proc/self/ns/net > /out/net");
            b.linux().put("namespaces", List.of(Json.obj("type", "pid"), Json.obj("type", "mount"), Json.obj("type", "ipc"),
                    Json.obj("type", "uts"), Json.obj("type", "network", "path", "/proc/" + holder.pid() + "/ns/net")));
            b.write();
            assertThat(oci.run(b)).isZero();
            assertThat(b.read("net").trim()).isEqualTo(linkOr(Path.of("/proc/" + holder.pid() + "/ns/net")));
            Host.assertNoLeaks(oci, b);
        } finally {
            holder.destroyForcibly().waitFor();
        }
    }

    private static String linkOr(Path p) {
        try {
            return Files.readSymbolicLink(p).toString();
        } catch (IOException e) {
            return "";
        }
    }

    @Test
    void userNamespace_mapsRootToAnUnprivilegedHostUser() throws Exception {
        TestBundle b = bundle("userns", "id > /out/id; cat /proc/self/uid_map > /out/map; sleep 0.2");
        // the namespace's root is host uid 100000: it must be able to reach the rootfs through JUnit's 0700 dirs
        for (Path p = b.dir; p != null && p.startsWith(tmp.getParent()); p = p.getParent()) {
            Files.setPosixFilePermissions(p, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        }
        List<Object> ns = new ArrayList<>(List.of(Json.obj("type", "pid"), Json.obj("type", "mount"), Json.obj("type", "ipc"),
                Json.obj("type", "uts"), Json.obj("type", "network"), Json.obj("type", "user")));
        b.linux().put("namespaces", ns);
        b.linux().put("uidMappings", List.of(Json.obj("containerID", 0, "hostID", 100000, "size", 65536)));
        b.linux().put("gidMappings", List.of(Json.obj("containerID", 0, "hostID", 100000, "size", 65536)));
        b.write();
        assertThat(oci.run(b)).isZero();
        assertThat(b.read("id").trim()).startsWith("uid=0(root) gid=0(root)");
        assertThat(b.read("map").trim().split("\\s+")).containsExactly("0", "100000", "65536");
        Host.assertNoLeaks(oci, b);
    }
}
