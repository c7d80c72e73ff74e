package dev.berth.engine;

import dev.berth.network.Cidr;
import dev.berth.network.Network;
import dev.berth.oci.json.Json;
import org.junit.jupiter.api.Test;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ContainerNetworksTest {
    static final String HOST = "# generated\nnameserver 127.0.0.53\nnameserver 192.0.2.53\nsearch example.test\noptions edns0 trust-ad\n";

    @Test
    void resolvConf() {
        // a user-defined network: its gateway (the embedded DNS server) only, search and options kept
        assertThat(ContainerNetworks.resolvConf("10.1.0.1", List.of(), HOST)).isEqualTo("nameserver 10.1.0.1\nsearch example.test\noptions edns0 trust-ad\n");
        // the default bridge: the host's, less loopback ones (unreachable from the container)
        assertThat(ContainerNetworks.resolvConf(null, List.of(), HOST)).isEqualTo("nameserver 192.0.2.53\nsearch example.test\noptions edns0 trust-ad\n");
        assertThat(ContainerNetworks.resolvConf(null, List.of("9.9.9.9"), HOST)).startsWith("nameserver 9.9.9.9\nsearch");
        assertThat(ContainerNetworks.resolvConf(null, List.of(), "nameserver 127.0.0.53\n")).isEqualTo("nameserver 8.8.8.8\nnameserver 8.8.4.4\n");
    }

    @Test
    void endpointFromCniResult() {
        Network n = new Network("a".repeat(64), "web", "bridge", Cidr.parse("10.1.0.0/24"), "10.1.0.1", "br-web", false, false, false, Map.of(), Map.of(), "");
        Map<String, Object> ep = new LinkedHashMap<>();
        ContainerNetworks.fill(ep, n, Json.parseObject("""
                {"cniVersion":"1.0.0","interfaces":[{"name":"br-web","mac":"aa:aa:aa:aa:aa:aa"},{"name":"veth1","mac":"bb:bb:bb:bb:bb:bb"},
                {"name":"eth0","mac":"02:42:0a:01:00:02","sandbox":"/run/netns/x"}],"ips":[{"interface":2,"address":"10.1.0.2/24","gateway":"10.1.0.1"}]}""", "r"), "eth0");
        assertThat(ep).containsEntry("IPAddress", "10.1.0.2").containsEntry("IPPrefixLen", 24).containsEntry("Gateway", "10.1.0.1")
                .containsEntry("MacAddress", "02:42:0a:01:00:02");
        assertThat((String) ep.get("EndpointID")).matches("[0-9a-f]{64}");
        assertThatThrownBy(() -> ContainerNetworks.fill(new LinkedHashMap<>(), n, Json.parseObject("{\"ips\":[]}", "r"), "eth0"))
                .hasMessageContaining("returned no address");
    }
}
