package dev.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.http.HttpServer;
import dev.berth.api.http.RawClient;
import dev.berth.api.http.Request;
import dev.berth.api.http.Router;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link SystemRoutes} on a real socket, first byte by byte, then with the real docker CLI 28 (client only)
 * pointed at it. The CLI tests skip, saying why, when /usr/local/bin/docker is absent.
 */
class DockerCliTest {
    @TempDir
    Path dir;
    Path socket;
    HttpServer server;
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> failures = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        socket = dir.resolve("berth.sock");
        Router router = new Router();
        SystemRoutes.register(router, () -> Map.of("Containers", 2, "ContainersRunning", 1, "ContainersStopped", 1,
                "Images", 3, "DockerRootDir", "/var/lib/berth-test"));
        server = HttpServer.start(UnixDomainSocketAddress.of(socket), router, new HttpServer.Listener() {
            @Override
            public void exchange(Request request, int status, long nanos) {
                requests.add(request.method() + " " + request.rawPath() + " " + status);
            }

            @Override
            public void failure(String line, Throwable error) {
                failures.add(line + ": " + error);
            }
        });
    }

    /** The listener hears of an exchange after its reply is out, so the CLI may exit first: wait a little. */
    void assertRequested(String... expected) throws InterruptedException {
        for (int i = 0; i < 200 && !requests.containsAll(List.of(expected)); i++) Thread.sleep(10);
        assertThat(requests).contains(expected);
    }

    @AfterEach
    void stop() {
        server.close(Duration.ofMillis(200));
        assertThat(failures).isEmpty();
    }

    @Test
    void pingHeadersAsMobySendsThem() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            c.write("HEAD /_ping HTTP/1.1\r\nHost: api.moby.localhost\r\n\r\n");
            RawClient.Reply head = c.read(true);
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.headers()).containsEntry("Api-Version", "1.50").containsEntry("Ostype", "linux")
                    .containsEntry("Docker-Experimental", "false").containsEntry("Builder-Version", "1")
                    .containsEntry("Swarm", "inactive").containsEntry("Cache-Control", "no-cache, no-store, must-revalidate")
                    .containsEntry("Content-Length", "0");
            RawClient.Reply get = c.get("/_ping");
            assertThat(get.text()).isEqualTo("OK");
            assertThat(get.header("Content-Type")).isEqualTo("text/plain; charset=utf-8");
            assertThat(get.header("Builder-Version")).isEqualTo("1");
        }
    }

    @Test
    void versionAndInfoFields() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            JsonObject v = Json.parseObject(c.get("/version").text(), "version");
            assertThat(v.string("ApiVersion")).isEqualTo("1.50");
            assertThat(v.string("MinAPIVersion")).isEqualTo("1.24");
            assertThat(v.string("Version")).isEqualTo("0.1.0");
            assertThat(v.string("Os")).isEqualTo("linux");
            assertThat(v.string("Arch")).isEqualTo("amd64");
            assertThat(v.string("KernelVersion")).isEqualTo(Files.readString(Path.of("/proc/sys/kernel/osrelease")).strip());
            JsonObject engine = v.objects("Components").getFirst();
            assertThat(engine.string("Name")).isEqualTo("Engine");
            assertThat(engine.object("Details").map()).containsKeys("ApiVersion", "MinAPIVersion", "Os", "Arch",
                    "KernelVersion", "GitCommit", "GoVersion", "BuildTime");

            JsonObject info = Json.parseObject(c.get("/v1.50/info").text(), "info");
            assertThat(info.longValue("Containers", -1)).isEqualTo(2);
            assertThat(info.longValue("Images", -1)).isEqualTo(3);
            assertThat(info.string("DockerRootDir")).isEqualTo("/var/lib/berth-test");
            assertThat(info.string("Driver")).isEqualTo("overlay2");
            assertThat(info.string("OSType")).isEqualTo("linux");
            assertThat(info.string("Architecture")).isEqualTo("x86_64");
            assertThat(info.string("ServerVersion")).isEqualTo("0.1.0");
            assertThat(info.object("Swarm").string("LocalNodeState")).isEqualTo("inactive");
            assertThat(info.longValue("NCPU", 0)).isPositive();
            assertThat(info.longValue("MemTotal", 0)).isPositive();
            assertThat(info.strings("Warnings")).isEmpty();
        }
    }

    @Test
    void dockerVersionNegotiates150() throws Exception {
        DockerCli.Result r = docker("version");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("Server: berth", "Version:          0.1.0", "API version:      1.50 (minimum version 1.24)");
        assertRequested("HEAD /_ping 200", "GET /v1.50/version 200"); // negotiated, no DOCKER_API_VERSION
    }

    @Test
    void dockerInfoPrintsTheServer() throws Exception {
        DockerCli.Result r = docker("info");
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.output()).contains("Server Version: 0.1.0", "Storage Driver: overlay2", "Cgroup Driver: cgroupfs",
                "Containers: 2", "Images: 3", "Docker Root Dir: /var/lib/berth-test", "OSType: linux", "Architecture: x86_64");
        assertRequested("GET /v1.50/info 200");
    }

    @Test
    void dockerInspectOfAnUnknownNameFallsThroughJson404s() throws Exception {
        DockerCli.Result r = docker("inspect", "nosuch");
        assertThat(r.exit()).as(r.output()).isEqualTo(1);
        assertThat(r.output()).contains("Error: No such object: nosuch");
        assertRequested("GET /v1.50/containers/nosuch/json 404", "GET /v1.50/images/nosuch/json 404");
    }

    /** Runs the CLI against this server; prints what it said and the requests it made. */
    DockerCli.Result docker(String... args) throws Exception {
        DockerCli.Result r = new DockerCli(socket, dir.resolve("docker-config")).run(args);
        System.out.println("requests: " + requests);
        return r;
    }
}
