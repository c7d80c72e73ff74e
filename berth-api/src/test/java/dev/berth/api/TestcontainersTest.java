package dev.berth.api;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.output.OutputFrame;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The Testcontainers Java library (docker-java inside) against a berth daemon this test starts: a
 * GenericContainer from the local busybox image with a log-message wait strategy, exec, logs, stop.
 *
 * <p>Testcontainers finds its Docker host in ~/.testcontainers.properties ({@code docker.host}) unless DOCKER_HOST
 * is set: the test points {@code user.home} at a temp dir holding one, before Testcontainers reads it (its
 * configuration is read once per JVM). Ryuk and the start-up checks are off (surefire's environment, see the pom):
 * their images cannot be pulled here.
 */
class TestcontainersTest {
    @TempDir
    static Path tmp;
    static TestDaemon d;
    static String home;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(System.getenv("DOCKER_HOST") == null, "DOCKER_HOST is set: Testcontainers would use that daemon, not berth");
        d = TestDaemon.start(tmp);
        Path h = Files.createDirectories(tmp.resolve("home"));
        Files.writeString(h.resolve(".testcontainers.properties"), "docker.host=unix://" + d.socket + "\nryuk.disabled=true\nchecks.disable=true\n");
        home = System.getProperty("user.home");
        System.setProperty("user.home", h.toString());
    }

    @AfterAll
    static void stop() throws Exception {
        if (home != null) System.setProperty("user.home", home);
        if (d != null) d.close();
    }

    @Test
    void genericContainer_waitForLog_exec_logs_stop() throws Exception {
        String id;
        try (GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse("busybox:latest"))
                .withCommand("sh", "-c", "echo ready; echo warming >&2; sleep 1000")
                .waitingFor(Wait.forLogMessage("ready\\n", 1).withStartupTimeout(Duration.ofSeconds(30)))) {
            c.start();
            id = c.getContainerId();
            assertThat(d.daemon.engine().running(id)).isTrue();
            var r = c.execInContainer("sh", "-c", "echo out; echo err >&2; exit 3");
            assertThat(r.getExitCode()).isEqualTo(3);
            assertThat(r.getStdout()).isEqualTo("out\n");
            assertThat(r.getStderr()).isEqualTo("err\n");
            assertThat(c.getLogs(OutputFrame.OutputType.STDOUT)).isEqualTo("ready\n");
            assertThat(c.getLogs(OutputFrame.OutputType.STDERR)).isEqualTo("warming\n");
            c.stop();
        }
        assertThat(d.leaks(List.of(id))).isEmpty();
    }
}
