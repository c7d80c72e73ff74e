package dev.berth.api.http;

import static org.assertj.core.api.Assertions.assertThat;

import dev.berth.api.SystemRoutes;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Per-request overhead: {@code GET /_ping} round trips on one kept-alive Unix-socket connection, as the docker
 * CLI makes them. Prints the median and p99 of 1000 after a warm-up; fails only if something is badly off.
 */
class HttpPingLatencyTest {
    @TempDir
    Path dir;

    @Test
    void pingRoundTripOnAKeptAliveConnection() throws Exception {
        Path socket = dir.resolve("api.sock");
        Router router = new Router();
        SystemRoutes.register(router, Map::of);
        try (HttpServer server = HttpServer.start(UnixDomainSocketAddress.of(socket), router);
             RawClient c = RawClient.connect(socket)) {
            for (int i = 0; i < 5000; i++) c.get("/_ping");
            long[] t = new long[1000];
            for (int i = 0; i < t.length; i++) {
                long t0 = System.nanoTime();
                RawClient.Reply r = c.get("/_ping");
                t[i] = System.nanoTime() - t0;
                if (r.status() != 200) throw new AssertionError("ping " + i + ": " + r.status());
            }
            Arrays.sort(t);
            double median = t[500] / 1000.0, p99 = t[990] / 1000.0;
            System.out.printf("GET /_ping round trip over a kept-alive Unix socket: median %.1f us, p99 %.1f us, min %.1f us%n",
                    median, p99, t[0] / 1000.0);
            assertThat(Duration.ofNanos(t[500])).isLessThan(Duration.ofMillis(2));

            // what each docker CLI invocation pays once: connect, ping, close
            for (int i = 0; i < t.length; i++) {
                long t0 = System.nanoTime();
                try (RawClient fresh = RawClient.connect(socket)) {
                    if (fresh.get("/_ping").status() != 200) throw new AssertionError("ping on connection " + i);
                }
                t[i] = System.nanoTime() - t0;
            }
            Arrays.sort(t);
            System.out.printf("connect + GET /_ping + close: median %.1f us, p99 %.1f us%n", t[500] / 1000.0, t[990] / 1000.0);
            for (int i = 0; i < 100 && server.connections() > 1; i++) Thread.sleep(10);
            assertThat(server.connections()).isEqualTo(1); // the kept-alive one; the 1000 others are gone
        }
    }
}
