package dev.berth.network.dns;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/**
 * Micro benchmark, printed: latency of one client asking in a loop (median, p99) and queries per second with
 * several clients at once, for names answered locally and for names forwarded to a second server.
 */
class DnsServerBenchmarkTest {
    private static final InetSocketAddress LOOPBACK = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final List<InetAddress> WEB = List.of(InetAddress.ofLiteral("10.88.0.2"));

    @Test
    void queriesPerSecondAndMedianLatency() throws Exception {
        var options = new DnsServer.Options(List.of("berth"), 60, Duration.ofSeconds(2));
        try (var upstream = DnsServer.start((l, n) -> n.equals("example.test") ? WEB : List.of(), List.of(), options)) {
            InetSocketAddress upstreamAddress = upstream.listen(LOOPBACK);
            try (var server = DnsServer.start((l, n) -> n.equals("web") ? WEB : List.of(), List.of(upstreamAddress),
                    options)) {
                InetSocketAddress dns = server.listen(LOOPBACK);
                long[] local = latencies(dns, "web", 20_000);
                double localQps = throughput(dns, "web", 8, Duration.ofSeconds(2));
                long[] forwarded = latencies(dns, "example.test", 5_000);
                double forwardedQps = throughput(dns, "example.test", 8, Duration.ofSeconds(2));
                System.out.printf("dns bench: local A over UDP: median %d µs, p99 %d µs; %.0f queries/s with 8 clients%n",
                        local[local.length / 2] / 1000, local[local.length * 99 / 100] / 1000, localQps);
                System.out.printf("dns bench: forwarded A over UDP: median %d µs, p99 %d µs; %.0f queries/s with 8 clients%n",
                        forwarded[forwarded.length / 2] / 1000, forwarded[forwarded.length * 99 / 100] / 1000,
                        forwardedQps);
                assertThat(local[local.length / 2]).as("median local latency, ns").isLessThan(5_000_000L);
                assertThat(localQps).isGreaterThan(1000);
            }
        }
    }

    /** Sorted latencies (ns) of {@code n} sequential queries from one socket, after a warm-up of n/5. */
    private static long[] latencies(InetSocketAddress dns, String name, int n) throws IOException {
        try (var socket = client(dns)) {
            for (int i = 0; i < n / 5; i++) {
                ask(socket, i, name);
            }
            long[] nanos = new long[n];
            for (int i = 0; i < n; i++) {
                long start = System.nanoTime();
                ask(socket, i, name);
                nanos[i] = System.nanoTime() - start;
            }
            Arrays.sort(nanos);
            return nanos;
        }
    }

    private static double throughput(InetSocketAddress dns, String name, int clients, Duration duration) throws Exception {
        long end = System.nanoTime() + duration.toNanos();
        long start = System.nanoTime();
        try (var pool = Executors.newFixedThreadPool(clients)) {
            var counts = new ArrayList<Future<Integer>>();
            for (int c = 0; c < clients; c++) {
                counts.add(pool.submit(() -> {
                    int done = 0;
                    try (var socket = client(dns)) {
                        while (System.nanoTime() < end) {
                            ask(socket, done, name);
                            done++;
                        }
                    }
                    return done;
                }));
            }
            long total = 0;
            for (var f : counts) {
                total += f.get();
            }
            return total / ((System.nanoTime() - start) / 1e9);
        }
    }

    private static DatagramSocket client(InetSocketAddress dns) throws IOException {
        var socket = new DatagramSocket(LOOPBACK);
        socket.connect(dns);
        socket.setSoTimeout(3000);
        return socket;
    }

    private static void ask(DatagramSocket socket, int id, String name) throws IOException {
        byte[] query = DnsTestClient.query(id & 0xFFFF, name, DnsTestClient.A, false);
        socket.send(new DatagramPacket(query, query.length));
        byte[] buffer = new byte[512];
        var reply = new DatagramPacket(buffer, buffer.length);
        socket.receive(reply);
        if (DnsTestClient.u16(buffer, 0) != (id & 0xFFFF) || (buffer[3] & 0xF) != 0 || DnsTestClient.u16(buffer, 6) != 1) {
            throw new IOException("unexpected reply to query " + id);
        }
    }
}
