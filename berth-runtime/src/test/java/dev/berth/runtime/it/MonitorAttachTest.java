package dev.berth.runtime.it;

import dev.berth.oci.runtime.RuntimeSpec;
import dev.berth.runtime.Attach;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.ContainerState;
import dev.berth.runtime.LogReader;
import dev.berth.runtime.plan.Io;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Attaching to the monitor (P_ATTACH, P_STDIN, P_CONTROL): frames, stdin, detach, TTY, exec, a Java side gone. */
@Timeout(60)
class MonitorAttachTest extends MonitorBase {
    @Test
    void clientConnectedBeforeStart_getsAllOutputFramedByStream_andTheSocketClosesAtExit() throws Exception {
        TestBundle b = bundle("frames", "echo out1; echo err1 >&2; echo out2; exit 3");
        Io io = io(b);
        create(b, io).close();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(io.attachSocket()))).isEqualTo("rw-------");
        try (Attach a = rt.attach(b.id)) {
            a.closeStdin(); // what the docker CLI does at once without -i: the container's stdin is closed
            rt.start(b.id);
            ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
            for (Attach.Frame f; (f = a.readFrame()) != null; ) {
                assertThat(f.stream()).isIn(1, 2);
                assertThat(f.payload()).isNotEmpty();
                (f.stream() == 1 ? out : err).writeBytes(f.payload());
            }
            assertThat(out.toString()).isEqualTo("out1\nout2\n");
            assertThat(err.toString()).isEqualTo("err1\n");
            // the exit is recorded before the clients are closed
            assertThat(rt.state(b.id).exitCode()).isEqualTo(3);
        }
        await("monitor gone", () -> !Files.exists(io.attachSocket()));
        assertThat(io.controlSocket()).doesNotExist();
        assertThat(texts(LogReader.read(io.log(), -1, null, null))).containsExactlyInAnyOrder("out1\n", "err1\n", "out2\n");
        rt.delete(b.id, false);
        Host.assertNoLeaks(oci, b);
    }

    @Test
    void stdin_reachesCat_andAHalfCloseEndsIt_whileOutputStillArrives() throws Exception {
        TestBundle b = bundle("stdin", "cat; echo cat-done >&2");
        create(b, io(b)).close();
        try (Attach a = rt.attach(b.id)) {
            rt.start(b.id);
            a.write("hello\n");
            Attach.Frame f = a.readFrame();
            assertThat(f.stream()).isEqualTo(1);
            assertThat(f.text()).isEqualTo("hello\n");
            a.write("world");
            a.closeStdin();
            Attach.Output rest = a.readAll(false);
            assertThat(rest.out()).isEqualTo("world");
            assertThat(rest.err()).isEqualTo("cat-done\n");
        }
        assertThat(rt.state(b.id).exitCode()).isZero();
    }

    @Test
    void twoClients_bothGetTheOutput() throws Exception {
        TestBundle b = bundle("two", "for i in $(seq 1 200); do echo line-$i; done; echo bye >&2");
        create(b, io(b)).close();
        try (Attach one = rt.attach(b.id); Attach two = rt.attach(b.id)) {
            rt.start(b.id);
            CompletableFuture<Attach.Output> first = CompletableFuture.supplyAsync(() -> readAll(one));
            Attach.Output second = two.readAll(false);
            String expected = String.join("", java.util.stream.IntStream.rangeClosed(1, 200).mapToObj(i -> "line-" + i + "\n").toList());
            assertThat(second.out()).isEqualTo(expected);
            assertThat(second.err()).isEqualTo("bye\n");
            Attach.Output o = first.get(30, TimeUnit.SECONDS);
            assertThat(o.out()).isEqualTo(expected);
            assertThat(o.err()).isEqualTo("bye\n");
        }
    }

    private static Attach.Output readAll(Attach a) {
        try {
            return a.readAll(false);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void aClientThatDisconnects_isADetach_theContainerRunsOn() throws Exception {
        TestBundle b = bundle("detach", "while read l; do echo \"got $l\"; done; echo end");
        create(b, io(b)).close();
        rt.start(b.id);
        try (Attach a = rt.attach(b.id)) {
            a.write("x\n");
            assertThat(a.readFrame().text()).isEqualTo("got x\n");
        } // closed entirely: a detach, even for a stdin-once container
        Host.sleep(200);
        assertThat(status(b.id)).isEqualTo(ContainerState.Status.RUNNING);
        try (Attach a = rt.attach(b.id)) {
            a.write("y\n");
            assertThat(a.readFrame().text()).isEqualTo("got y\n");
            a.closeStdin();
            assertThat(a.readAll(false).out()).isEqualTo("end\n");
        }
        assertThat(rt.state(b.id).exitCode()).isZero();
    }

    @Test
    void aClientThatStopsReading_isDropped_andNeitherTheContainerNorOtherClientsWaitForIt() throws Exception {
        // 4 MB, far more than a socket buffer: the stuck client holds the output back for at most 5 s
        TestBundle b = bundle("stuck", "yes 0123456789abcdefghijklmnopqrstuvwxyz | head -c 4000000; echo; echo done");
        Io io = Io.attachOnly(sock(b, "a"), null, false, false);
        create(b, io).close();
        try (Attach stuck = Attach.connect(io.attachSocket()); Attach reader = Attach.connect(io.attachSocket())) {
            long t = System.nanoTime();
            rt.start(b.id);
            Attach.Output o = reader.readAll(false);
            assertThat(o.stdout().length).isEqualTo(4_000_000 + 1 + 5);
            assertThat(o.out()).endsWith("\ndone\n");
            assertThat((System.nanoTime() - t) / 1e9).as("seconds").isLessThan(15);
            assertThat(rt.state(b.id).exitCode()).isZero();
            // the stuck client got what fitted in its socket buffer, then the monitor hung up on it
            long got = 0;
            byte[] buf = new byte[65536];
            for (int n; (n = stuck.read(buf, 0, buf.length)) >= 0; ) got += n;
            assertThat(got).isGreaterThan(0).isLessThan(4_000_000);
        }
    }

    @Test
    void terminal_rawBytes_ttyInside_andResizeThroughTheControlSocket() throws Exception {
        TestBundle b = bundle("tty", "tty; stty size; read x; stty size; echo bye");
        b.process().put("terminal", true);
        b.write();
        Io io = io(b);
        create(b, io).close();
        rt.resize(b.id, 30, 100); // the pty exists from create on
        try (Attach a = rt.attach(b.id)) {
            rt.start(b.id);
            StringBuilder seen = new StringBuilder();
            readUntil(a, seen, "30 100\r\n");
            assertThat(seen.toString()).matches("(?s)/dev/pts/\\d+\r\n30 100\r\n");
            Attach.resize(io.controlSocket(), 40, 120);
            a.write("\n");
            readUntil(a, seen, "bye\r\n");
            assertThat(seen.toString()).endsWith("40 120\r\nbye\r\n");
            byte[] rest = a.readAll(true).stdout();
            assertThat(rest).isEmpty();
        }
        assertThat(rt.state(b.id).exitCode()).isZero();
        // a terminal's output is logged as stdout, as docker does
        List<LogReader.Entry> log = LogReader.read(io.log(), -1, null, null);
        assertThat(log).extracting(LogReader.Entry::stream).containsOnly("stdout");
        assertThat(String.join("", texts(log))).contains("30 100\r\n").endsWith("bye\r\n");
    }

    private static void readUntil(Attach a, StringBuilder seen, String end) throws IOException {
        byte[] buf = new byte[4096];
        while (!seen.toString().endsWith(end)) {
            int n = a.read(buf, 0, buf.length);
            if (n < 0) throw new AssertionError("EOF before " + end + " in " + seen);
            seen.append(new String(buf, 0, n, StandardCharsets.UTF_8));
        }
    }

    @Test
    void theMonitorOutlivesTheJavaSide_aFreshRuntimeAttachesAndSeesTheExit() throws Exception {
        TestBundle b = bundle("orphan", "read x; echo \"after $x\"; echo oops >&2; exit 7");
        Io io = io(b);
        int monitor;
        {
            ContainerRuntime first = ContainerRuntime.defaults(rt.root(), w -> { });
            ContainerRuntime.Created c = first.create(ContainerRuntime.CreateOptions.managed(b.id, b.dir, io));
            monitor = parentOf(c.pid());
            c.close(); // the sync channel is gone: as if the daemon had exited
        }
        assertThat(parentOf(monitor)).as("the monitor is not a child of this JVM").isNotEqualTo((int) ProcessHandle.current().pid());
        ContainerRuntime fresh = ContainerRuntime.defaults(rt.root(), w -> { });
        assertThat(fresh.io(b.id)).isEqualTo(io);
        fresh.start(b.id);
        try (Attach a = fresh.attach(b.id)) {
            a.write("restart\n");
            Attach.Output o = a.readAll(false);
            assertThat(o.out()).isEqualTo("after restart\n");
            assertThat(o.err()).isEqualTo("oops\n");
        }
        assertThat(fresh.state(b.id).exitCode()).isEqualTo(7);
        assertThat(texts(LogReader.read(io.log(), -1, null, null))).containsExactlyInAnyOrder("after restart\n", "oops\n");
        fresh.delete(b.id, false);
        Host.assertNoLeaks(oci, b);
    }

    private static int parentOf(int pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    }

    private static RuntimeSpec.Process process(boolean terminal, String... args) {
        return new RuntimeSpec.Process(terminal, new RuntimeSpec.User(0, 0, null, List.of()), List.of(args),
                List.of("PATH=/bin"), "/", RuntimeSpec.Capabilities.NONE, List.of(), true, null, null, null);
    }

    @Test
    void exec_attachedBeforeItStarts_getsAllItsOutputAndItsExitCode() throws Exception {
        TestBundle b = bundle("exec", "sleep 1000");
        create(b, Io.logTo(tmp.resolve(b.id + ".log"))).close();
        rt.start(b.id);
        Io io = Io.attachOnly(sock(b, "ea"), null, false, false);
        try (ContainerRuntime.Exec e = rt.execCreate(b.id, process(false, "sh", "-c", "echo exec-out; echo exec-err >&2; exit 5"),
                new ContainerRuntime.ExecOptions(null, true, null, io));
             Attach a = Attach.connect(io.attachSocket())) {
            e.start();
            Attach.Output o = a.readAll(false);
            assertThat(o.out()).isEqualTo("exec-out\n");
            assertThat(o.err()).isEqualTo("exec-err\n");
            assertThat(e.awaitExit()).isEqualTo(5);
            assertThat(Files.readString(e.dir().resolve("exit"))).isEqualTo("5 0\n");
        }
        // the blocking exec of before, its output to a log of its own
        Path execLog = tmp.resolve(b.id + ".exec.log");
        int code = rt.exec(b.id, process(false, "sh", "-c", "echo logged; exit 6"), new ContainerRuntime.ExecOptions(null, false, null, Io.logTo(execLog)));
        assertThat(code).isEqualTo(6);
        assertThat(texts(LogReader.read(execLog, -1, null, null))).containsExactly("logged\n");
        assertThat(status(b.id)).isEqualTo(ContainerState.Status.RUNNING);
    }

    @Test
    void execCreated_butNeverStarted_isKilledWhenItsHandleCloses() throws Exception {
        TestBundle b = bundle("execnostart", "sleep 1000");
        create(b, Io.logTo(tmp.resolve(b.id + ".log"))).close();
        rt.start(b.id);
        Io io = Io.attachOnly(sock(b, "ea"), null, false, false);
        Path dir;
        try (ContainerRuntime.Exec e = rt.execCreate(b.id, process(false, "sh", "-c", "echo never > /out/never"),
                new ContainerRuntime.ExecOptions(null, true, null, io))) {
            dir = e.dir();
            assertThat(Path.of("/proc/" + e.pid())).exists();
        }
        await("the exec's exit", () -> Files.exists(dir.resolve("exit")));
        assertThat(Files.readString(dir.resolve("exit"))).isEqualTo("137 9\n");
        assertThat(b.read("never")).isEmpty();
        await("its monitor gone", () -> !Files.exists(io.attachSocket()));
    }

    @Test
    void execWithATerminal_likeDockerExecIt() throws Exception {
        TestBundle b = bundle("exectty", "sleep 1000");
        create(b, Io.logTo(tmp.resolve(b.id + ".log"))).close();
        rt.start(b.id);
        Io io = Io.attachOnly(sock(b, "ea"), sock(b, "ec"), true, true);
        try (ContainerRuntime.Exec e = rt.execCreate(b.id, process(true, "sh"), new ContainerRuntime.ExecOptions(null, true, null, io));
             Attach a = Attach.connect(io.attachSocket())) {
            Attach.resize(io.controlSocket(), 50, 132);
            e.start();
            a.write("stty size; tty; exit 4\n");
            String out = new String(a.readAll(true).stdout(), StandardCharsets.UTF_8);
            assertThat(out).contains("50 132\r\n").containsPattern("/dev/pts/\\d+\r\n");
            assertThat(e.awaitExit()).isEqualTo(4);
        }
    }

    @Test
    void theOldWays_stillWork_withoutManagedStdio() throws Exception {
        // inherited stdio, as runc: covered at length by LifecycleTest; here, the same runtime after managed ones
        TestBundle b = bundle("plain", "echo plain > /out/plain");
        assertThat(oci.run(b)).isZero();
        assertThat(b.read("plain")).isEqualTo("plain\n");
        Host.assertNoLeaks(oci, b);
    }

    @Test
    void controlSocket_answersErrors() throws Exception {
        TestBundle b = bundle("ctl", "sleep 1000");
        Io io = io(b);
        create(b, io).close();
        // no terminal: nothing to resize
        assertThat(org.assertj.core.api.Assertions.catchThrowable(() -> rt.resize(b.id, 10, 10))).hasMessageContaining("resize 10x10");
        try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            ch.connect(UnixDomainSocketAddress.of(io.controlSocket()));
            ch.write(java.nio.ByteBuffer.wrap("bogus\n".getBytes()));
            java.nio.ByteBuffer r = java.nio.ByteBuffer.allocate(16);
            while (r.position() == 0 || r.get(r.position() - 1) != '\n') ch.read(r);
            assertThat(new String(r.array(), 0, r.position()).trim()).isEqualTo("22");
        }
    }

    private static List<String> texts(List<LogReader.Entry> entries) {
        return entries.stream().map(LogReader.Entry::text).toList();
    }
}
