package dev.berth.network.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * As the daemon will use it: the server on port 53 of a gateway address (the host end of a veth pair), asked by
 * busybox's nslookup from inside a network namespace, as a container would. Needs root; the namespace and the
 * veth pair are this test's own (random names) and are removed afterwards, even on failure.
 */
class DnsNamespaceTest {
    private final String id = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
    private final String netns = "bdns-" + id;
    private final String hostEnd = "bdns" + id + "h";
    private final String nsEnd = "bdns" + id + "c";
    /** A /30 in 198.18.0.0/15 (benchmarking addresses, never routed): .1 the gateway, .2 the "container". */
    private final int subnet = ThreadLocalRandom.current().nextInt(1, 255);
    private final String gateway = "198.18." + subnet + ".1";
    private final String container = "198.18." + subnet + ".2";
    private final List<AutoCloseable> cleanup = new ArrayList<>();

    @BeforeEach
    void needsRoot() throws IOException {
        boolean root = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .anyMatch(l -> l.matches("Uid:\\s+\\d+\\s+0\\s.*"));
        if (!root) {
            System.out.println("DnsNamespaceTest skipped: creating a network namespace and binding port 53 needs root");
        }
        assumeTrue(root, "needs root");
        assumeTrue(Files.isExecutable(Path.of("/usr/bin/busybox")), "needs busybox (scripts/setup installs it)");
    }

    @AfterEach
    void removeAll() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
        sh(false, "ip", "netns", "del", netns);
        sh(false, "ip", "link", "del", hostEnd);
        assertThat(sh(false, "ip", "link", "show", hostEnd)).as("veth left behind").contains("does not exist");
        assertThat(Files.exists(Path.of("/run/netns", netns))).as("netns left behind").isFalse();
    }

    @Test
    void busyboxNslookupInANamespaceResolvesContainersAndForwardsTheRest() throws Exception {
        sh(true, "ip", "link", "add", hostEnd, "type", "veth", "peer", "name", nsEnd);
        sh(true, "ip", "netns", "add", netns);
        sh(true, "ip", "link", "set", nsEnd, "netns", netns);
        sh(true, "ip", "addr", "add", gateway + "/30", "dev", hostEnd);
        sh(true, "ip", "link", "set", hostEnd, "up");
        sh(true, "ip", "-n", netns, "addr", "add", container + "/30", "dev", nsEnd);
        sh(true, "ip", "-n", netns, "link", "set", nsEnd, "up");
        sh(true, "ip", "-n", netns, "link", "set", "lo", "up");

        var options = new DnsServer.Options(List.of("berth"), 60, Duration.ofSeconds(1));
        var upstream = DnsServer.start((l, n) -> n.equals("example.test") ? List.of(ip("192.0.2.7")) : List.of(),
                List.of(), options);
        cleanup.add(upstream);
        // the "host's nameserver" is on 127.0.0.1: out of the namespace's reach, but the server forwards, not it
        InetSocketAddress upstreamAddress = upstream.listen(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        var gatewayAddress = new InetSocketAddress(ip(gateway), 53);
        var listeners = java.util.concurrent.ConcurrentHashMap.<InetSocketAddress>newKeySet();
        var server = DnsServer.start((listener, name) -> {
            listeners.add(listener);
            return name.equals("web") ? List.of(ip("10.88.0.2")) : List.of();
        }, List.of(upstreamAddress), options);
        cleanup.add(server);
        assertThat(server.listen(gatewayAddress)).isEqualTo(gatewayAddress);

        String web = nslookup("web");
        String webBerth = nslookup("web.berth");
        String forwarded = nslookup("example.test");
        String unknown = nslookup("nosuch.test");

        // busybox also asks AAAA: an NXDOMAIN there would print "can't find web"; the empty NOERROR prints nothing
        assertThat(web).contains("Address: 10.88.0.2").doesNotContain("can't find");
        assertThat(webBerth).contains("Address: 10.88.0.2");
        assertThat(forwarded).contains("Address: 192.0.2.7");
        assertThat(unknown).contains("NXDOMAIN");
        assertThat(listeners).as("the resolver is told the gateway's address").containsExactly(gatewayAddress);
    }

    /** busybox nslookup NAME GATEWAY inside the namespace (it asks A and AAAA, over UDP port 53). */
    private String nslookup(String name) throws IOException, InterruptedException {
        return sh(false, "ip", "netns", "exec", netns, "busybox", "nslookup", name, gateway);
    }

    private static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    /** Runs a command (ours, killed by its own handle if it hangs), returning its output; {@code check}: exit 0. */
    private static String sh(boolean check, String... command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!p.waitFor(20, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": timed out");
        }
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (check && p.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + p.exitValue() + ": " + out);
        }
        return out;
    }
}
