package dev.berth.network;

import dev.berth.oci.json.Json;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PortsTest {
    @Test
    void requestedFromPortBindingsAndPublishAll() {
        Map<String, Object> pb = Json.obj("80/tcp", List.of(Json.obj("HostIp", "127.0.0.1", "HostPort", "8080")),
                "53/udp", List.of(Json.obj("HostIp", "", "HostPort", "")), "443", List.of(Json.obj("HostPort", "9000-9010")));
        List<Ports.Mapping> m = Ports.requested(pb, true, List.of("80/tcp", "22/tcp"));
        assertThat(m).containsExactly(new Ports.Mapping("tcp", 80, "127.0.0.1", 8080, 8080), new Ports.Mapping("udp", 53, "", 0, 0),
                new Ports.Mapping("tcp", 443, "", 9000, 9010), new Ports.Mapping("tcp", 22, "", 0, 0));
        assertThat(m.getFirst().cni()).isEqualTo(Json.obj("hostPort", 8080, "containerPort", 80, "protocol", "tcp", "hostIP", "127.0.0.1"));
        assertThat(m.get(1).cni()).doesNotContainKey("hostIP");
    }

    @Test
    void badPortsAre400s() {
        assertThatThrownBy(() -> Ports.requested(Map.of("80/sctp", List.of()), false, List.of())).hasMessageContaining("invalid protocol \"sctp\"");
        assertThatThrownBy(() -> Ports.requested(Map.of("0/tcp", List.of()), false, List.of())).hasMessageContaining("container port");
        assertThatThrownBy(() -> Ports.requested(Map.of("80/tcp", List.of(Map.of("HostPort", "70000"))), false, List.of())).hasMessageContaining("host port \"70000\"");
        assertThatThrownBy(() -> Ports.requested(Map.of("80/tcp", List.of(Map.of("HostIp", "::1", "HostPort", "1"))), false, List.of()))
                .isInstanceOf(NetworkException.class).satisfies(e -> assertThat(((NetworkException) e).status()).isEqualTo(400));
    }

    @Test
    void reserveHoldsPortsAllOrNothing() throws Exception {
        try (ServerSocket busy = new ServerSocket()) {
            busy.bind(new InetSocketAddress("127.0.0.1", 0));
            int taken = busy.getLocalPort();
            try (Ports.Reservation r = Ports.reserve(List.of(new Ports.Mapping("tcp", 80, "127.0.0.1", 0, 0), new Ports.Mapping("udp", 53, "127.0.0.1", 0, 0)))) {
                int got = r.mappings().getFirst().hostPort();
                assertThat(got).isPositive();
                // held: nobody else binds it
                try (ServerSocket s = new ServerSocket()) {
                    assertThatThrownBy(() -> s.bind(new InetSocketAddress("127.0.0.1", got))).hasMessageContaining("in use");
                }
                assertThat(Json.write(Ports.settings(r.mappings(), List.of("80/tcp", "8443/tcp")))).isEqualTo(
                        "{\"80/tcp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"" + got + "\"}],\"8443/tcp\":null,"
                                + "\"53/udp\":[{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"" + r.mappings().get(1).hostPort() + "\"}]}");
            }
            // the second mapping is in use: the first one is released again
            int free;
            try (ServerSocket probe = new ServerSocket(0)) {
                free = probe.getLocalPort();
            }
            assertThatThrownBy(() -> Ports.reserve(List.of(new Ports.Mapping("tcp", 80, "127.0.0.1", free, free), new Ports.Mapping("tcp", 81, "127.0.0.1", taken, taken))))
                    .isInstanceOf(NetworkException.class).hasMessageContaining("Bind for 127.0.0.1:" + taken + "/tcp failed: port is already allocated")
                    .satisfies(e -> assertThat(((NetworkException) e).status()).isEqualTo(409));
            try (ServerSocket again = new ServerSocket()) {
                again.bind(new InetSocketAddress("127.0.0.1", free));
            }
            // a range: the next free one
            try (Ports.Reservation r = Ports.reserve(List.of(new Ports.Mapping("tcp", 80, "127.0.0.1", taken, taken + 1)))) {
                assertThat(r.mappings().getFirst().hostPort()).isEqualTo(taken + 1);
            } catch (NetworkException maybeTakenToo) {
                assertThat(maybeTakenToo.getMessage()).contains(taken + "-" + (taken + 1));
            }
        }
    }

    @Test
    void netStatsParse() {
        String dev = """
                Inter-|   Receive                                                |  Transmit
                 face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed
                    lo:     100       1    0    0    0     0          0         0      100       1    0    0    0     0       0          0
                  eth0:    1296      14    1    2    0     0          0         0      766       9    3    4    0     0       0          0
                """;
        assertThat(NetStats.parse(dev)).isEqualTo(Json.obj("eth0", Json.obj("rx_bytes", 1296L, "rx_packets", 14L, "rx_errors", 1L, "rx_dropped", 2L,
                "tx_bytes", 766L, "tx_packets", 9L, "tx_errors", 3L, "tx_dropped", 4L)));
    }
}
