package dev.berth.api;

import dev.berth.image.Images;
import dev.berth.image.snapshot.Snapshots;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageReference;
import dev.berth.runtime.BusyboxBundle;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.linux.Libc;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Live restore: the daemon runs as a process of its own, is SIGKILLed with containers running, paused and about
 * to end, and a new daemon on the same roots finds them all again, seen through the real docker CLI.
 */
class LiveRestoreTest {
    @TempDir
    Path tmp;

    /** Starts `java dev.berth.api.Daemon` with this test's classpath; returns once it answers on its socket. */
    private Process daemon(Path sock, String log) throws Exception {
        String cp = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path java = Path.of(System.getProperty("java.home"), "bin", "java");
        List<String> cmd = new ArrayList<>(List.of(java.toString(), "--enable-native-access=ALL-UNNAMED", "-XX:+UseSerialGC"));
        if (System.getProperty("berth.shim") != null) cmd.add("-Dberth.shim=" + System.getProperty("berth.shim"));
        cmd.addAll(List.of("-cp", cp, "dev.berth.api.Daemon", sock.toString(), tmp.resolve("data").toString(), tmp.resolve("run").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(tmp.resolve(log).toFile())).start();
        DockerCli docker = new DockerCli(sock, tmp.resolve("docker-config"));
        for (int i = 0; i < 300; i++) {
            if (!p.isAlive()) throw new AssertionError("the daemon exited: " + Files.readString(tmp.resolve(log)));
            if (Files.exists(sock) && docker.run("version", "--format", "{{.Server.Version}}").exit() == 0) return p;
            Thread.sleep(100);
        }
        p.destroyForcibly();
        throw new AssertionError("the daemon did not answer within 30 s: " + Files.readString(tmp.resolve(log)));
    }

    private static boolean alive(int pid) {
        return Files.exists(Path.of("/proc/" + pid));
    }

    @Test
    void sigkilledDaemon_containersKeepRunning_newDaemonFindsThemAgain() throws Exception {
        boolean root = Libc.geteuid() == 0;
        if (!root) System.err.println("SKIP: the daemon runs containers, which needs root");
        Assumptions.assumeTrue(root, "needs root");
        Assumptions.assumeTrue(Files.isExecutable(DockerCli.DOCKER), "the docker CLI is not installed at " + DockerCli.DOCKER);
        // the image, imported into the data root before any daemon runs
        Images images = new Images(tmp.resolve("data").resolve("images"));
        Path rootfs = BusyboxBundle.rootfs(tmp.resolve("bb"));
        Process tar = new ProcessBuilder("tar", "--numeric-owner", "-C", rootfs.toString(), "-cf", "-", ".").start();
        var d = images.importTarball(tar.getInputStream(), new ImageConfig.Run(null, List.of("PATH=/bin:/sbin"), null, List.of("sh"),
                null, List.of(), List.of(), Map.of(), null, null, List.of(), null, false), "busybox");
        images.names().put(ImageReference.parse("busybox"), d);

        Path sock = tmp.resolve("d.sock");
        DockerCli docker = new DockerCli(sock, tmp.resolve("docker-config"));
        Process first = null, second = null;
        List<Integer> pids = new ArrayList<>();
        try {
            first = daemon(sock, "daemon1.log");
            assertThat(docker.run("run", "-d", "--name", "stopped", "--restart", "unless-stopped", "busybox", "sleep", "1000").exit()).isZero();
            assertThat(docker.run("stop", "-t", "0", "stopped").exit()).isZero();
            assertThat(docker.run("run", "-d", "--name", "always-stopped", "--restart", "always", "busybox", "sleep", "1000").exit()).isZero();
            assertThat(docker.run("stop", "-t", "0", "always-stopped").exit()).isZero();
            assertThat(docker.run("run", "-d", "--name", "hc", "--health-cmd", "true", "--health-interval", "200ms", "busybox", "sleep", "1000").exit()).isZero();
            assertThat(RestartHealthInitTest.awaitWith(docker, "hc", "{{.State.Health.Status}}", "healthy"::equals, 5_000)).isEqualTo("healthy");
            assertThat(docker.run("run", "-d", "--name", "long", "busybox", "sh", "-c", "echo one; sleep 1000").exit()).isZero();
            assertThat(docker.run("run", "-d", "--name", "paused", "busybox", "sleep", "1000").exit()).isZero();
            assertThat(docker.run("pause", "paused").exit()).isZero();
            // these two end a few seconds after the daemon's death
            assertThat(docker.run("run", "-d", "--name", "short", "busybox", "sh", "-c", "echo before; sleep 3; echo after; exit 7").exit()).isZero();
            assertThat(docker.run("run", "-d", "--name", "always", "--restart", "always", "busybox", "sh", "-c", "sleep 3; exit 1").exit()).isZero();
            for (String n : List.of("long", "paused", "short", "always")) {
                pids.add(Integer.parseInt(docker.run("inspect", "-f", "{{.State.Pid}}", n).stdout().trim()));
            }
            List<String> ids = List.of(docker.run("ps", "-aq", "--no-trunc").stdout().trim().split("\n"));
            assertThat(ids).hasSize(7);
            Instant killedAt = Instant.now();
            first.destroyForcibly(); // SIGKILL: no shutdown hook runs
            first.waitFor();
            for (int i = 0; i < 4; i++) assertThat(alive(pids.get(i))).as("container process " + i + " outlives the daemon").isTrue();
            for (int i = 0; i < 100 && (alive(pids.get(2)) || alive(pids.get(3))); i++) Thread.sleep(100);
            assertThat(alive(pids.get(2)) || alive(pids.get(3))).as("short and always end while no daemon runs").isFalse();
            assertThat(alive(pids.get(0)) && alive(pids.get(1))).isTrue();

            Instant secondStarted = Instant.now();
            second = daemon(sock, "daemon2.log");
            String ps = docker.run("ps", "-a", "--format", "{{.Names}}|{{.Status}}").stdout();
            assertThat(ps).containsPattern("(?m)^long\\|Up ").containsPattern("(?m)^short\\|Exited \\(7\\) ")
                    .containsPattern("(?m)^paused\\|Up .*\\(Paused\\)").containsPattern("(?m)^stopped\\|Exited \\(137\\) ");
            assertThat(docker.run("inspect", "-f", "{{.State.Pid}} {{.State.Running}}", "long").stdout().trim()).isEqualTo(pids.get(0) + " true");
            // the exit time is the monitor's record, from while no daemon ran
            Instant finished = Instant.parse(docker.run("inspect", "-f", "{{.State.FinishedAt}}", "short").stdout().trim());
            assertThat(finished).isAfter(killedAt).isBefore(secondStarted);
            assertThat(docker.run("wait", "short").stdout().trim()).isEqualTo("7");
            assertThat(docker.run("logs", "short").stdout()).isEqualTo("before\nafter\n");
            assertThat(docker.run("logs", "long").stdout()).isEqualTo("one\n");
            // always: ended while no daemon ran, started again by the new one; unless-stopped stopped by a user stays so
            String always = RestartHealthInitTest.awaitWith(docker, "always", "{{.State.Running}} {{.RestartCount}}", s -> s.startsWith("true"), 5_000);
            assertThat(always).isEqualTo("true 1");
            assertThat(docker.run("inspect", "-f", "{{.State.Status}}", "stopped").stdout().trim()).isEqualTo("exited");
            assertThat(docker.run("inspect", "-f", "{{.State.Status}}", "always-stopped").stdout().trim())
                    .as("always: started with the daemon even after a user's stop, as docker does").isEqualTo("running");
            // healthchecks go on (the status found before is kept, new probes are logged)
            Instant restarted = Instant.now();
            assertThat(docker.run("inspect", "-f", "{{.State.Health.Status}}", "hc").stdout().trim()).isEqualTo("healthy");
            String lastProbe = RestartHealthInitTest.awaitWith(docker, "hc", "{{json (index .State.Health.Log 4).Start}}",
                    v -> v.length() > 2 && Instant.parse(v.replace("\"", "")).isAfter(restarted), 5_000);
            assertThat(Instant.parse(lastProbe.replace("\"", ""))).isAfter(restarted);

            // the restored ones work as any other
            assertThat(docker.run("exec", "long", "echo", "in exec").stdout()).isEqualTo("in exec\n");
            assertThat(docker.run("unpause", "paused").exit()).isZero();
            assertThat(docker.run("stop", "-t", "1", "long", "paused").exit()).isZero();
            assertThat(docker.run("ps", "-a", "--format", "{{.Names}}|{{.Status}}").stdout())
                    .containsPattern("(?m)^long\\|Exited \\(137\\) ").containsPattern("(?m)^paused\\|Exited \\(137\\) ");
            assertThat(docker.run("rm", "-f", "long", "short", "paused", "always", "stopped", "always-stopped", "hc").exit()).isZero();
            assertThat(docker.run("ps", "-aq").stdout().trim()).isEmpty();
            for (int pid : pids) assertThat(alive(pid)).as("pid " + pid).isFalse();
            assertThat(tmp.resolve("run/containers")).isEmptyDirectory();
            try (Stream<Path> cg = Files.walk(Path.of("/sys/fs/cgroup"), 3)) {
                assertThat(cg.filter(p -> ids.contains(p.getFileName().toString())).toList()).as("cgroups left").isEmpty();
            }
        } finally {
            if (second != null) second.destroyForcibly().waitFor();
            if (first != null) first.destroyForcibly().waitFor();
            cleanUp();
        }
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(tmp.toString())).toList()).isEmpty();
    }

    /** Whatever a failed run left: containers in the runtime's state, mounted rootfs. */
    private void cleanUp() throws IOException {
        Path states = tmp.resolve("run/containers");
        if (Files.isDirectory(states)) {
            ContainerRuntime rt = ContainerRuntime.defaults(states, w -> { });
            try (Stream<Path> s = Files.list(states)) {
                for (Path p : s.toList()) {
                    try {
                        rt.delete(p.getFileName().toString(), true);
                    } catch (RuntimeException e) {
                        System.err.println("cleanup: " + p + ": " + e.getMessage());
                    }
                }
            }
        }
        List<String> mounts = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().map(l -> l.split(" ")[4])
                .filter(m -> m.startsWith(tmp.toString())).toList();
        for (String m : mounts.reversed()) Snapshots.unmount(Path.of(m));
    }
}
