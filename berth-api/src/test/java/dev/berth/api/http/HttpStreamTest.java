package dev.berth.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.oci.json.Json;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Chunked streams (pull, build, events, wait) and hijacked connections (attach, exec) over a Unix socket. */
class HttpStreamTest {
    @TempDir
    Path dir;
    Path socket;
    HttpServer server;
    Router router = new Router();
    final CountDownLatch clientSawFirst = new CountDownLatch(1);
    final CountDownLatch clientSawHead = new CountDownLatch(1);
    final CountDownLatch gone = new CountDownLatch(1);
    final AtomicReference<String> serverRead = new AtomicReference<>();

    @BeforeEach
    void start() throws IOException {
        socket = dir.resolve("api.sock");
        router.post("/images/create", (req, res) -> {
            StreamWriter w = res.stream(200, Response.JSON);
            w.writeJson(Json.obj("status", "Pulling from library/alpine", "id", "latest"));
            if (!clientSawFirst.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("client never saw message 1");
            w.writeJson(Map.of("status", "Digest: sha256:abc"));
            w.close();
        });
        router.post("/containers/{id}/wait", (req, res) -> {
            StreamWriter w = res.stream(200, Response.JSON);
            if (!clientSawHead.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("client never saw the head");
            Map<String, Object> reply = new java.util.LinkedHashMap<>();
            reply.put("StatusCode", 3);
            reply.put("Error", null);
            w.writeJson(reply);
            // returning ends the stream
        });
        router.get("/containers/{id}/logs", (req, res) -> {
            StreamWriter w = res.stream(200, Mux.MULTIPLEXED_STREAM);
            w.write(Mux.frame(Mux.STDOUT, "out\n".getBytes(StandardCharsets.UTF_8)));
            w.write(Mux.frame(Mux.STDERR, "err\n".getBytes(StandardCharsets.UTF_8)));
            w.write(new byte[0]);
            w.flush();
        });
        router.get("/events", (req, res) -> {
            StreamWriter w = res.stream(200, Response.JSON, gone::countDown);
            w.writeJson(Map.of("status", "start"));
            if (!gone.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("client-gone callback never ran");
            serverRead.set("gone");
        });
        router.post("/build", (req, res) -> {
            StreamWriter w = res.stream(200, Response.JSON);
            w.writeJson(Map.of("stream", "Step 1/2 : FROM alpine\n"));
            throw new IllegalStateException("builder crashed");
        });
        router.post("/containers/{id}/attach", (req, res) -> {
            Hijacked h = res.hijack(Mux.MULTIPLEXED_STREAM);
            if (!clientSawHead.await(10, TimeUnit.SECONDS)) throw new IllegalStateException("client never saw the 101");
            InputStream in = h.input();
            String stdin = new String(in.readAllBytes(), StandardCharsets.UTF_8); // -1 on the client's half-close
            serverRead.set(stdin);
            h.output().write(Mux.frame(Mux.STDOUT, ("got " + stdin).getBytes(StandardCharsets.UTF_8)));
            h.output().write(Mux.frame(Mux.STDERR, "bye".getBytes(StandardCharsets.UTF_8)));
            h.close();
        });
        router.post("/exec/{id}/start", (req, res) -> {
            String body = new String(req.body().readNBytes(10), StandardCharsets.UTF_8); // the rest is skipped
            Hijacked h = res.hijack(Mux.RAW_STREAM);
            byte[] early = h.input().readNBytes(5); // sent by the client together with the request
            h.output().write((body + "|" + new String(early, StandardCharsets.UTF_8)).getBytes(StandardCharsets.UTF_8));
            h.closeOutput();
            serverRead.set(new String(h.input().readAllBytes(), StandardCharsets.UTF_8));
        });
        server = HttpServer.start(UnixDomainSocketAddress.of(socket), router, new HttpServer.Listener() {
            @Override
            public void failure(String line, Throwable error) {
                // expected in streamFailureCutsTheConnection
            }
        });
    }

    @AfterEach
    void stop() {
        server.close(Duration.ofMillis(200));
    }

    @Test
    void eachMessageIsFlushedBeforeTheNextIsWritten() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            c.write("POST /v1.50/images/create?fromImage=alpine&tag=latest HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n");
            RawClient.Reply head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Transfer-Encoding")).isEqualTo("chunked");
            assertThat(head.header("Content-Type")).isEqualTo("application/json");
            assertThat(head.headers()).doesNotContainKey("Content-Length");
            // the server is blocked on the latch until this chunk arrives
            assertThat(new String(c.readChunk(), StandardCharsets.UTF_8))
                    .isEqualTo("{\"status\":\"Pulling from library/alpine\",\"id\":\"latest\"}\r\n");
            clientSawFirst.countDown();
            assertThat(new String(c.readChunk(), StandardCharsets.UTF_8)).isEqualTo("{\"status\":\"Digest: sha256:abc\"}\r\n");
            assertThat(c.readChunk()).isNull();
            assertThat(c.send("POST", "/containers/x/logs", "").status()).isEqualTo(404); // still usable
        }
    }

    @Test
    void streamHeadIsSentBeforeAnyMessage() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            c.write("POST /v1.50/containers/abc/wait?condition=next-exit HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n");
            RawClient.Reply head = c.readHead(); // the handler waits for this before writing anything
            assertThat(head.status()).isEqualTo(200);
            clientSawHead.countDown();
            assertThat(new String(c.readChunk(), StandardCharsets.UTF_8)).isEqualTo("{\"StatusCode\":3,\"Error\":null}\r\n");
            assertThat(c.readChunk()).isNull();
        }
    }

    @Test
    void bufferedWritesGoOutOnFlushAndEmptyWritesDoNotEndTheStream() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            RawClient.Reply r = c.get("/v1.50/containers/abc/logs?stdout=1&stderr=1");
            assertThat(r.header("Content-Type")).isEqualTo("application/vnd.docker.multiplexed-stream");
            assertThat(r.body()).containsExactly(concat(
                    new byte[] {1, 0, 0, 0, 0, 0, 0, 4}, "out\n".getBytes(StandardCharsets.UTF_8),
                    new byte[] {2, 0, 0, 0, 0, 0, 0, 4}, "err\n".getBytes(StandardCharsets.UTF_8)));
            assertThat(c.get("/v1.50/containers/abc/logs").status()).isEqualTo(200);
        }
    }

    @Test
    void clientLeavingAStreamIsNoticed() throws Exception {
        RawClient c = RawClient.connect(socket);
        c.write("GET /v1.50/events HTTP/1.1\r\nHost: docker\r\n\r\n");
        RawClient.Reply head = c.readHead();
        assertThat(head.header("Connection")).isEqualTo("close");
        assertThat(new String(c.readChunk(), StandardCharsets.UTF_8)).isEqualTo("{\"status\":\"start\"}\r\n");
        c.close();
        assertThat(gone.await(5, TimeUnit.SECONDS)).isTrue();
        for (int i = 0; i < 100 && server.connections() > 0; i++) Thread.sleep(10);
        assertThat(server.connections()).isZero();
    }

    @Test
    void failureAfterTheHeadCutsTheConnection() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            c.write("POST /v1.50/build HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n");
            assertThat(c.readHead().status()).isEqualTo(200);
            assertThat(c.readChunk()).isNotNull();
            assertThat(c.readToEof()).isEmpty(); // no terminating chunk: the client sees a truncated stream
        }
    }

    @Test
    void hijackSendsTheUpgradeFirstAndSurvivesTheClientsHalfClose() throws IOException {
        try (RawClient c = RawClient.connect(socket)) {
            c.write("POST /v1.50/containers/abc/attach?stream=1&stdin=1&stdout=1&stderr=1 HTTP/1.1\r\nHost: docker\r\n"
                    + "Content-Length: 0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n");
            assertThat(c.readLine()).isEqualTo("HTTP/1.1 101 UPGRADED");
            assertThat(c.readLine()).isEqualTo("Content-Type: application/vnd.docker.multiplexed-stream");
            assertThat(c.readLine()).isEqualTo("Connection: Upgrade");
            assertThat(c.readLine()).isEqualTo("Upgrade: tcp");
            String line;
            while (!(line = c.readLine()).isEmpty()) assertThat(line).matches("(Api-Version|Docker-Experimental|Ostype|Server): .*");
            assertThat(c.buffered()).isZero(); // nothing coalesced with the head
            clientSawHead.countDown();
            c.write("hello");
            c.shutdownOutput(); // as the CLI does when its stdin ends: not a detach
            byte[] rest = c.readToEof();
            assertThat(serverRead.get()).isEqualTo("hello");
            assertThat(rest).containsExactly(concat(
                    new byte[] {1, 0, 0, 0, 0, 0, 0, 9}, "got hello".getBytes(StandardCharsets.UTF_8),
                    new byte[] {2, 0, 0, 0, 0, 0, 0, 3}, "bye".getBytes(StandardCharsets.UTF_8)));
        }
    }

    @Test
    void hijackSkipsTheBodyKeepsBytesSentAfterItAndCanCloseItsOutputFirst() throws Exception {
        try (RawClient c = RawClient.connect(socket)) {
            String body = "{\"Detach\":false,\"Tty\":true}";
            c.write("POST /v1.50/exec/e1/start HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length() + "\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n" + body + "early");
            RawClient.Reply head = c.readHead();
            assertThat(head.status()).isEqualTo(101);
            assertThat(head.header("Content-Type")).isEqualTo("application/vnd.docker.raw-stream");
            assertThat(new String(c.readToEof(), StandardCharsets.UTF_8)).isEqualTo(body.substring(0, 10) + "|early");
            c.write("after the server half-closed");
            c.shutdownOutput();
            for (int i = 0; i < 200 && serverRead.get() == null; i++) Thread.sleep(10);
            assertThat(serverRead.get()).isEqualTo("after the server half-closed");
        }
    }

    /** docker-java (Testcontainers) starts an exec without the Upgrade headers: a 200 whose body is the stream. */
    @Test
    void hijackWithoutUpgradeHeadersAnswers200AndStreamsUntilClose() throws Exception {
        try (RawClient c = RawClient.connect(socket)) {
            String body = "{\"Detach\":false,\"Tty\":true}";
            c.write("POST /v1.50/exec/e1/start HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length() + "\r\n\r\n" + body + "early");
            RawClient.Reply head = c.readHead();
            assertThat(head.status()).isEqualTo(200);
            assertThat(head.header("Content-Type")).isEqualTo("application/vnd.docker.raw-stream");
            assertThat(head.header("Upgrade")).isNull();
            assertThat(head.header("Content-Length")).isNull();
            assertThat(new String(c.readToEof(), StandardCharsets.UTF_8)).isEqualTo(body.substring(0, 10) + "|early");
        }
    }

    @Test
    void muxFrameHeader() {
        byte[] big = new byte[70_000];
        byte[] f = Mux.frame(Mux.STDERR, big, 5, 66_000);
        assertThat(List.of(f[0], f[1], f[2], f[3], f[4], f[5], f[6], f[7]))
                .containsExactly((byte) 2, (byte) 0, (byte) 0, (byte) 0, (byte) 0, (byte) 1, (byte) 0x01, (byte) 0xD0);
        assertThat(f).hasSize(8 + 66_000);
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
