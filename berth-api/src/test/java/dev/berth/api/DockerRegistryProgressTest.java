package dev.berth.api;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * docker push and pull through the daemon against a real distribution registry (Debian's docker-registry) on
 * 127.0.0.1: the JSON progress stream per layer, as the real docker CLI shows it.
 */
class DockerRegistryProgressTest {
    static final Path REGISTRY = Path.of("/usr/bin/docker-registry");
    @TempDir
    Path tmp;
    TestDaemon d;
    DockerCli docker;
    Process registry;
    int port;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(DockerCli.DOCKER), "the docker CLI is not installed at " + DockerCli.DOCKER);
        Assumptions.assumeTrue(Files.isExecutable(REGISTRY), "docker-registry is not installed (scripts/setup installs it)");
        d = TestDaemon.start(tmp);
        docker = new DockerCli(d.socket, tmp.resolve("docker-config"));
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            port = s.getLocalPort();
        }
        Path config = tmp.resolve("registry.yml");
        Files.writeString(config, """
                version: 0.1
                log:
                  level: warn
                  accesslog:
                    disabled: true
                storage:
                  filesystem:
                    rootdirectory: %s
                http:
                  addr: 127.0.0.1:%d
                """.formatted(tmp.resolve("registry"), port));
        registry = new ProcessBuilder(REGISTRY.toString(), "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(tmp.resolve("registry.log").toFile()).start();
        for (int i = 0; i < 150; i++) {
            try (Socket s = new Socket(InetAddress.getByName("127.0.0.1"), port)) {
                return;
            } catch (IOException notYet) {
                assertThat(registry.isAlive()).as("docker-registry: " + Files.readString(tmp.resolve("registry.log"))).isTrue();
                Thread.sleep(100);
            }
        }
        throw new AssertionError("docker-registry did not listen on " + port);
    }

    @AfterEach
    void stop() throws Exception {
        if (registry != null) {
            registry.destroy();
            if (!registry.waitFor(5, TimeUnit.SECONDS)) registry.destroyForcibly();
        }
        if (d != null) d.close();
    }

    String ok(String... args) throws Exception {
        var r = docker.run(args);
        assertThat(r.exit()).as("docker " + String.join(" ", args) + ": " + r.stderr()).isZero();
        return r.stdout();
    }

    static int count(String s, String what) {
        return s.split(Pattern.quote(what), -1).length - 1;
    }

    /** Drops the build cache, then every blob and unpacked layer no image uses, so a pull fetches and unpacks them again. */
    void forgetLayers() throws IOException {
        var engine = d.daemon.engine();
        engine.images().names().clearCache();
        engine.images().collectGarbage(java.time.Duration.ZERO);
        dev.berth.image.Unpacker.pruneSnapshots(engine.images(), engine.snapshots());
    }

    @Test
    void pushAndPull_showDockersProgressPerLayer() throws Exception {
        // two layers: busybox and 3 MB of random bytes
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN dd if=/dev/urandom of=/big bs=1024 count=3072 2>/dev/null\n");
        ok("build", "-t", "app", ctx.toString());
        String name = "127.0.0.1:" + port + "/x:1";
        ok("tag", "app", name);

        String push = ok("push", name);
        System.err.println("docker push:\n" + push);
        assertThat(push).contains("The push refers to repository [127.0.0.1:" + port + "/x]");
        assertThat(count(push, ": Pushed")).as(push).isEqualTo(2);
        assertThat(push).containsPattern("1: digest: sha256:[0-9a-f]{64} size: \\d+");
        // again: the registry has the layers
        assertThat(count(ok("push", name), ": Layer already exists")).isEqualTo(2);

        ok("rmi", name, "app", "busybox");
        assertThat(ok("images", "-q")).isBlank();
        forgetLayers(); // the build cache kept them
        String pull = ok("pull", name);
        System.err.println("docker pull:\n" + pull);
        assertThat(count(pull, ": Pull complete")).as(pull).isEqualTo(2);
        assertThat(pull).containsPattern("Digest: sha256:[0-9a-f]{64}").contains("Status: Downloaded newer image for " + name);
        assertThat(ok("pull", name)).contains("Status: Image is up to date for " + name);
        assertThat(ok("run", "--rm", name, "ls", "-l", "/big")).contains("3145728");

        // the raw stream: byte counts with a bar while downloading and extracting
        ok("rmi", name);
        forgetLayers();
        Process curl = new ProcessBuilder("curl", "-sS", "--unix-socket", d.socket.toString(), "-X", "POST",
                "http://localhost/v1.47/images/create?fromImage=127.0.0.1:" + port + "/x&tag=1").redirectErrorStream(true).start();
        String raw = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        curl.waitFor();
        System.err.println("raw:\n" + raw);
        for (String status : List.of("Pulling fs layer", "Downloading", "Verifying Checksum", "Download complete", "Extracting", "Pull complete")) {
            assertThat(raw).as(status).contains("\"status\":\"" + status + "\"");
        }
        assertThat(raw).containsPattern("\"status\":\"Downloading\",\"progressDetail\":\\{\"current\":3\\d{6},\"total\":3\\d{6}\\},\"progress\":\"\\[=+>\\] +3\\.\\d+MB/3\\.\\d+MB\",\"id\":\"[0-9a-f]{12}\"");
    }
}
