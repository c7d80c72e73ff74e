package dev.berth.image.registry;

import org.junit.jupiter.api.Assumptions;

import javax.net.ssl.SSLContext;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;

/**
 * A real distribution registry (Debian's docker-registry) on 127.0.0.1 and a free port, storing under a test's
 * directory. Started as a child process and stopped by its handle (SIGTERM, then SIGKILL).
 */
final class LocalRegistry implements AutoCloseable {
    static final Path BINARY = Path.of("/usr/bin/docker-registry");

    final Process process;
    final int port;
    final Path dir;
    final boolean tls;

    private LocalRegistry(Process process, int port, Path dir, boolean tls) {
        this.process = process;
        this.port = port;
        this.dir = dir;
        this.tls = tls;
    }

    static void assumeInstalled() {
        Assumptions.assumeTrue(Files.isExecutable(BINARY), "docker-registry is not installed (scripts/setup installs it)");
    }

    static LocalRegistry start(Path dir) throws IOException {
        return start(dir, "", "");
    }

    /** {@code httpExtra}: lines under {@code http:} (two-space indented); {@code extra}: top-level YAML (auth, ...). */
    static LocalRegistry start(Path dir, String httpExtra, String extra) throws IOException {
        assumeInstalled();
        IOException last = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            int port = freePort();
            Path config = dir.resolve("config.yml");
            Files.writeString(config, """
                    version: 0.1
                    log:
                      level: warn
                      accesslog:
                        disabled: true
                    storage:
                      filesystem:
                        rootdirectory: %s
                      delete:
                        enabled: true
                    http:
                      addr: 127.0.0.1:%d
                    %s
                    %s
                    """.formatted(dir.resolve("data"), port, httpExtra.indent(2).stripTrailing(), extra));
            Process p = new ProcessBuilder(BINARY.toString(), "serve", config.toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("registry.log").toFile()).start();
            LocalRegistry r = new LocalRegistry(p, port, dir, httpExtra.contains("tls:"));
            try {
                r.awaitReady();
                return r;
            } catch (IOException e) {
                r.close();
                last = e;
            }
        }
        throw last;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getByName("127.0.0.1"))) {
            return s.getLocalPort();
        }
    }

    String address() {
        return "127.0.0.1:" + port;
    }

    String log() {
        try {
            return Files.readString(dir.resolve("registry.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }

    private void awaitReady() throws IOException {
        SSLContext trustAll = Tls.trustAll();
        try (HttpClient c = HttpClient.newBuilder().sslContext(trustAll).connectTimeout(Duration.ofSeconds(1)).build()) {
            URI uri = URI.create((tls ? "https://" : "http://") + address() + "/v2/");
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (System.nanoTime() < deadline) {
                if (!process.isAlive()) throw new IOException("docker-registry exited with " + process.exitValue() + ": " + log());
                try {
                    int s = c.send(HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
                    if (s == 200 || s == 401) return;
                } catch (IOException e) {
                    // not listening yet
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        }
        throw new IOException("docker-registry did not answer on " + address() + " within 15 s: " + log());
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(5, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }
}
