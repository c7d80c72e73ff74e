package dev.berth.api.http;

import dev.berth.oci.json.Json;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A handler that fails unexpectedly: the client gets a 500 whose {@code {"message"}} is one line (never a stack
 * trace, never a multi-line text), the default listener writes the stack trace to stderr, and the connection
 * serves the next request.
 */
class ServerFaultTest {
    @TempDir
    Path dir;

    @Test
    void unexpectedFailures_oneLine500_stackTraceToStderr() throws Exception {
        Router r = new Router()
                .get("/multi", (q, s) -> { throw new IllegalStateException("first line\nsecond line\n\tat fake.Frame(Fake.java:1)"); })
                .get("/null", (q, s) -> { throw new RuntimeException(); })
                .get("/deep", (q, s) -> recurse(0))
                .get("/bad", (q, s) -> { throw ApiException.badRequest("bad\nvalue"); })
                .get("/ok", (q, s) -> s.text(200, "fine"));
        PrintStream err = System.err;
        ByteArrayOutputStream log = new ByteArrayOutputStream();
        System.setErr(new PrintStream(log, true, StandardCharsets.UTF_8));
        try (HttpServer server = HttpServer.start(UnixDomainSocketAddress.of(dir.resolve("s.sock")), r);
             RawClient c = RawClient.connect(dir.resolve("s.sock"))) {
            assertThat(message(c.get("/multi"), 500)).isEqualTo("first line");
            assertThat(message(c.get("/null"), 500)).isEqualTo("internal server error (RuntimeException)");
            assertThat(message(c.get("/deep"), 500)).isEqualTo("internal server error (StackOverflowError)");
            assertThat(message(c.get("/bad"), 400)).isEqualTo("bad");
            assertThat(c.get("/ok").text()).isEqualTo("fine");
        } finally {
            System.setErr(err);
        }
        String logged = log.toString(StandardCharsets.UTF_8);
        assertThat(logged).contains("berth api: GET /multi: java.lang.IllegalStateException: first line")
                .contains("\tat dev.berth.api.http.ServerFaultTest")
                .contains("berth api: GET /null: java.lang.RuntimeException")
                .contains("berth api: GET /deep: java.lang.StackOverflowError")
                .doesNotContain("GET /bad"); // an ApiException is an answer, not a fault
    }

    private static int recurse(int n) {
        return recurse(n + 1) + 1;
    }

    private static String message(RawClient.Reply reply, int status) {
        assertThat(reply.status()).as(reply.text()).isEqualTo(status);
        assertThat(reply.header("Content-Type")).isEqualTo("application/json");
        assertThat(reply.text()).doesNotContain("\\n").doesNotContain("\\tat ");
        return Json.parseObject(reply.text(), "reply").string("message");
    }
}
