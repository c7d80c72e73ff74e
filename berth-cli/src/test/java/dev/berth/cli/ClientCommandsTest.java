package dev.berth.cli;

import dev.berth.api.Daemon;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.json.Json;
import dev.berth.runtime.BusyboxBundle;
import dev.berth.runtime.linux.Libc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * berth's own container commands (Main, as the launcher runs it) against a berth daemon this test starts on a
 * temp socket with a temp data root (root: it runs containers).
 */
class ClientCommandsTest {
    @TempDir
    static Path tmp;
    static Daemon daemon;
    static String host;

    record Result(int status, String out, String err) {}

    @BeforeAll
    static void start() throws Exception {
        boolean root = Libc.geteuid() == 0;
        if (!root) System.err.println("SKIP: the daemon runs containers, which needs root");
        Assumptions.assumeTrue(root, "needs root");
        Path sock = tmp.resolve("d.sock");
        daemon = Daemon.start(sock, tmp.resolve("data"), tmp.resolve("run"));
        var images = daemon.engine().images();
        Path rootfs = BusyboxBundle.rootfs(tmp.resolve("bb"));
        Process tar = new ProcessBuilder("tar", "--numeric-owner", "-C", rootfs.toString(), "-cf", "-", ".").start();
        var d = images.importTarball(tar.getInputStream(), new ImageConfig.Run(null, List.of("PATH=/bin:/sbin"), null, List.of("sh"),
                null, List.of(), List.of(), Map.of(), null, null, List.of(), null, false), "busybox");
        images.names().put(ImageReference.parse("busybox"), d);
        host = "unix://" + sock;
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon == null) return;
        for (var c : daemon.engine().list(true)) daemon.engine().remove((String) c.get("Id"), true, true);
        daemon.close();
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(tmp.toString())).toList()).isEmpty();
    }

    /** berth -H <the test daemon> ARGS... */
    private static Result berth(String... argv) {
        List<String> all = new ArrayList<>(List.of("-H", host));
        all.addAll(List.of(argv));
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Main.run(all, o, e);
        }
        Result r = new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        System.out.println("$ berth " + String.join(" ", argv) + "  (exit " + status + ")\n" + r.out() + r.err());
        return r;
    }

    @Test
    void run_attached_outputStreamsAndExitCode() {
        Result r = berth("run", "--rm", "busybox", "sh", "-c", "echo hello from berth; echo to-stderr >&2; exit 3");
        assertThat(r.status()).isEqualTo(3);
        assertThat(r.out()).isEqualTo("hello from berth\n");
        assertThat(r.err()).isEqualTo("to-stderr\n");
        assertThat(berth("ps", "-aq").out()).as("--rm removed it").isEmpty();
        Result t = berth("run", "--rm", "busybox", "true");
        assertThat(t).isEqualTo(new Result(0, "", ""));
        Result env = berth("run", "--rm", "-e", "A=1", "-w", "/tmp", "-u", "65534", "--hostname", "box", "busybox", "sh", "-c", "echo $A $(pwd) $(id -u) $(hostname)");
        assertThat(env.out()).isEqualTo("1 /tmp 65534 box\n");
        Result ro = berth("run", "--rm", "--read-only", "--tmpfs", "/scratch", "busybox", "sh", "-c", "touch /x 2>/dev/null || echo read-only; touch /scratch/y && echo tmpfs");
        assertThat(ro.out()).isEqualTo("read-only\ntmpfs\n");
        Result limits = berth("run", "--memory", "64m", "--pids-limit", "50", "--cpus", "0.5", "--name", "limited", "busybox", "true");
        assertThat(limits.status()).isZero();
        assertThat(berth("inspect", "-f", "{{.HostConfig.Memory}} {{.HostConfig.PidsLimit}} {{.HostConfig.NanoCpus}}", "limited").out())
                .isEqualTo("67108864 50 500000000\n");
        assertThat(berth("rm", "limited").status()).isZero();
    }

    /** As a process of its own (Main.main, System.exit): SIGTERM to berth reaches the container (--sig-proxy). */
    @Test
    void run_asProcess_signalsProxiedExitCodeKept() throws Exception {
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"), "dev.berth.cli.Main", "-H", host, "run", "--rm",
                "busybox", "sh", "-c", "trap 'echo got TERM; exit 3' TERM; echo ready; while true; do sleep 0.1; done")
                .redirectErrorStream(true).start();
        var out = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8));
        assertThat(out.readLine()).isEqualTo("ready");
        p.toHandle().destroy(); // SIGTERM (Process.destroy would close our end of its output too)
        assertThat(p.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
        assertThat(out.readLine()).isEqualTo("got TERM");
        assertThat(p.exitValue()).isEqualTo(3);
        assertThat(berth("ps", "-aq").out()).isEmpty();
    }

    @Test
    void runDetached_psFormatsInspectStopRm() {
        Result run = berth("run", "-d", "--name", "web", "-e", "A=1", "--label", "tier=front", "busybox", "sleep", "1000");
        assertThat(run.status()).isZero();
        String id = run.out().trim();
        assertThat(id).matches("[0-9a-f]{64}");
        Result ps = berth("ps");
        assertThat(ps.out()).startsWith("CONTAINER ID   IMAGE     COMMAND        CREATED").contains(id.substring(0, 12) + "   busybox   \"sleep 1000\"   ");
        assertThat(ps.out().lines().toList().get(1)).endsWith("web");
        assertThat(berth("ps", "--format", "{{.ID}} {{.Names}} {{.State}}").out()).isEqualTo(id.substring(0, 12) + " web running\n");
        assertThat(berth("ps", "-q", "--filter", "label=tier=front").out()).isEqualTo(id.substring(0, 12) + "\n");
        assertThat(berth("ps", "-q", "--filter", "label=tier=back").out()).isEmpty();
        assertThat(berth("ps", "-q", "--no-trunc").out()).isEqualTo(id + "\n");
        Map<String, Object> json = Json.parseObject(berth("ps", "--format", "json").out().trim(), "ps").map();
        assertThat(json).containsEntry("Names", "web").containsEntry("Image", "busybox").containsEntry("Labels", "tier=front").containsEntry("State", "running");
        assertThat(berth("ps", "--format", "{{json .Names}}").out()).isEqualTo("\"web\"\n");
        assertThat(berth("ps", "--format", "table {{.Names}}\\t{{.Image}}").out()).isEqualTo("NAMES     IMAGE\nweb       busybox\n");

        Result inspect = berth("inspect", "-f", "{{.State.Status}} {{.State.Running}} {{.Name}} {{.Config.Image}} {{index .Config.Env 1}} {{json .Config.Labels}}", "web");
        assertThat(inspect).isEqualTo(new Result(0, "running true /web busybox A=1 {\"tier\":\"front\"}\n", ""));
        Result full = berth("inspect", "web");
        assertThat(full.out()).startsWith("[\n");
        assertThat(Json.parse(full.out(), "inspect")).asList().hasSize(1);
        assertThat(berth("container", "inspect", "--format", "{{.Id}}", "web").out().trim()).isEqualTo(id);

        assertThat(berth("top", "web").out()).contains("sleep 1000").startsWith("UID ");
        assertThat(berth("pause", "web")).isEqualTo(new Result(0, "web\n", ""));
        assertThat(berth("inspect", "-f", "{{.State.Status}}", "web").out()).isEqualTo("paused\n");
        assertThat(berth("unpause", "web").status()).isZero();
        Result stats = berth("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "web");
        assertThat(stats.out()).isEqualTo("web 1\n");
        assertThat(berth("stats", "--no-stream").out()).startsWith("CONTAINER ID   NAME      CPU %     MEM USAGE / LIMIT");

        assertThat(berth("stop", "-t", "1", "web")).isEqualTo(new Result(0, "web\n", ""));
        assertThat(berth("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "web").out()).isEqualTo("exited 137\n");
        assertThat(berth("wait", "web")).isEqualTo(new Result(0, "137\n", ""));
        assertThat(berth("start", "web").status()).isZero();
        assertThat(berth("rename", "web", "web2").status()).isZero();
        Result rm = berth("rm", "web2");
        assertThat(rm.status()).isEqualTo(1);
        assertThat(rm.err()).startsWith("Error response from daemon: ").contains("container is running");
        assertThat(berth("rm", "-f", "web2")).isEqualTo(new Result(0, "web2\n", ""));
        assertThat(berth("ps", "-aq").out()).isEmpty();
    }

    @Test
    void logsAndExec() throws Exception {
        assertThat(berth("run", "-d", "--name", "logger", "busybox", "sh", "-c", "echo one; echo two; echo oops >&2; sleep 1000").status()).isZero();
        Result logs = berth("logs", "logger");
        for (int i = 0; i < 100 && !logs.err().contains("oops"); i++) {
            Thread.sleep(50);
            logs = berth("logs", "logger");
        }
        assertThat(logs).isEqualTo(new Result(0, "one\ntwo\n", "oops\n"));
        assertThat(berth("logs", "--tail", "1", "logger")).isEqualTo(new Result(0, "", "oops\n"));
        assertThat(berth("logs", "-t", "--tail", "2", "logger").out()).matches("\\d{4}-\\d\\d-\\d\\dT[^ ]+Z two\n");
        assertThat(berth("logs", "--since", "1h", "logger").out()).isEqualTo("one\ntwo\n");
        assertThat(berth("logs", "--until", "2000-01-01T00:00:00Z", "logger").out()).isEmpty();

        assertThat(berth("run", "-d", "--name", "short", "busybox", "sh", "-c", "echo a; sleep 1; echo b").status()).isZero();
        long t0 = System.nanoTime();
        assertThat(berth("logs", "-f", "short")).as("-f follows until the container exits").isEqualTo(new Result(0, "a\nb\n", ""));
        assertThat((System.nanoTime() - t0) / 1_000_000).isGreaterThan(500);
        assertThat(berth("wait", "short").out()).isEqualTo("0\n");
        assertThat(berth("rm", "short").status()).isZero();

        Result exec = berth("exec", "-e", "X=42", "-w", "/etc", "logger", "sh", "-c", "echo in exec $X $(pwd); echo e >&2; exit 5");
        assertThat(exec).isEqualTo(new Result(5, "in exec 42 /etc\n", "e\n"));
        assertThat(berth("exec", "-u", "65534", "logger", "id", "-u").out()).isEqualTo("65534\n");
        assertThat(berth("exec", "-d", "logger", "sleep", "1")).isEqualTo(new Result(0, "", ""));
        Result missing = berth("exec", "logger", "/nonexistent");
        assertThat(missing.status()).isNotZero();
        assertThat(berth("rm", "-f", "logger").status()).isZero();
        Result gone = berth("logs", "logger");
        assertThat(gone.status()).isEqualTo(1);
        assertThat(gone.err()).isEqualTo("Error response from daemon: No such container: logger\n");
    }

    @Test
    void createStartAttach_andStartFailures() {
        Result c = berth("create", "--name", "made", "busybox", "echo", "made it");
        assertThat(c.status()).isZero();
        assertThat(berth("ps", "-a", "--filter", "status=created", "--format", "{{.Names}} {{.Status}}").out()).isEqualTo("made Created\n");
        assertThat(berth("start", "-a", "made")).isEqualTo(new Result(0, "made it\n", ""));
        assertThat(berth("rm", "made").status()).isZero();
        Result dup1 = berth("create", "--name", "dup", "busybox");
        assertThat(dup1.status()).isZero();
        Result dup = berth("create", "--name", "dup", "busybox");
        assertThat(dup.status()).isEqualTo(125);
        assertThat(dup.err()).startsWith("Error response from daemon: Conflict. The container name \"/dup\" is already in use");
        assertThat(berth("rm", "dup").status()).isZero();
        Result missing = berth("run", "--rm", "busybox", "/nonexistent");
        assertThat(missing.status()).as("docker's 127 for a command that is not there").isEqualTo(127);
        assertThat(missing.err()).startsWith("Error response from daemon: ");
        // berth's daemon keeps a --rm container whose start failed (moby removes it): not this test's subject
        for (String id : berth("ps", "-aq").out().lines().toList()) berth("rm", "-f", id);
        Result noImage = berth("run", "--rm", "--pull", "never", "nosuchimage", "true");
        assertThat(noImage.status()).isEqualTo(125);
        assertThat(noImage.err()).contains("No such image");
    }

    @Test
    void volumesImagesBuildAndPrune() throws Exception {
        assertThat(berth("volume", "create", "data")).isEqualTo(new Result(0, "data\n", ""));
        assertThat(berth("volume", "ls").out()).startsWith("DRIVER    VOLUME NAME\n").contains("local     data\n");
        assertThat(berth("volume", "ls", "-q").out()).contains("data\n");
        assertThat(berth("volume", "inspect", "-f", "{{.Driver}} {{.Name}}", "data").out()).isEqualTo("local data\n");
        assertThat(berth("run", "--rm", "-v", "data:/data", "busybox", "sh", "-c", "echo kept > /data/f").status()).isZero();
        assertThat(berth("run", "--rm", "-v", "data:/d:ro", "busybox", "cat", "/d/f").out()).isEqualTo("kept\n");
        assertThat(berth("volume", "rm", "data")).isEqualTo(new Result(0, "data\n", ""));
        assertThat(berth("volume", "inspect", "data").status()).isEqualTo(1);

        assertThat(berth("images", "--format", "{{.Repository}}:{{.Tag}}").out()).contains("busybox:latest");
        assertThat(berth("images").out()).startsWith("REPOSITORY   TAG       IMAGE ID       CREATED");
        assertThat(berth("tag", "busybox", "mybox:1").status()).isZero();
        assertThat(berth("image", "inspect", "-f", "{{.Os}}", "mybox:1").out()).isEqualTo("linux\n");
        assertThat(berth("inspect", "-f", "{{.Os}}", "mybox:1").out()).as("inspect falls back to images").isEqualTo("linux\n");
        assertThat(berth("rmi", "mybox:1").out()).isEqualTo("Untagged: mybox:1\n");
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN echo built > /built.txt\nCMD [\"cat\", \"/built.txt\"]\n");
        Path iid = tmp.resolve("iid");
        Result build = berth("build", "-t", "built:1", "--iidfile", iid.toString(), ctx.toString());
        assertThat(build.status()).isZero();
        assertThat(build.out()).contains("Step 2/3 : RUN echo built > /built.txt", "Successfully tagged built:1");
        assertThat(Files.readString(iid)).startsWith("sha256:");
        assertThat(berth("run", "--rm", "built:1").out()).isEqualTo("built\n");
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN exit 7\n");
        Result failed = berth("build", ctx.toString());
        assertThat(failed.status()).as("the failing step's code, as docker build exits").isEqualTo(7);
        assertThat(failed.err()).contains("returned a non-zero code: 7");
        Result none = berth("inspect", "nosuch");
        assertThat(none.status()).isEqualTo(1);
        assertThat(none.err()).isEqualTo("Error: No such object: nosuch\n");

        assertThat(berth("run", "--name", "stopped", "busybox", "true").status()).isZero();
        Result prune = berth("container", "prune", "-f");
        assertThat(prune.out()).startsWith("Deleted Containers:\n").endsWith("Total reclaimed space: 0B\n");
        assertThat(berth("ps", "-aq").out()).isEmpty();
    }
}
