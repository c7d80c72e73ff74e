package dev.berth.network;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CniTest {
    @TempDir
    Path tmp;

    static final String RESULT = """
            {"cniVersion":"1.0.0","interfaces":[{"name":"br0","mac":"aa:aa:aa:aa:aa:aa"},{"name":"veth1","mac":"bb:bb:bb:bb:bb:bb"},
            {"name":"eth0","mac":"02:42:ac:1e:00:02","sandbox":"/run/netns/x"}],
            "ips":[{"interface":2,"address":"172.30.0.2/16","gateway":"172.30.0.1"}],"dns":{}}""";

    @Test
    void resultAndErrorParsing() {
        JsonObject r = Cni.result("bridge", "ADD", 0, RESULT, "");
        assertThat(r.objects("ips").getFirst().string("address")).isEqualTo("172.30.0.2/16");
        assertThat(Cni.result("bridge", "DEL", 0, "", "")).isNull();
        assertThatThrownBy(() -> Cni.result("bridge", "ADD", 1, "{\"cniVersion\":\"1.0.0\",\"code\":11,\"msg\":\"failed to allocate\",\"details\":\"range full\"}", ""))
                .isInstanceOf(Cni.CniException.class)
                .hasMessage("CNI ADD bridge: failed to allocate (range full) [code 11]");
        assertThatThrownBy(() -> Cni.result("portmap", "ADD", 2, "", "segfault")).hasMessageContaining("exit status 2: segfault");
        assertThatThrownBy(() -> Cni.result("bridge", "ADD", 0, "not json", "")).hasMessageContaining("unparsable output");
        assertThatThrownBy(() -> Cni.result("bridge", "ADD", 0, "", "")).hasMessageContaining("no result");
    }

    @Test
    void pluginConfigGetsNameVersionRuntimeConfigAndPrevResult() {
        Map<String, Object> list = Json.obj("cniVersion", "1.0.0", "name", "berth-abc", "plugins", List.of());
        Map<String, Object> portmap = Json.obj("type", "portmap", "snat", true, "capabilities", Json.obj("portMappings", true));
        Map<String, Object> rc = Json.obj("portMappings", List.of(Json.obj("hostPort", 8080, "containerPort", 80, "protocol", "tcp")), "bandwidth", Map.of());
        Map<String, Object> c = Cni.pluginConfig(list, portmap, rc, Json.parseObject(RESULT, "r"));
        assertThat(c.get("cniVersion")).isEqualTo("1.0.0");
        assertThat(c.get("name")).isEqualTo("berth-abc");
        assertThat(Json.write(c.get("runtimeConfig"))).isEqualTo("{\"portMappings\":[{\"hostPort\":8080,\"containerPort\":80,\"protocol\":\"tcp\"}]}");
        assertThat(((Map<?, ?>) c.get("prevResult")).get("ips")).isNotNull();
        // a plugin without the capability gets no runtimeConfig; the first plugin no prevResult
        Map<String, Object> bridge = Cni.pluginConfig(list, Json.obj("type", "bridge"), rc, null);
        assertThat(bridge).doesNotContainKeys("runtimeConfig", "prevResult");
    }

    @Test
    void conflistForNetworks() throws Exception {
        Networks nets = new Networks(tmp, "bthunit0", Cidr.parse("10.213.200.0/24"));
        Network n = new Network("f".repeat(64), "web", "bridge", Cidr.parse("10.213.201.0/24"), "10.213.201.1", "br-web", false, false, false, Map.of(), Map.of(), "");
        Map<String, Object> c = nets.conflist(n, true, true);
        assertThat(c.get("name")).isEqualTo("berth-ffffffffffff");
        assertThat(Json.write(c)).contains("\"type\":\"bridge\",\"bridge\":\"br-web\",\"isGateway\":true,\"ipMasq\":false,\"hairpinMode\":true")
                .contains("\"ranges\":[[{\"subnet\":\"10.213.201.0/24\",\"gateway\":\"10.213.201.1\"}]]")
                .contains("\"dataDir\":\"" + tmp.resolve("ipam") + "\"")
                .contains("{\"type\":\"firewall\",\"backend\":\"iptables\"}")
                .contains("{\"type\":\"portmap\",\"snat\":true,\"capabilities\":{\"portMappings\":true}}");
        Network internal = new Network("e".repeat(64), "in", "bridge", Cidr.parse("10.213.202.0/24"), "10.213.202.1", "br-in", true, false, false, Map.of(), Map.of(), "");
        String ic = Json.write(nets.conflist(internal, false, true));
        assertThat(Json.write(nets.conflist(n, false, false))).doesNotContain("firewall").doesNotContain("portmap");
        assertThat(ic).contains("\"ipMasq\":false").doesNotContain("firewall").doesNotContain("portmap").doesNotContain("0.0.0.0/0");
        // the predefined networks were recorded (and the default bridge is not made by the constructor)
        assertThat(nets.all()).extracting(Network::name).containsExactlyInAnyOrder("bridge", "host", "none");
        assertThat(nets.defaultNetwork().bridge()).isEqualTo("bthunit0");
        assertThat(nets.find("none").driver()).isEqualTo("null");
        assertThatThrownBy(() -> nets.find("nosuch")).isInstanceOf(NetworkException.class).hasMessage("network nosuch not found");
    }

    @Test
    void execRunsAPluginPerTheSpec() throws Exception {
        // a fake plugin that echoes what it was given: env and stdin
        Path dir = Files.createDirectories(tmp.resolve("plugins"));
        Path plugin = dir.resolve("echo");
        Files.writeString(plugin, """
                #!/bin/sh
                in=$(cat)
                if [ "$CNI_COMMAND" = ADD ]; then
                  printf '{"cniVersion":"1.0.0","ips":[{"address":"10.1.2.3/24"}],"env":"%s %s %s %s %s","stdin":%s}' \\
                    "$CNI_COMMAND" "$CNI_CONTAINERID" "$CNI_NETNS" "$CNI_IFNAME" "$CNI_PATH" "$in"
                elif [ "$CNI_COMMAND" = DEL ]; then
                  printf '{"cniVersion":"1.0.0","code":7,"msg":"invalid network config"}'; exit 1
                fi
                """);
        Files.setPosixFilePermissions(plugin, PosixFilePermissions.fromString("rwxr-xr-x"));
        Cni cni = new Cni(List.of(dir));
        Map<String, Object> list = Json.obj("cniVersion", "1.0.0", "name", "n", "plugins", List.of(Json.obj("type", "echo", "x", 1), Json.obj("type", "echo", "y", 2)));
        JsonObject r = cni.add(list, Map.of(), new Cni.Target("cid", Path.of("/run/netns/a"), "eth0"));
        assertThat(r.string("env")).isEqualTo("ADD cid /run/netns/a eth0 " + dir);
        // the second plugin got the first one's result as prevResult
        assertThat(r.object("stdin").map()).containsEntry("y", 2L).containsKey("prevResult");
        assertThat(r.object("stdin").object("prevResult").object("stdin").map()).containsEntry("x", 1L);
        assertThatThrownBy(() -> cni.del(list, Map.of(), r, new Cni.Target("cid", Path.of("/run/netns/a"), "eth0")))
                .hasMessageContaining("CNI DEL echo: invalid network config [code 7]");
        assertThatThrownBy(() -> cni.add(Json.obj("cniVersion", "1.0.0", "name", "n", "plugins", List.of(Json.obj("type", "nosuch"))), Map.of(),
                new Cni.Target("cid", null, "eth0"))).hasMessageContaining("plugin not found");
    }
}
