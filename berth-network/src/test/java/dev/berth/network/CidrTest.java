package dev.berth.network;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CidrTest {
    @Test
    void parseFormatAndHostBits() {
        Cidr c = Cidr.parse("172.30.5.7/16");
        assertThat(c.toString()).isEqualTo("172.30.0.0/16");
        assertThat(Cidr.format(c.host(1))).isEqualTo("172.30.0.1");
        assertThat(c.contains(Cidr.address("172.30.255.254"))).isTrue();
        assertThat(c.contains(Cidr.address("172.31.0.1"))).isFalse();
        assertThat(Cidr.parse("0.0.0.0/0").contains(Cidr.address("8.8.8.8"))).isTrue();
        assertThat(Cidr.parse("10.0.0.1/32").toString()).isEqualTo("10.0.0.1/32");
    }

    @Test
    void badInputIsNamed() {
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0")).hasMessageContaining("expected a.b.c.d/n");
        assertThatThrownBy(() -> Cidr.parse("10.0.0.0/33")).hasMessageContaining("prefix length");
        assertThatThrownBy(() -> Cidr.parse("10.0.300.0/24")).hasMessageContaining("invalid IPv4 address");
        assertThatThrownBy(() -> Cidr.parse("10.0..0/24")).hasMessageContaining("invalid IPv4 address");
        assertThatThrownBy(() -> Cidr.parse("a.b.c.d/8")).hasMessageContaining("invalid IPv4 address");
    }

    @Test
    void overlaps() {
        assertThat(Cidr.parse("10.88.0.0/16").overlaps(Cidr.parse("10.88.3.0/24"))).isTrue();
        assertThat(Cidr.parse("10.88.3.0/24").overlaps(Cidr.parse("10.88.0.0/16"))).isTrue();
        assertThat(Cidr.parse("10.88.0.0/16").overlaps(Cidr.parse("10.89.0.0/16"))).isFalse();
        assertThat(Cidr.parse("192.168.0.0/20").overlaps(Cidr.parse("192.168.16.0/20"))).isFalse();
        assertThat(Cidr.parse("192.168.0.0/20").overlaps(Cidr.parse("192.168.15.0/24"))).isTrue();
    }

    @Test
    void allocationSkipsNetworksAndHostRoutes() {
        Network a = net("a", "172.17.0.0/16"), b = net("b", "172.18.5.0/24");
        // the host routes 172.19.0.0/16 (another bridge) and 10.88/16, 192.0.2/24 as this machine does
        List<Cidr> routes = List.of(Cidr.parse("172.19.0.0/16"), Cidr.parse("10.88.0.0/16"), Cidr.parse("192.0.2.0/24"));
        assertThat(Networks.allocate(List.of(a, b), routes).toString()).isEqualTo("172.20.0.0/16");
        assertThat(Networks.allocate(List.of(), List.of()).toString()).isEqualTo("172.17.0.0/16");
        // a host route covering all of 172.16/12 sends it to 192.168.x/20
        assertThat(Networks.allocate(List.of(), List.of(Cidr.parse("172.16.0.0/12"))).toString()).isEqualTo("192.168.0.0/20");
        List<Cidr> everything = List.of(Cidr.parse("172.16.0.0/12"), Cidr.parse("192.168.0.0/16"));
        assertThatThrownBy(() -> Networks.allocate(List.of(), everything)).isInstanceOf(NetworkException.class)
                .hasMessageContaining("non-overlapping").satisfies(e -> assertThat(((NetworkException) e).status()).isEqualTo(409));
    }

    @Test
    void hostRoutesAreReadFromProc() {
        // this machine routes its eth0 subnet; the default route is no conflict
        assertThat(Cidr.hostRoutes()).noneMatch(c -> c.prefix() == 0);
    }

    static Network net(String name, String subnet) {
        Cidr c = Cidr.parse(subnet);
        return new Network("0123456789ab" + "0".repeat(52), name, "bridge", c, Cidr.format(c.host(1)), "br-" + name, false, false, false,
                Map.of(), Map.of(), "");
    }
}
