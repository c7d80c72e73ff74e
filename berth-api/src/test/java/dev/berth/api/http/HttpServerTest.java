package dev.berth.api.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.oci.json.Json;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server over a real Unix socket, checked byte by byte with a hand-written client. */
class HttpServerTest {
    @TempDir
    Path dir;
    Path socket;
    HttpServer server;
    final List<String> failures = new CopyOnWriteArrayList<>();

    @BeforeEach
    void start() throws IOException {
        socket = dir.resolve("api.sock");
        Router r = new Router();
        r.get("/_ping", (req, res) -> res.text(200, "OK"));
        r.get("/echo/info", (req, res) -> res.json(200, Json.obj(
                "path", req.path(), "raw", req.rawPath(), "version", req.apiVersion() == null ? "none" : req.apiVersion(),
                "query", req.query(), "t", req.queryAll("t"))));
        r.post("/echo/body", (req, res) -> {
            byte[] b = req.body().readAllBytes();
            res.json(200, Json.obj("length", b.length, "sha256", sha256(b)));
        });
        r.post("/ignore/body", (req, res) -> res.empty(204));
        r.delete("/things/{id}", (req, res) -> res.empty(204));
        r.get("/images/{name*}/json", (req, res) -> res.json(200, Map.of("name", req.param("name"))));
        r.delete("/images/{name*}", (req, res) -> res.json(200, List.of(Map.of("Untagged", req.param("name")))));
        r.get("/filters", (req, res) -> res.json(200, req.filters()));
        r.post("/json", (req, res) -> res.json(201, req.json().map()));
        r.post("/fail/npe", (req, res) -> { throw new NullPointerException("no container config"); });
        r.post("/fail/conflict", (req, res) -> { throw ApiException.conflict("name \"/web\" is already in use"); });
        r.post("/fail/started", (req, res) -> { throw ApiException.notModified(); });
        r.get("/silent", (req, res) -> { });
        server = HttpServer.start(UnixDomainSocketAddress.of(socket), r, new HttpServer.Listener() {
            @Override
            public void failure(String line, Throwable error) {
                failures.add(line + ": " + error);
            }
        });
    }

    @AfterEach
    void stop() {
        server.close(Duration.ofMillis(200));
    }

    static String sha256(byte[] b) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
    }

    @Test
    void keepAliveServesTwoRequestsOnOneConnectionWithCommonHeaders() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            for (int i = 0; i < 2; i++) {
                RawClient.Reply r = c.get("/_ping");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.text()).isEqualTo("OK");
                assertThat(r.header("Content-Length")).isEqualTo("2");
                assertThat(r.header("Api-Version")).isEqualTo("1.50");
                assertThat(r.header("Server")).isEqualTo("Docker/0.1.0 (linux)");
                assertThat(r.header("Docker-Experimental")).isEqualTo("false");
                assertThat(r.header("Ostype")).isEqualTo("linux");
            }
            assertThat(server.connections()).isEqualTo(1);
        }
    }

    @Test
    void manyClientsAtOnce() throws Exception {
        List<Thread> clients = new java.util.ArrayList<>();
        List<Throwable> errors = new CopyOnWriteArrayList<>();
        for (int i = 0; i < 32; i++) {
            int n = i;
            clients.add(Thread.ofVirtual().start(() -> {
                try (RawClient c = RawClient.connect(socket)) {
                    for (int k = 0; k < 100; k++) {
                        String body = "client " + n + " request " + k;
                        RawClient.Reply r = c.send("POST", "/echo/body", body);
                        assertThat(r.text()).contains(sha256(body.getBytes(StandardCharsets.UTF_8)));
                        assertThat(c.get("/images/c" + n + "/r" + k + "/json").text()).isEqualTo("{\"name\":\"c" + n + "/r" + k + "\"}");
                    }
                } catch (Throwable t) {
                    errors.add(t);
                }
            }));
        }
        for (Thread t : clients) t.join(30_000);
        assertThat(errors).isEmpty();
        assertThat(failures).isEmpty();
    }

    @Test
    void socketIsGroupReadableOnly() throws IOException {
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(socket))).isEqualTo("rw-rw----");
    }

    @Test
    void contentLengthBodyArrivesAndTheConnectionStaysUsable() throws Exception {
        try (RawClient c = RawClient.connect(socket)) {
            RawClient.Reply r = c.send("POST", "/v1.50/echo/body", "{\"Image\":\"alpine\"}");
            assertThat(Json.parseObject(r.text(), "reply").map())
                    .containsEntry("length", 18L)
                    .containsEntry("sha256", sha256("{\"Image\":\"alpine\"}".getBytes(StandardCharsets.UTF_8)));
            assertThat(c.get("/_ping").status()).isEqualTo(200);
        }
    }

    @Test
    void fiveMegabyteChunkedBodyArrivesIntact() throws Exception {
        byte[] body = new byte[5 * 1024 * 1024];
        new Random(7).nextBytes(body);
        try (RawClient c = RawClient.connect(socket)) {
            c.write("POST /v1.50/echo/body HTTP/1.1\r\nHost: docker\r\nContent-Type: application/x-tar\r\n"
                    + "Transfer-Encoding: chunked\r\n\r\n");
            Random sizes = new Random(11);
            for (int off = 0; off < body.length; ) {
                int n = Math.min(body.length - off, 1 + sizes.nextInt(100_000));
                c.write(Integer.toHexString(n) + (sizes.nextBoolean() ? ";ext=1" : "") + "\r\n");
                c.write(java.util.Arrays.copyOfRange(body, off, off + n));
                c.write("\r\n");
                off += n;
            }
            c.write("0\r\nX-Trailer: ignored\r\n\r\n");
            RawClient.Reply r = c.read(false);
            assertThat(r.status()).isEqualTo(200);
            assertThat(Json.parseObject(r.text(), "reply").map())
                    .containsEntry("length", (long) body.length)
                    .containsEntry("sha256", sha256(body));
            assertThat(c.get("/_ping").text()).isEqualTo("OK");
        }
    }

    @Test
    void bodyTheHandlerIgnoredIsSkippedBeforeTheNextRequest() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            assertThat(c.send("POST", "/ignore/body", "x".repeat(10_000)).status()).isEqualTo(204);
            assertThat(c.get("/_ping").text()).isEqualTo("OK");
        }
    }

    @Test
    void noContentHasNoBodyAndNoLength() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            c.write("DELETE /v1.50/things/abc HTTP/1.1\r\nHost: docker\r\n\r\n");
            RawClient.Reply r = c.readHead();
            assertThat(r.status()).isEqualTo(204);
            assertThat(r.headers()).doesNotContainKeys("Content-Length", "Transfer-Encoding", "Content-Type");
            assertThat(c.buffered()).isZero();
            assertThat(c.get("/_ping").text()).isEqualTo("OK"); // nothing stray between the replies
        }
    }

    @Test
    void unknownRoutesAndWrongMethodsAreJson404s() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            for (String req : List.of("GET /v1.50/containers/nosuch/json", "GET /plugins/x/json", "POST /_ping",
                    "GET /v1.50", "PUT /things/abc")) {
                c.write(req + " HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n");
                RawClient.Reply r = c.read(false);
                assertThat(r.status()).as(req).isEqualTo(404);
                assertThat(r.header("Content-Type")).isEqualTo("application/json");
                assertThat(r.text()).isEqualTo("{\"message\":\"page not found\"}");
                assertThat(r.header("Api-Version")).isEqualTo("1.50");
            }
        }
    }

    @Test
    void greedyNamesKeepSlashesAndColons() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            assertThat(c.get("/v1.50/images/localhost:5000/a/b:c/json").text()).isEqualTo("{\"name\":\"localhost:5000/a/b:c\"}");
            assertThat(c.get("/images/nginx:alpine/json").text()).isEqualTo("{\"name\":\"nginx:alpine\"}");
            assertThat(c.get("/images/sha256%3Aabc/json").text()).isEqualTo("{\"name\":\"sha256:abc\"}");
            c.write("DELETE /v1.50/images/a/b:c HTTP/1.1\r\nHost: docker\r\n\r\n");
            assertThat(c.read(false).text()).isEqualTo("[{\"Untagged\":\"a/b:c\"}]");
            assertThat(c.get("/images/json").status()).isEqualTo(404);
        }
    }

    @Test
    void versionPrefixIsOptionalAndChecked() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            assertThat(c.get("/v1.50/echo/info?a=1").text())
                    .isEqualTo("{\"path\":\"/echo/info\",\"raw\":\"/v1.50/echo/info\",\"version\":\"1.50\",\"query\":{\"a\":[\"1\"]},\"t\":[]}");
            assertThat(c.get("/echo/info").text()).contains("\"path\":\"/echo/info\"", "\"version\":\"none\"");
            assertThat(c.get("/v1.24/echo/info").text()).contains("\"version\":\"1.24\"");
            RawClient.Reply tooNew = c.get("/v1.51/echo/info");
            assertThat(tooNew.status()).isEqualTo(400);
            assertThat(tooNew.text()).isEqualTo("{\"message\":\"client version 1.51 is too new. Maximum supported API version is 1.50\"}");
            RawClient.Reply tooOld = c.get("/v1.12/echo/info");
            assertThat(tooOld.status()).isEqualTo(400);
            assertThat(tooOld.text()).contains("client version 1.12 is too old. Minimum supported API version is 1.24");
            assertThat(c.get("/vx/echo/info").status()).isEqualTo(404);
        }
    }

    @Test
    void queryParametersAreDecodedAndRepeatable() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            String r = c.get("/v1.50/echo/info?t=myimg%3Alatest&t=other&buildargs=%7B%22A%22%3A%221%22%7D&q=a+b&flag").text();
            assertThat(r).contains("\"t\":[\"myimg:latest\",\"other\"]", "\"buildargs\":[\"{\\\"A\\\":\\\"1\\\"}\"]",
                    "\"q\":[\"a b\"]", "\"flag\":[\"\"]");
        }
    }

    @Test
    void filtersInBothShapes() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            String cli = java.net.URLEncoder.encode("{\"label\":{\"a=b\":true},\"status\":{\"exited\":true}}", StandardCharsets.UTF_8);
            assertThat(c.get("/v1.50/filters?filters=" + cli).text()).isEqualTo("{\"label\":[\"a=b\"],\"status\":[\"exited\"]}");
            String py = java.net.URLEncoder.encode("{\"label\":[\"a=b\",\"c=d\"]}", StandardCharsets.UTF_8);
            assertThat(c.get("/v1.50/filters?filters=" + py).text()).isEqualTo("{\"label\":[\"a=b\",\"c=d\"]}");
            assertThat(c.get("/v1.50/filters").text()).isEqualTo("{}");
            RawClient.Reply bad = c.get("/v1.50/filters?filters=%7Bnope");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.text()).startsWith("{\"message\":\"invalid filters: ");
        }
    }

    @Test
    void jsonBodiesParseAndBadJsonIsA400() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            RawClient.Reply ok = c.send("POST", "/json", "{\"Name\":\"web\",\"Tty\":true}");
            assertThat(ok.status()).isEqualTo(201);
            assertThat(ok.text()).isEqualTo("{\"Name\":\"web\",\"Tty\":true}");
            assertThat(c.send("POST", "/json", "").text()).isEqualTo("{}");
            RawClient.Reply bad = c.send("POST", "/json", "{\"Name\":");
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.text()).startsWith("{\"message\":\"request body:1:9: ");
        }
    }

    @Test
    void handlerExceptionsBecomeJsonErrorsAndTheConnectionStaysUsable() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            RawClient.Reply npe = c.send("POST", "/v1.50/fail/npe", "");
            assertThat(npe.status()).isEqualTo(500);
            assertThat(npe.header("Content-Type")).isEqualTo("application/json");
            assertThat(npe.text()).isEqualTo("{\"message\":\"no container config\"}");
            assertThat(failures).singleElement().asString()
                    .isEqualTo("POST /v1.50/fail/npe: java.lang.NullPointerException: no container config");

            RawClient.Reply conflict = c.send("POST", "/fail/conflict", "");
            assertThat(conflict.status()).isEqualTo(409);
            assertThat(conflict.text()).isEqualTo("{\"message\":\"name \\\"/web\\\" is already in use\"}");

            c.write("POST /fail/started HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n");
            RawClient.Reply notModified = c.readHead();
            assertThat(notModified.status()).isEqualTo(304);
            assertThat(notModified.headers()).doesNotContainKey("Content-Length");

            RawClient.Reply silent = c.get("/silent");
            assertThat(silent.status()).isEqualTo(500);
            assertThat(silent.text()).contains("sent no reply");

            assertThat(c.get("/_ping").text()).isEqualTo("OK");
            assertThat(failures).hasSize(2); // ApiExceptions are not logged
        }
    }

    @Test
    void malformedRequestIsA400AndTheConnectionCloses() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            c.write("GET /_ping HTTP/1.1\r\nHost: docker\r\nContent-Length: nope\r\n\r\n");
            RawClient.Reply r = c.read(false);
            assertThat(r.status()).isEqualTo(400);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(r.text()).contains("bad Content-Length");
            assertThat(c.readToEof()).isEmpty();
        }
    }

    @Test
    void connectionCloseIsHonoured() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            c.write("GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n");
            RawClient.Reply r = c.read(false);
            assertThat(r.header("Connection")).isEqualTo("close");
            assertThat(c.readToEof()).isEmpty();
        }
    }

    @Test
    void closeDropsIdleConnectionsAndTheSocketFile() throws Exception {
        RawClient idle = RawClient.connect(socket);
        assertThat(idle.get("/_ping").status()).isEqualTo(200);
        long t0 = System.nanoTime();
        server.close(Duration.ofSeconds(5));
        assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(2));
        assertThat(idle.readToEof()).isEmpty();
        assertThat(server.connections()).isZero();
        assertThat(socket).doesNotExist();
        idle.close();
    }

    @Test
    void servesLoopbackTcpToo() throws IOException {
        Router r = new Router().get("/_ping", (req, res) -> res.text(200, "OK"));
        try (HttpServer tcp = HttpServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), r);
             RawClient c = RawClient.connect(tcp.address())) {
            assertThat(((InetSocketAddress) tcp.address()).getPort()).isPositive();
            assertThat(c.get("/_ping").text()).isEqualTo("OK");
            assertThat(c.get("/v1.50/_ping").text()).isEqualTo("OK");
        }
    }

    @Test
    void staleSocketIsReplacedButALiveOneOrAFileIsNot() throws Exception {
        Path other = dir.resolve("other.sock");
        // a socket file nobody listens on any more
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(other));
        }
        assertThat(other).exists();
        try (HttpServer s = HttpServer.start(UnixDomainSocketAddress.of(other), new Router());
             RawClient c = RawClient.connect(other)) {
            assertThat(s.address()).isEqualTo(UnixDomainSocketAddress.of(other));
            assertThat(c.get("/_ping").status()).isEqualTo(404);
            assertThatThrownBy(() -> HttpServer.start(UnixDomainSocketAddress.of(other), new Router()))
                    .hasMessageContaining("another server is listening on it");
        }
        Path file = dir.resolve("file");
        Files.writeString(file, "keep me");
        assertThatThrownBy(() -> HttpServer.start(UnixDomainSocketAddress.of(file), new Router()))
                .hasMessage("cannot listen on " + file + ": it exists and is not a socket");
        assertThat(file).hasContent("keep me");
    }
}
