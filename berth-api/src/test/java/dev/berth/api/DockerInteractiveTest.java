package dev.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real docker CLI's interactive and streaming verbs against a berth daemon this test starts: run/exec/attach
 * on a real terminal (a pty from util-linux script: size, resize, detach keys), logs -f, restart, wait, stop's
 * SIGKILL, stats, top, rename, pause, kill -s.
 */
class DockerInteractiveTest {
    static final Duration LONG = Duration.ofSeconds(30);

    @TempDir
    static Path tmp;
    static TestDaemon daemon;
    static DockerCli docker;
    static final Set<String> ids = ConcurrentHashMap.newKeySet();

    @BeforeAll
    static void start() throws Exception {
        daemon = TestDaemon.start(tmp);
        docker = new DockerCli(daemon.socket, tmp.resolve("docker-config"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon == null) return;
        for (var c : daemon.daemon.engine().list(true)) daemon.daemon.engine().remove((String) c.get("Id"), true, true);
        List<String> leaks = daemon.leaks(ids);
        daemon.daemon.close();
        assertThat(leaks).isEmpty();
    }

    /** docker with a zero exit; its stdout. */
    static String ok(String... args) throws Exception {
        DockerCli.Result r = docker.run(args);
        assertThat(r.exit()).as("docker " + String.join(" ", args) + ": " + r.output()).isZero();
        return r.stdout();
    }

    /** docker run -d ...: the new container's id, remembered for the leak check. */
    static String runDetached(String... args) throws Exception {
        String[] all = new String[args.length + 2];
        all[0] = "run";
        all[1] = "-d";
        System.arraycopy(args, 0, all, 2, args.length);
        String id = ok(all).trim();
        assertThat(id).matches("[0-9a-f]{64}");
        ids.add(id);
        return id;
    }

    static String inspect(String format, String c) throws Exception {
        return ok("inspect", "-f", format, c).trim();
    }

    /** One HTTP/1.1 exchange on the daemon's socket; the whole reply (head and body) as text. */
    static String http(String method, String path, String body) throws IOException {
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(daemon.socket))) {
            byte[] b = body == null ? new byte[0] : body.getBytes(StandardCharsets.UTF_8);
            String head = method + " " + path + " HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n"
                    + (body == null ? "" : "Content-Type: application/json\r\nContent-Length: " + b.length + "\r\n") + "\r\n";
            ch.write(java.nio.ByteBuffer.wrap(head.getBytes(StandardCharsets.UTF_8)));
            ch.write(java.nio.ByteBuffer.wrap(b));
            return new String(Channels.newInputStream(ch).readAllBytes(), StandardCharsets.UTF_8);
        }
    }

    static JsonObject jsonBody(String reply) {
        String body = reply.substring(reply.indexOf("\r\n\r\n") + 4);
        if (reply.contains("Transfer-Encoding: chunked")) body = body.substring(body.indexOf("\r\n") + 2, body.lastIndexOf("}") + 1);
        return Json.parseObject(body, "reply");
    }

    @Test
    void runIt_seesATerminalOfTheCallersSize_followsResizes_andExitsWithTheShellsCode() throws Exception {
        try (Pty t = Pty.docker(docker, 30, 100, "run", "-it", "--name", "it1", "busybox", "sh")) {
            t.await("/ # ");
            t.type("echo hi; tty; stty size\r");
            String s = t.await("30 100\r?\n");
            assertThat(s).contains("hi\r\n", "/dev/pts/0\r\n");
            ids.add(inspect("{{.Id}}", "it1"));
            assertThat(inspect("{{.Config.Tty}} {{.Config.OpenStdin}}", "it1")).isEqualTo("true true");

            t.resize(40, 120); // SIGWINCH: the CLI posts /containers/{id}/resize
            int from = t.screen().length();
            String seen = "";
            for (int i = 0; i < 50 && !seen.contains("40 120"); i++) {
                t.type("stty size\r");
                Thread.sleep(100);
                seen = t.screen().substring(from);
            }
            assertThat(seen).contains("40 120");
            t.type("exit 3\r");
            assertThat(t.exit(LONG)).isEqualTo(3);
        }
        assertThat(inspect("{{.State.Status}} {{.State.ExitCode}}", "it1")).isEqualTo("exited 3");
        ok("rm", "it1");
    }

    @Test
    void execIt_getsItsOwnTerminalAndPassesTheExitCodeOn() throws Exception {
        runDetached("--name", "ex1", "busybox", "sleep", "1000");
        try (Pty t = Pty.docker(docker, 25, 90, "exec", "-it", "ex1", "sh")) {
            t.await("# ");
            t.type("tty; stty size\r");
            String s = t.await("25 90\r?\n");
            assertThat(s).contains("/dev/pts/");
            t.resize(26, 91);
            int from = t.screen().length();
            String seen = "";
            for (int i = 0; i < 50 && !seen.contains("26 91"); i++) {
                t.type("stty size\r");
                Thread.sleep(100);
                seen = t.screen().substring(from);
            }
            assertThat(seen).contains("26 91");
            t.type("exit 7\r");
            assertThat(t.exit(LONG)).isEqualTo(7);
        }
        // a command that asks at once: the size must be there before it runs (ConsoleSize on exec start)
        for (int i = 0; i < 10; i++) { // also: the exit code is recorded before the stream's end (it was 0 at times)
            try (Pty t = Pty.docker(docker, 33, 111 + i, "exec", "-it", "ex1", "sh", "-c", "tty; stty size; exit 6")) {
                assertThat(t.exit(LONG)).isEqualTo(6);
                assertThat(t.screen()).contains("/dev/pts/", "33 " + (111 + i) + "\r\n").doesNotContain("\0");
            }
        }
        ok("rm", "-f", "ex1");
    }

    @Test
    void runIt_detachKeysLeaveItRunning_andAttachGetsTheExitCode() throws Exception {
        try (Pty t = Pty.docker(docker, 24, 80, "run", "-it", "--name", "it2", "busybox", "sh")) {
            t.await("/ # ");
            t.type("\u0010\u0011");
            assertThat(t.exit(LONG)).isZero(); // docker run -it detaches quietly
        }
        ids.add(inspect("{{.Id}}", "it2"));
        assertThat(inspect("{{.State.Running}}", "it2")).isEqualTo("true");
        try (Pty t = Pty.docker(docker, 24, 80, "attach", "it2")) {
            Thread.sleep(500);
            t.type("exit 12\r");
            assertThat(t.exit(LONG)).isEqualTo(12);
        }
        assertThat(inspect("{{.State.Status}} {{.State.ExitCode}}", "it2")).isEqualTo("exited 12");
        ok("rm", "it2");
    }

    @Test
    void runIt_aCommandThatAsksAtOnceSeesTheSize() throws Exception {
        for (int i = 0; i < 5; i++) { // without ConsoleSize applied before the start, most runs see 0x0
            try (Pty t = Pty.docker(docker, 27, 95 + i, "run", "-it", "--rm", "busybox", "sh", "-c", "tty; stty size; exit 9")) {
                assertThat(t.exit(LONG)).isEqualTo(9);
                assertThat(t.screen()).contains("/dev/pts/0\r\n", "27 " + (95 + i) + "\r\n").doesNotContain("\0");
            }
        }
    }

    @Test
    void exec_envUserWorkdirPrivilegedAndTheExitCodeInItsInspect() throws Exception {
        String id = runDetached("--name", "ex2", "busybox", "sleep", "1000");
        assertThat(ok("exec", "-e", "A=1", "-u", "1000", "-w", "/tmp", "ex2", "sh", "-c", "echo $A; id -u; pwd")).isEqualTo("1\n1000\n/tmp\n");

        // --privileged: every capability the daemon has (its own bounding set), as moby gives
        long bounding = 0;
        for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (l.startsWith("CapBnd:")) bounding = Long.parseUnsignedLong(l.substring(7).trim(), 16);
        }
        String priv = ok("exec", "--privileged", "ex2", "grep", "CapEff", "/proc/self/status");
        assertThat(Long.parseUnsignedLong(priv.replace("CapEff:", "").trim(), 16)).isEqualTo(bounding);
        String plain = ok("exec", "ex2", "grep", "CapEff", "/proc/self/status");
        assertThat(Long.parseUnsignedLong(plain.replace("CapEff:", "").trim(), 16)).isNotEqualTo(bounding);

        // the CLI has no exec inspect: the API's, for a detached exec that ends with 4
        String created = http("POST", "/v1.50/containers/" + id + "/exec", "{\"Cmd\":[\"sh\",\"-c\",\"sleep 0.3; exit 4\"]}");
        assertThat(created).startsWith("HTTP/1.1 201");
        String exec = jsonBody(created).string("Id");
        assertThat(http("POST", "/v1.50/exec/" + exec + "/start", "{\"Detach\":true}")).startsWith("HTTP/1.1 200");
        JsonObject info = jsonBody(http("GET", "/v1.50/exec/" + exec + "/json", null));
        assertThat(info.bool("Running")).isTrue();
        for (int i = 0; i < 100 && info.bool("Running"); i++) {
            Thread.sleep(50);
            info = jsonBody(http("GET", "/v1.50/exec/" + exec + "/json", null));
        }
        assertThat(info.bool("Running")).isFalse();
        assertThat(info.longValue("ExitCode", -1)).isEqualTo(4);
        assertThat(info.string("ContainerID")).isEqualTo(id);
        ok("rm", "-f", "ex2");
    }

    @Test
    void attach_toATerminal_detachKeysLeaveItRunning_andWithoutATerminalStreamsTheOutput() throws Exception {
        runDetached("-it", "--name", "at1", "busybox", "sh");
        try (Pty t = Pty.docker(docker, 24, 80, "attach", "at1")) {
            Thread.sleep(500); // the CLI is attached once its terminal is raw
            t.type("echo attached-$((6*7))\r");
            t.await("attached-42");
            t.type("\u0010\u0011"); // ctrl-p ctrl-q
            assertThat(t.exit(LONG)).isEqualTo(1); // as with docker: the CLI's error "read escape sequence"
            assertThat(t.screen()).contains("read escape sequence");
        }
        assertThat(inspect("{{.State.Running}}", "at1")).isEqualTo("true");
        ok("rm", "-f", "at1");

        runDetached("--name", "at2", "busybox", "sh", "-c", "sleep 1; for i in 1 2 3; do echo line $i; sleep 0.2; done; echo err >&2; exit 2");
        DockerCli.Result r = docker.run("attach", "--no-stdin", "at2");
        assertThat(r.stdout()).isEqualTo("line 1\nline 2\nline 3\n");
        assertThat(r.stderr()).contains("err\n");
        assertThat(r.exit()).isEqualTo(2);
        ok("rm", "at2");
    }

    @Test
    void logs_followTailSinceAndTimestamps() throws Exception {
        // each line waits for the test's go-ahead (a file made by exec), so what the follower shows is deterministic
        runDetached("--name", "lg1", "busybox", "sh", "-c",
                "echo old; until [ -e /go1 ]; do sleep 0.05; done; echo new; until [ -e /go2 ]; do sleep 0.05; done; echo last; exit 0");
        try (Pty t = Pty.docker(docker, 24, 80, "logs", "-f", "lg1")) {
            t.await("old"); // each line as it comes, not at the end
            ok("exec", "lg1", "touch", "/go1");
            t.await("new");
            assertThat(t.screen()).doesNotContain("last");
            ok("exec", "lg1", "touch", "/go2");
            assertThat(t.exit(LONG)).isZero(); // ends at the exit
            assertThat(t.screen()).isEqualTo("old\r\nnew\r\nlast\r\n");
        }
        assertThat(ok("logs", "-f", "lg1")).isEqualTo("old\nnew\nlast\n"); // of an exited one: all, then the end
        assertThat(ok("logs", "--tail", "1", "lg1")).isEqualTo("last\n");
        assertThat(ok("logs", "--tail", "0", "lg1")).isEmpty();
        String stamped = ok("logs", "-t", "lg1");
        assertThat(stamped).matches("(\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d+Z \\w+\n){3}");
        Instant newAt = Instant.parse(stamped.split("\n")[1].split(" ")[0]);
        assertThat(ok("logs", "--since", newAt.toString(), "lg1")).isEqualTo("new\nlast\n");
        assertThat(ok("logs", "--until", newAt.minusMillis(1).toString(), "lg1")).isEqualTo("old\n");
        ok("rm", "lg1");

        // with a terminal the log is the raw stream, the pty's \r\n included, as docker keeps it
        runDetached("-t", "--name", "lg2", "busybox", "sh", "-c", "echo tty-one; sleep 0.5; echo tty-two");
        assertThat(ok("logs", "-f", "lg2")).isEqualTo("tty-one\r\ntty-two\r\n");
        ok("rm", "lg2");
    }

    @Test
    void restartWaitAndStopsKill() throws Exception {
        String id = runDetached("--name", "rs1", "busybox", "sleep", "1000");
        String started = inspect("{{.State.StartedAt}}", "rs1");
        Thread.sleep(20);
        ok("restart", "-t", "1", "rs1");
        assertThat(inspect("{{.Id}} {{.State.Running}} {{.RestartCount}}", "rs1")).isEqualTo(id + " true 0"); // a manual restart is no restart by policy
        assertThat(inspect("{{.State.StartedAt}}", "rs1")).isNotEqualTo(started);
        ok("rm", "-f", "rs1");

        runDetached("--name", "wt1", "busybox", "sh", "-c", "sleep 1; exit 5");
        assertThat(ok("wait", "wt1")).isEqualTo("5\n");
        ok("rm", "wt1");

        runDetached("--name", "st1", "busybox", "sh", "-c", "trap '' TERM; sleep 100 & wait");
        long t0 = System.nanoTime();
        ok("stop", "-t", "1", "st1");
        Duration took = Duration.ofNanos(System.nanoTime() - t0);
        assertThat(took).isBetween(Duration.ofMillis(900), Duration.ofSeconds(10));
        assertThat(inspect("{{.State.Status}} {{.State.ExitCode}}", "st1")).isEqualTo("exited 137");
        ok("rm", "st1");
    }

    @Test
    void stats_oneSampleAndAStream() throws Exception {
        String id = runDetached("--name", "sm1", "--memory", "64m", "busybox", "sleep", "1000");
        String row = ok("stats", "--no-stream", "--format", "{{.Name}}|{{.CPUPerc}}|{{.MemUsage}}|{{.PIDs}}", "sm1").trim();
        assertThat(row).matches("sm1\\|\\d+\\.\\d\\d%\\|[\\d.]+[KMG]?i?B / 64MiB\\|1");
        String table = ok("stats", "--no-stream", "sm1");
        assertThat(table).contains("CPU %", "MEM USAGE / LIMIT", "PIDS", "64MiB");

        // the CLI's live table on a terminal: redrawn each second
        try (Pty t = Pty.docker(docker, 24, 120, "stats", "sm1")) {
            t.await("(?s)(CONTAINER ID.*sm1.*64MiB.*){2}");
        }

        // stream=true: a sample a second, until the client goes
        try (SocketChannel ch = SocketChannel.open(UnixDomainSocketAddress.of(daemon.socket))) {
            ch.write(java.nio.ByteBuffer.wrap(("GET /v1.50/containers/" + id + "/stats?stream=true HTTP/1.1\r\nHost: docker\r\n\r\n")
                    .getBytes(StandardCharsets.UTF_8)));
            InputStream in = Channels.newInputStream(ch);
            StringBuilder got = new StringBuilder();
            byte[] buf = new byte[8192];
            long t0 = System.nanoTime();
            while (got.toString().split("\"read\"", -1).length - 1 < 2) {
                int n = in.read(buf);
                assertThat(n).as("the stream ended: " + got).isPositive();
                got.append(new String(buf, 0, n, StandardCharsets.UTF_8));
            }
            assertThat(got.toString()).startsWith("HTTP/1.1 200").contains("\"memory_stats\"", "\"limit\":67108864");
            assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
        }
        ok("rm", "-f", "sm1");
    }

    @Test
    void topRenamePauseAndKillWithASignal() throws Exception {
        runDetached("--name", "tp1", "busybox", "sh", "-c", "trap 'echo got USR1' USR1; while true; do sleep 0.1; done");
        String top = ok("top", "tp1");
        assertThat(top).contains("UID", "PID", "CMD", "while true");
        // ps -ef's real columns (user name, start time, cpu time), not placeholders; only the container's rows
        assertThat(top.lines().skip(1).toList()).isNotEmpty().allMatch(l -> l.matches("root\\s+\\d+\\s+\\d+\\s+\\d+\\s+\\d\\d:\\d\\d\\s+\\S+\\s+\\d\\d:\\d\\d:\\d\\d\\s+.*"));
        assertThat(top).doesNotContain("java");
        String ps = ok("top", "tp1", "-o", "pid,args"); // the host's ps with those options, only the container's rows
        assertThat(ps.lines().findFirst().orElseThrow()).matches("PID\\s+COMMAND");
        assertThat(ps).contains("while true");
        assertThat(ps).doesNotContain("java"); // the host's processes (this JVM) are left out
        assertThat(ps.lines().count()).isBetween(2L, 3L); // sh, and its sleep 0.1 of the moment
        ok("rename", "tp1", "tp2");
        assertThat(docker.run("rename", "tp2", "tp2").stderr()).contains("Renaming a container with the same name as it already has is not allowed");
        assertThat(inspect("{{.Name}}", "tp2")).isEqualTo("/tp2");
        assertThat(docker.run("inspect", "tp1").exit()).isEqualTo(1);

        ok("pause", "tp2");
        assertThat(ok("ps", "--filter", "name=tp2", "--format", "{{.Status}}").trim()).matches("Up .* \\(Paused\\)");
        assertThat(inspect("{{.State.Status}} {{.State.Paused}}", "tp2")).isEqualTo("paused true");
        DockerCli.Result paused = docker.run("exec", "tp2", "true");
        assertThat(paused.exit()).isEqualTo(1);
        assertThat(paused.stderr()).contains("is paused, unpause the container before exec");
        ok("unpause", "tp2");
        assertThat(ok("ps", "--filter", "name=tp2", "--format", "{{.Status}}").trim()).doesNotContain("Paused");

        ok("kill", "-s", "USR1", "tp2");
        String logs = "";
        for (int i = 0; i < 100 && !logs.contains("got USR1"); i++) {
            Thread.sleep(50);
            logs = ok("logs", "tp2");
        }
        assertThat(logs).isEqualTo("got USR1\n");
        assertThat(inspect("{{.State.Running}}", "tp2")).isEqualTo("true");
        ok("kill", "tp2");
        assertThat(inspect("{{.State.ExitCode}}", "tp2")).isEqualTo("137");
        ok("rm", "tp2");
    }
}
