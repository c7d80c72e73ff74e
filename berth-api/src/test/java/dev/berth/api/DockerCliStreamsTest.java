package dev.berth.api;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.http.ApiException;
import dev.berth.api.http.HttpServer;
import dev.berth.api.http.Hijacked;
import dev.berth.api.http.Mux;
import dev.berth.api.http.Request;
import dev.berth.api.http.Response;
import dev.berth.api.http.Router;
import dev.berth.api.http.StreamWriter;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The transport under the real docker CLI's streaming commands: a chunked JSON stream ({@code pull}), a
 * stream whose head goes out before its only message ({@code wait}), multiplexed frames ({@code logs}) and a
 * hijacked connection with the CLI's half-close ({@code exec}, with and without stdin). The endpoints are
 * fakes that answer as moby does; what is checked is what the CLI makes of the bytes.
 */
class DockerCliStreamsTest {
    static final String ID = "4f".repeat(32);
    static final String EXEC = "e1".repeat(32);

    @TempDir
    Path dir;
    Path socket;
    HttpServer server;
    final List<String> requests = new CopyOnWriteArrayList<>();
    final List<String> failures = new CopyOnWriteArrayList<>();
    volatile String execCmd;
    volatile String buildRequest;

    @BeforeEach
    void start() throws IOException {
        socket = dir.resolve("berth.sock");
        Router router = new Router();
        SystemRoutes.register(router, Map::of);
        router.get("/containers/{id}/json", (req, res) -> res.json(200, Json.obj("Id", container(req), "Name", "/web",
                "Config", Json.obj("Tty", false, "OpenStdin", false), "State", Json.obj("Running", true, "Paused", false,
                        "Restarting", false))));
        router.post("/containers/{id}/exec", (req, res) -> {
            container(req);
            execCmd = String.join(" ", req.json().strings("Cmd"));
            res.json(201, Map.of("Id", EXEC));
        });
        router.post("/exec/{id}/start", DockerCliStreamsTest::execStart);
        router.get("/exec/{id}/json", (req, res) -> res.json(200, Json.obj("ID", EXEC, "Running", false, "ExitCode", 3,
                "ContainerID", ID, "Pid", 0, "OpenStdin", false)));
        router.post("/containers/{id}/wait", (req, res) -> {
            container(req);
            StreamWriter w = res.stream(200, Response.JSON);
            Thread.sleep(200); // the exit comes later; the head is already out
            Map<String, Object> reply = new LinkedHashMap<>();
            reply.put("StatusCode", 7);
            reply.put("Error", null);
            w.writeJson(reply);
        });
        router.get("/containers/{id}/logs", (req, res) -> {
            container(req);
            StreamWriter w = res.stream(200, Mux.MULTIPLEXED_STREAM);
            for (int i = 1; i <= 3; i++) {
                w.write(Mux.frame(Mux.STDOUT, ("out " + i + "\n").getBytes(StandardCharsets.UTF_8)));
                w.write(Mux.frame(Mux.STDERR, ("err " + i + "\n").getBytes(StandardCharsets.UTF_8)));
                w.flush();
            }
        });
        router.post("/images/create", DockerCliStreamsTest::pull);
        router.post("/build", (req, res) -> {
            long n = req.body().transferTo(OutputStream.nullOutputStream());
            buildRequest = req.header("Transfer-Encoding") + " " + n + " bytes, tags " + req.queryAll("t");
            StreamWriter w = res.stream(200, Response.JSON);
            w.writeJson(Json.obj("stream", "Step 1/1 : FROM alpine\n"));
            w.writeJson(Json.obj("aux", Json.obj("ID", "sha256:" + "ab".repeat(32))));
            w.writeJson(Json.obj("stream", "Successfully built abababababab\n"));
        });
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

    static String container(Request req) {
        String id = req.param("id");
        if (!id.equals("web") && !ID.startsWith(id)) throw ApiException.notFound("No such container: " + id);
        return ID;
    }

    /** Echoes what the client sent until its half-close, framed as stdout, then a stderr line, then closes. */
    static void execStart(Request req, Response res) throws Exception {
        JsonObject body = req.json();
        if (body.bool("Detach")) {
            res.empty(200);
            return;
        }
        Hijacked h = res.hijack(Mux.MULTIPLEXED_STREAM);
        byte[] stdin = h.input().readAllBytes(); // -1 at the CLI's CloseWrite: not a detach
        h.output().write(Mux.frame(Mux.STDOUT, ("got: " + new String(stdin, StandardCharsets.UTF_8) + "\n").getBytes(StandardCharsets.UTF_8)));
        h.output().write(Mux.frame(Mux.STDERR, "exec done\n".getBytes(StandardCharsets.UTF_8)));
        h.close();
    }

    static void pull(Request req, Response res) throws Exception {
        String image = req.query("fromImage"), tag = req.query("tag", "latest");
        StreamWriter w = res.stream(200, Response.JSON);
        w.writeJson(Json.obj("status", "Pulling from " + image.replace("docker.io/", ""), "id", tag));
        if (image.contains("nosuch")) {
            String msg = "pull access denied for " + image + ", repository does not exist";
            w.writeJson(Json.obj("errorDetail", Json.obj("message", msg), "error", msg));
            return;
        }
        w.writeJson(Json.obj("status", "Pulling fs layer", "progressDetail", Map.of(), "id", "0123456789ab"));
        w.writeJson(Json.obj("status", "Pull complete", "progressDetail", Map.of(), "id", "0123456789ab"));
        w.writeJson(Json.obj("status", "Digest: sha256:" + "ab".repeat(32)));
        w.writeJson(Json.obj("status", "Status: Downloaded newer image for " + image.replace("docker.io/library/", "") + ":" + tag));
    }

    DockerCli cli() {
        return new DockerCli(socket, dir.resolve("docker-config"));
    }

    @Test
    void execWithoutStdinHalfClosesAndExitsWithTheExecsCode() throws Exception {
        DockerCli.Result r = cli().run("exec", "web", "sh", "-c", "exit 3");
        assertThat(r.stdout()).isEqualTo("got: \n");
        assertThat(r.stderr()).isEqualTo("exec done\n");
        assertThat(r.exit()).isEqualTo(3);
        assertThat(execCmd).isEqualTo("sh -c exit 3");
        assertRequested("POST /v1.50/exec/" + EXEC + "/start 101", "GET /v1.50/exec/" + EXEC + "/json 200");
    }

    @Test
    void execWithStdinSendsItRawThenHalfCloses() throws Exception {
        DockerCli.Result r = cli().run("hello stdin".getBytes(StandardCharsets.UTF_8), "exec", "-i", "web", "cat");
        assertThat(r.stdout()).isEqualTo("got: hello stdin\n");
        assertThat(r.exit()).isEqualTo(3);
    }

    @Test
    void execOnAnUnknownContainerIsTheDaemonsError() throws Exception {
        DockerCli.Result r = cli().run("exec", "nosuch", "true");
        assertThat(r.exit()).isNotZero();
        assertThat(r.stderr()).contains("Error response from daemon: No such container: nosuch");
    }

    @Test
    void waitPrintsTheStatusSentAfterTheHead() throws Exception {
        DockerCli.Result r = cli().run("wait", "web");
        assertThat(r.exit()).isZero();
        assertThat(r.stdout()).isEqualTo("7\n");
    }

    @Test
    void logsDemultiplexesStdoutAndStderr() throws Exception {
        DockerCli.Result r = cli().run("logs", "web");
        assertThat(r.exit()).isZero();
        assertThat(r.stdout()).isEqualTo("out 1\nout 2\nout 3\n");
        assertThat(r.stderr()).isEqualTo("err 1\nerr 2\nerr 3\n");
    }

    @Test
    void pullReadsTheJsonStreamAndInBandErrors() throws Exception {
        DockerCli.Result ok = cli().run("pull", "alpine");
        assertThat(ok.exit()).isZero();
        assertThat(ok.stdout()).contains("Status: Downloaded newer image for alpine:latest", "docker.io/library/alpine:latest");
        assertRequested("POST /v1.50/images/create 200");

        DockerCli.Result bad = cli().run("pull", "nosuch");
        assertThat(bad.exit()).isEqualTo(1);
        assertThat(bad.stderr()).contains("pull access denied for docker.io/library/nosuch, repository does not exist");
    }

    @Test
    void buildSendsItsContextChunked() throws Exception {
        Path ctx = Files.createDirectories(dir.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM alpine\n");
        byte[] blob = new byte[3 * 1024 * 1024];
        new Random(3).nextBytes(blob);
        Files.write(ctx.resolve("blob"), blob);
        Path iid = dir.resolve("iid");
        DockerCli.Result r = cli().run("build", "-t", "myimg:1", "-t", "other", "--iidfile", iid.toString(), ctx.toString());
        assertThat(r.exit()).as(r.output()).isZero();
        assertThat(r.stdout()).contains("Step 1/1 : FROM alpine", "Successfully built abababababab");
        assertThat(Files.readString(iid)).isEqualTo("sha256:" + "ab".repeat(32));
        // a tar of the two files: headers, 3 MiB of data, padding, end blocks
        assertThat(buildRequest).matches("chunked \\d+ bytes, tags \\[myimg:1, other\\]");
        assertThat(Long.parseLong(buildRequest.split(" ")[1])).isGreaterThan(blob.length);
    }
}
