package dev.berth.api;

import dev.berth.runtime.linux.Libc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;

import static org.assertj.core.api.Assertions.assertThat;

/** Restart policies, healthchecks and --init through the real docker CLI against a berth daemon (root). */
class RestartHealthInitTest {
    @TempDir
    static Path tmp;
    static TestDaemon testDaemon;
    static Daemon daemon;
    static DockerCli docker;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(DockerCli.DOCKER), "the docker CLI is not installed at " + DockerCli.DOCKER);
        testDaemon = TestDaemon.start(tmp);
        daemon = testDaemon.daemon;
        Path sock = testDaemon.socket;
        docker = new DockerCli(sock, tmp.resolve("docker-config"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (testDaemon == null) return;
        testDaemon.close();
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(tmp.toString())).toList()).isEmpty();
        assertThat(tmp.resolve("run/containers")).isEmptyDirectory();
    }

    /** docker inspect -f FORMAT NAME, polled until it matches (at most timeoutMs); the last value. */
    static String await(String name, String format, Predicate<String> done, long timeoutMs) throws Exception {
        return awaitWith(docker, name, format, done, timeoutMs);
    }

    static String awaitWith(DockerCli docker, String name, String format, Predicate<String> done, long timeoutMs) throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMs;
        String v;
        while (true) {
            v = docker.run("inspect", "-f", format, name).stdout().trim();
            if (done.test(v) || System.currentTimeMillis() > deadline) return v;
            Thread.sleep(100);
        }
    }

    @Test
    void onFailure_restartsUpToTheLimit_thenStaysExited() throws Exception {
        var run = docker.run("run", "-d", "--name", "onf", "--restart", "on-failure:2", "busybox", "sh", "-c", "exit 3");
        assertThat(run.exit()).as(run.output()).isZero();
        String v = await("onf", "{{.State.Status}} {{.RestartCount}} {{.State.ExitCode}}", s -> s.equals("exited 2 3"), 10_000);
        assertThat(v).isEqualTo("exited 2 3");
        Thread.sleep(800); // no third restart
        assertThat(docker.run("inspect", "-f", "{{.State.Status}} {{.RestartCount}} {{.HostConfig.RestartPolicy.Name}}", "onf").stdout().trim())
                .isEqualTo("exited 2 on-failure");
        // a user's start resets the count, as docker's does
        assertThat(docker.run("start", "onf").exit()).isZero();
        assertThat(await("onf", "{{.State.Status}} {{.RestartCount}}", s -> s.equals("exited 2"), 10_000)).isEqualTo("exited 2");
        assertThat(docker.run("rm", "onf").exit()).isZero();
        // a clean exit is not a failure
        assertThat(docker.run("run", "-d", "--name", "onf0", "--restart", "on-failure", "busybox", "true").exit()).isZero();
        assertThat(await("onf0", "{{.State.Status}}", "exited"::equals, 5_000)).isEqualTo("exited");
        Thread.sleep(500);
        assertThat(docker.run("inspect", "-f", "{{.RestartCount}}", "onf0").stdout().trim()).isEqualTo("0");
        assertThat(docker.run("rm", "onf0").exit()).isZero();
        var bad = docker.run("create", "--restart", "sometimes", "busybox");
        assertThat(bad.exit()).isNotZero();
    }

    @Test
    void always_restartsWithBackoff_stopPreventsIt() throws Exception {
        assertThat(docker.run("run", "-d", "--name", "alw", "--restart", "always", "busybox", "sh", "-c", "echo ran; exit 1").exit()).isZero();
        // 100, 200, 400, 800 ms...: after a few restarts the wait is long enough to see "restarting"
        String v = await("alw", "{{.State.Status}} {{.State.Restarting}} {{.State.Running}} {{.RestartCount}}",
                s -> s.startsWith("restarting") && Integer.parseInt(s.split(" ")[3]) >= 3, 10_000);
        assertThat(v).startsWith("restarting true true ");
        assertThat(Integer.parseInt(v.split(" ")[3])).isGreaterThanOrEqualTo(3);
        assertThat(docker.run("ps", "--format", "{{.Names}} {{.Status}}").stdout()).containsPattern("alw Restarting \\(1\\) ");
        assertThat(docker.run("logs", "alw").stdout()).startsWith("ran\nran\nran\n");
        // waiting to restart there is no process: pause and a signal get docker's 409 (it is mostly waiting now,
        // the backoff being past 800 ms; should it be running for a moment, the verb simply works)
        for (String[] verb : new String[][]{{"pause", "alw"}, {"kill", "-s", "HUP", "alw"}}) {
            var r = docker.run(verb);
            if (r.exit() != 0) assertThat(r.stderr()).as(String.join(" ", verb)).contains("is restarting, wait until the container is running");
            else if (verb[0].equals("pause")) docker.run("unpause", "alw");
        }
        // stop: no more restarts
        var stop = docker.run("stop", "-t", "1", "alw");
        assertThat(stop.exit()).as(stop.output()).isZero();
        assertThat(docker.run("inspect", "-f", "{{.State.Status}} {{.State.Restarting}}", "alw").stdout().trim()).isEqualTo("exited false");
        int after = Integer.parseInt(docker.run("inspect", "-f", "{{.RestartCount}}", "alw").stdout().trim());
        Thread.sleep(3000);
        assertThat(docker.run("inspect", "-f", "{{.State.Status}} {{.RestartCount}}", "alw").stdout().trim()).isEqualTo("exited " + after);
        assertThat(docker.run("rm", "alw").exit()).isZero();

        // a running one: stopped by docker stop, it stays stopped
        assertThat(docker.run("run", "-d", "--name", "alw2", "--restart", "always", "busybox", "sleep", "1000").exit()).isZero();
        assertThat(docker.run("stop", "-t", "1", "alw2").exit()).isZero();
        Thread.sleep(500);
        assertThat(docker.run("inspect", "-f", "{{.State.Status}} {{.RestartCount}}", "alw2").stdout().trim()).isEqualTo("exited 0");
        // killed from inside (not by a user): restarted
        assertThat(docker.run("start", "alw2").exit()).isZero();
        String pid = docker.run("inspect", "-f", "{{.State.Pid}}", "alw2").stdout().trim();
        assertThat(Libc.kill(Integer.parseInt(pid), 9)).isZero();
        assertThat(await("alw2", "{{.State.Status}} {{.RestartCount}}", "running 1"::equals, 5_000)).isEqualTo("running 1");
        // docker kill is a user's stop too
        assertThat(docker.run("kill", "alw2").exit()).isZero();
        Thread.sleep(500);
        assertThat(docker.run("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}} {{.RestartCount}}", "alw2").stdout().trim()).isEqualTo("exited 137 1");
        assertThat(docker.run("rm", "-f", "alw2").exit()).isZero();
        Thread.sleep(300);
        assertThat(docker.run("ps", "-aq", "--filter", "name=alw2").stdout().trim()).as("rm -f does not restart it").isEmpty();
    }

    @Test
    void healthcheck_healthyThenUnhealthy_shownInPsAndEvents() throws Exception {
        var run = docker.run("run", "-d", "--name", "hc", "--health-cmd", "cat /tmp/ok", "--health-interval", "200ms",
                "--health-retries", "2", "--health-timeout", "2s", "busybox", "sh", "-c", "echo fine > /tmp/ok; sleep 1000");
        assertThat(run.exit()).as(run.output()).isZero();
        assertThat(docker.run("inspect", "-f", "{{json .Config.Healthcheck}}", "hc").stdout().trim())
                .isEqualTo("{\"Test\":[\"CMD-SHELL\",\"cat /tmp/ok\"],\"Interval\":200000000,\"Timeout\":2000000000,\"Retries\":2}");
        assertThat(await("hc", "{{.State.Health.Status}}", "healthy"::equals, 10_000)).isEqualTo("healthy");
        assertThat(docker.run("ps", "--format", "{{.Names}} {{.Status}}").stdout()).containsPattern("hc Up .* \\(healthy\\)");
        assertThat(docker.run("inspect", "-f", "{{(index .State.Health.Log 0).ExitCode}} {{(index .State.Health.Log 0).Output}}", "hc").stdout())
                .isEqualTo("0 fine\n\n");
        assertThat(docker.run("exec", "hc", "rm", "/tmp/ok").exit()).isZero();
        assertThat(await("hc", "{{.State.Health.Status}}", "unhealthy"::equals, 10_000)).isEqualTo("unhealthy");
        assertThat(docker.run("ps", "--format", "{{.Names}} {{.Status}}").stdout()).containsPattern("hc Up .* \\(unhealthy\\)");
        assertThat(docker.run("ps", "--format", "{{.Names}}", "--filter", "health=unhealthy").stdout()).isEqualTo("hc\n");
        assertThat(docker.run("ps", "--format", "{{.Names}}", "--filter", "health=healthy").stdout()).isEmpty();
        String streak = docker.run("inspect", "-f", "{{.State.Health.FailingStreak}} {{len .State.Health.Log}}", "hc").stdout().trim();
        assertThat(Integer.parseInt(streak.split(" ")[0])).isGreaterThanOrEqualTo(2);
        assertThat(Integer.parseInt(streak.split(" ")[1])).isBetween(3, 5);
        var events = docker.run("events", "--since", "0", "--until", Long.toString(System.currentTimeMillis() / 1000 + 1),
                "--filter", "event=health_status", "--filter", "container=hc", "--format", "{{.Action}}");
        assertThat(events.stdout()).isEqualTo("health_status: healthy\nhealth_status: unhealthy\n");
        // probes stop with the container
        assertThat(docker.run("stop", "-t", "1", "hc").exit()).isZero();
        String log = docker.run("inspect", "-f", "{{json .State.Health.Log}}", "hc").stdout();
        Thread.sleep(700);
        assertThat(docker.run("inspect", "-f", "{{json .State.Health.Log}}", "hc").stdout()).isEqualTo(log);
        assertThat(docker.run("rm", "hc").exit()).isZero();

        // a probe that runs past its timeout fails; --no-healthcheck has none
        assertThat(docker.run("run", "-d", "--name", "slow", "--health-cmd", "sleep 5", "--health-interval", "100ms", "--health-timeout", "300ms",
                "--health-retries", "1", "busybox", "sleep", "1000").exit()).isZero();
        assertThat(await("slow", "{{.State.Health.Status}}", "unhealthy"::equals, 10_000)).isEqualTo("unhealthy");
        assertThat(docker.run("inspect", "-f", "{{(index .State.Health.Log 0).ExitCode}} {{(index .State.Health.Log 0).Output}}", "slow").stdout().trim())
                .isEqualTo("-1 Health check exceeded timeout (300ms)");
        assertThat(docker.run("rm", "-f", "slow").exit()).isZero();

        // the image's HEALTHCHECK (a Dockerfile's), and --no-healthcheck turning it off
        Path ctx = Files.createDirectories(tmp.resolve("hc-ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nHEALTHCHECK --interval=200ms --retries=1 CMD test -f /tmp/ok || exit 1\n"
                + "CMD [\"sh\", \"-c\", \"touch /tmp/ok; sleep 1000\"]\n");
        var build = docker.run("build", "-t", "checked", ctx.toString());
        assertThat(build.exit()).as(build.output()).isZero();
        assertThat(docker.run("run", "-d", "--name", "fromimage", "checked").exit()).isZero();
        assertThat(docker.run("inspect", "-f", "{{json .Config.Healthcheck.Test}}", "fromimage").stdout().trim())
                .isEqualTo("[\"CMD-SHELL\",\"test -f /tmp/ok || exit 1\"]");
        assertThat(await("fromimage", "{{.State.Health.Status}}", "healthy"::equals, 10_000)).isEqualTo("healthy");
        assertThat(docker.run("run", "-d", "--name", "none", "--no-healthcheck", "checked").exit()).isZero();
        Thread.sleep(600);
        assertThat(docker.run("inspect", "-f", "{{.State.Health}}", "none").stdout().trim()).isEqualTo("<nil>");
        assertThat(docker.run("ps", "--format", "{{.Names}} {{.Status}}", "--filter", "name=none").stdout()).doesNotContain("health");
        assertThat(docker.run("rm", "-f", "none", "fromimage").exit()).isZero();
        assertThat(docker.run("rmi", "checked").exit()).isZero();
    }

    /** Zombies in a container, counted by a process exec'd into it ("Z" in /proc/PID/stat). */
    private static int zombies(String name) throws Exception {
        String out = docker.run("exec", name, "sh", "-c", "for f in /proc/[0-9]*/stat; do cat $f; echo; done").stdout();
        return (int) out.lines().filter(l -> l.contains(") Z ")).count();
    }

    @Test
    void init_isPid1_andReapsOrphans() throws Exception {
        var ps1 = docker.run("run", "--rm", "--init", "busybox", "sh", "-c", "tr '\\0' ' ' < /proc/1/cmdline");
        assertThat(ps1.exit()).as(ps1.output()).isZero();
        assertThat(ps1.stdout().trim()).isEqualTo("/sbin/docker-init -- sh -c tr '\\0' ' ' < /proc/1/cmdline");
        // an orphan (the subshell's sleep) goes to PID 1; sh then execs sleep, which never reaps
        String[] cmd = {"busybox", "sh", "-c", "(sleep 0.2 &); exec sleep 1000"};
        assertThat(docker.run(concat(new String[]{"run", "-d", "--name", "noinit"}, cmd)).exit()).isZero();
        assertThat(docker.run(concat(new String[]{"run", "-d", "--name", "withinit", "--init"}, cmd)).exit()).isZero();
        assertThat(docker.run("inspect", "-f", "{{.HostConfig.Init}}", "withinit").stdout().trim()).isEqualTo("true");
        Thread.sleep(1000);
        assertThat(zombies("noinit")).as("without an init the orphan stays a zombie").isEqualTo(1);
        assertThat(zombies("withinit")).as("docker-init reaped it").isZero();
        // signals reach the command through the init: a stop ends it at once with SIGTERM
        long t0 = System.nanoTime();
        assertThat(docker.run("stop", "-t", "10", "withinit").exit()).isZero();
        assertThat((System.nanoTime() - t0) / 1_000_000).isLessThan(5000);
        assertThat(docker.run("inspect", "-f", "{{.State.ExitCode}}", "withinit").stdout().trim()).isEqualTo("143");
        assertThat(docker.run("rm", "-f", "noinit", "withinit").exit()).isZero();
    }

    private static String[] concat(String[] a, String[] b) {
        String[] r = java.util.Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, r, a.length, b.length);
        return r;
    }
}
