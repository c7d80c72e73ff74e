package dev.berth.api;

import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageReference;
import dev.berth.runtime.BusyboxBundle;
import dev.berth.runtime.linux.Libc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Container networking through the real docker CLI against a berth daemon this test starts: the default
 * bridge (its own device and subnet here, so it cannot meet another daemon's), user-defined networks,
 * published ports from 127.0.0.1, and nothing left on the host afterwards. All traffic stays on this host:
 * 127.0.0.1 and the containers the test made.
 */
class DockerNetworkTest {
    static final String BRIDGE = "bthnet0", SUBNET = "10.213.0.0/24";
    @TempDir
    static Path tmp;
    static Daemon daemon;
    static DockerCli docker;

    @BeforeAll
    static void start() throws Exception {
        boolean root = Libc.geteuid() == 0;
        if (!root) System.err.println("SKIP: networking needs root (bridges, namespaces, iptables)");
        Assumptions.assumeTrue(root, "needs root");
        Assumptions.assumeTrue(Files.isExecutable(DockerCli.DOCKER), "the docker CLI is not installed at " + DockerCli.DOCKER);
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/lib/cni/bridge")), "the CNI plugins are not installed (containernetworking-plugins)");
        System.setProperty("berth.bridge", BRIDGE);
        System.setProperty("berth.bridge.subnet", SUBNET);
        Path sock = tmp.resolve("d.sock");
        try {
            daemon = Daemon.start(sock, tmp.resolve("data"), tmp.resolve("run"));
        } finally {
            System.clearProperty("berth.bridge");
            System.clearProperty("berth.bridge.subnet");
        }
        var images = daemon.engine().images();
        Path rootfs = BusyboxBundle.rootfs(tmp.resolve("bb"));
        Files.writeString(rootfs.resolve("etc/index.html"), "hello from berth\n");
        for (String name : List.of("busybox", "web")) {
            Process tar = new ProcessBuilder("tar", "--numeric-owner", "-C", rootfs.toString(), "-cf", "-", ".").start();
            // "web" EXPOSEs 80 and serves /etc/index.html, for -P
            var d = images.importTarball(tar.getInputStream(), new ImageConfig.Run(null, List.of("PATH=/bin:/sbin"), null,
                    name.equals("web") ? List.of("httpd", "-f", "-p", "80", "-h", "/etc") : List.of("sh"), null,
                    name.equals("web") ? List.of("80/tcp") : List.of(), List.of(), Map.of(), null, null, List.of(), null, false), name);
            images.names().put(ImageReference.parse(name), d);
        }
        docker = new DockerCli(sock, tmp.resolve("docker-config"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (daemon == null) return;
        try {
            for (var c : daemon.engine().list(true)) daemon.engine().remove((String) c.get("Id"), true, true);
            for (var n : daemon.engine().networks().list()) if (!n.predefined()) daemon.engine().networks().remove(n.id());
        } finally {
            daemon.engine().networks().store().teardown(daemon.engine().networks().store().defaultNetwork());
            daemon.close();
        }
        assertThat(Path.of("/sys/class/net", BRIDGE)).doesNotExist();
        assertThat(run("iptables-save")).doesNotContain("bthnet");
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(tmp.toString())).toList()).isEmpty();
        assertThat(run("iptables-save")).doesNotContain("10.213.");
    }

    static String run(String... cmd) throws IOException, InterruptedException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        p.waitFor();
        return out;
    }

    String ok(String... args) throws Exception {
        var r = docker.run(args);
        assertThat(r.exit()).as("docker " + String.join(" ", args) + ": " + r.stderr()).isZero();
        return r.stdout().trim();
    }

    /** An HTTP GET to 127.0.0.1:port, retried while the server starts; the response or the last error. */
    static String get(int port) throws Exception {
        String last = "";
        for (int i = 0; i < 50; i++) {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 2000);
                s.setSoTimeout(3000);
                s.getOutputStream().write("GET /index.html HTTP/1.0\r\n\r\n".getBytes());
                try (InputStream in = s.getInputStream()) {
                    String r = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                    if (r.contains("200 OK")) return r;
                    last = r;
                }
            } catch (IOException e) {
                last = e.toString();
            }
            Thread.sleep(100);
        }
        return last;
    }

    /** The busybox command that fetches /index.html from host:port with nc (busybox-static's wget crashes without NSS libraries). */
    static String[] fetch(String host, int port) {
        return new String[]{"sh", "-c", "printf 'GET /index.html HTTP/1.0\\r\\n\\r\\n' | nc -w 5 " + host + " " + port};
    }

    /** docker ARGS... followed by the fetch command. */
    static String[] with(String[] fetch, String... args) {
        String[] all = java.util.Arrays.copyOf(args, args.length + fetch.length);
        System.arraycopy(fetch, 0, all, args.length, fetch.length);
        return all;
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0)) {
            return s.getLocalPort();
        }
    }

    /** Nothing of the container is left: no iptables rule naming it, no lease, no veth on our bridges, no netns. */
    static void assertNothingLeft(String id) throws Exception {
        assertThat(run("iptables-save")).doesNotContain(id);
        Path ipam = tmp.resolve("data/network/ipam");
        try (Stream<Path> s = Files.walk(ipam)) {
            for (Path f : s.filter(Files::isRegularFile).toList()) assertThat(Files.readString(f)).as(f.toString()).doesNotContain(id);
        }
        assertThat(tmp.resolve("run/netns/" + id)).doesNotExist();
        assertThat(tmp.resolve("data/network/attachments/" + id)).doesNotExist();
    }

    static List<String> ports(String bridge) throws IOException {
        Path brif = Path.of("/sys/class/net", bridge, "brif");
        if (!Files.isDirectory(brif)) return List.of();
        try (Stream<Path> s = Files.list(brif)) {
            return s.map(p -> p.getFileName().toString()).toList();
        }
    }

    @Test
    void defaultBridge_addressHostsFilesAndCleanup() throws Exception {
        List<String> before = ports(BRIDGE);
        String id = ok("run", "-d", "--name", "plain", "--hostname", "plainhost", "busybox", "sleep", "1000");
        String[] f = ok("inspect", "-f", "{{.NetworkSettings.IPAddress}} {{.NetworkSettings.Gateway}} {{.NetworkSettings.MacAddress}} "
                + "{{.NetworkSettings.Networks.bridge.IPAddress}} {{.NetworkSettings.Networks.bridge.NetworkID}} {{.NetworkSettings.IPPrefixLen}}", "plain").split(" ");
        assertThat(f[0]).startsWith("10.213.0.").isEqualTo(f[3]);
        assertThat(f[1]).isEqualTo("10.213.0.1");
        assertThat(f[2]).matches("([0-9a-f]{2}:){5}[0-9a-f]{2}");
        assertThat(f[4]).isEqualTo(ok("network", "inspect", "-f", "{{.Id}}", "bridge"));
        assertThat(f[5]).isEqualTo("24");
        assertThat(ok("exec", "plain", "ip", "-4", "addr", "show", "eth0")).contains(f[0] + "/24");
        assertThat(ok("exec", "plain", "ip", "link", "show", "lo")).contains("UP");
        assertThat(ok("exec", "plain", "cat", "/etc/hosts")).contains("127.0.0.1\tlocalhost").contains(f[0] + "\tplainhost plain");
        assertThat(ok("exec", "plain", "hostname")).isEqualTo("plainhost");
        assertThat(ok("exec", "plain", "cat", "/etc/resolv.conf")).contains("nameserver").doesNotContain("nameserver 127.");
        assertThat(ports(BRIDGE)).hasSize(before.size() + 1);
        // the gateway (the host's side of the bridge) answers: the container reaches the host and back
        assertThat(ok("exec", "plain", "ping", "-c", "1", "-W", "2", "10.213.0.1")).contains("1 packets received");
        // outbound NAT: one rule for the whole network, none per container
        assertThat(run("iptables-save", "-t", "nat")).contains("-A POSTROUTING -s 10.213.0.0/24 ! -o " + BRIDGE).doesNotContain(id);
        assertThat(ok("network", "inspect", "-f", "{{range $k, $v := .Containers}}{{$v.Name}} {{$v.IPv4Address}}{{end}}", "bridge")).isEqualTo("plain " + f[0] + "/24");
        // stopped: the address is given back and the container is detached
        ok("stop", "-t", "0", "plain");
        assertThat(ok("inspect", "-f", "[{{.NetworkSettings.IPAddress}}]", "plain")).isEqualTo("[]");
        assertNothingLeft(id);
        ok("start", "plain");
        assertThat(ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "plain")).startsWith("10.213.0.");
        ok("rm", "-f", "plain");
        assertNothingLeft(id);
        assertThat(ports(BRIDGE)).isEqualTo(before);
    }

    @Test
    void userNetwork_containersTalk_connectDisconnect() throws Exception {
        String netId = ok("network", "create", "--subnet", "10.213.1.0/24", "-o", "com.docker.network.bridge.name=bthnet1", "--label", "t=talk", "talk");
        assertThat(netId).matches("[0-9a-f]{64}");
        assertThat(Path.of("/sys/class/net/bthnet1")).exists();
        String srv = ok("run", "-d", "--name", "srv", "--network", "talk", "--network-alias", "www", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc");
        String ip = ok("inspect", "-f", "{{.NetworkSettings.Networks.talk.IPAddress}}", "srv");
        assertThat(ip).startsWith("10.213.1.");
        assertThat(ok("inspect", "-f", "{{.NetworkSettings.Networks.talk.Aliases}} {{.NetworkSettings.Networks.talk.Gateway}}", "srv")).isEqualTo("[www] 10.213.1.1");
        assertThat(ok("exec", "srv", "cat", "/etc/hosts")).contains(ip + "\t" + srv.substring(0, 12) + " srv www");
        // the nameserver of a user-defined network is its gateway, where the embedded DNS server answers
        assertThat(ok("exec", "srv", "cat", "/etc/resolv.conf").lines().filter(l -> l.startsWith("nameserver")).toList()).containsExactly("nameserver 10.213.1.1");
        var got = docker.run(with(fetch(ip, 80), "run", "--rm", "--network", "talk", "busybox"));
        assertThat(got.stdout()).contains("200 OK").endsWith("hello from berth\n");
        assertThat(ok("network", "inspect", "-f", "{{range $k, $v := .Containers}}{{$v.Name}}{{end}}", "talk")).isEqualTo("srv");
        assertThat(daemon.engine().networks().resolve(netId, "www")).hasSize(1);
        assertThat(daemon.engine().networks().resolve(netId, "srv").getFirst().getHostAddress()).isEqualTo(ip);

        // a container on the default bridge cannot reach it, until connected
        String cli = ok("run", "-d", "--name", "cli", "busybox", "sleep", "1000");
        assertThat(docker.run(with(fetch(ip, 80), "exec", "cli")).stdout()).doesNotContain("hello from berth");
        ok("network", "connect", "--alias", "client", "talk", "cli");
        assertThat(ok("exec", "cli", "ip", "-4", "addr", "show", "eth1")).contains("10.213.1.");
        assertThat(ok(with(fetch(ip, 80), "exec", "cli"))).endsWith("hello from berth");
        assertThat(ok("inspect", "-f", "{{.NetworkSettings.Networks.talk.Aliases}}", "cli")).isEqualTo("[client]");
        // connect again (compose does): aliases merged, no error
        ok("network", "connect", "--alias", "client2", "talk", "cli");
        assertThat(ok("inspect", "-f", "{{.NetworkSettings.Networks.talk.Aliases}}", "cli")).isEqualTo("[client client2]");
        var busy = docker.run("network", "rm", "talk");
        assertThat(busy.exit()).isNotZero();
        assertThat(busy.stderr()).contains("active endpoints");
        ok("network", "disconnect", "talk", "cli");
        assertThat(docker.run("exec", "cli", "ip", "link", "show", "eth1").exit()).isNotZero();
        assertThat(run("iptables-save")).doesNotContain("10.213.1.3");
        var notConnected = docker.run("network", "disconnect", "talk", "cli");
        assertThat(notConnected.exit()).isNotZero();
        assertThat(notConnected.stderr()).contains("is not connected");
        // connect before start: the interface comes at start
        ok("create", "--name", "late", "busybox", "sleep", "1000");
        ok("network", "connect", "talk", "late");
        ok("start", "late");
        assertThat(ok("exec", "late", "ip", "-4", "addr")).contains("10.213.0.").contains("10.213.1.");

        ok("rm", "-f", "srv", "cli", "late");
        assertNothingLeft(srv);
        assertNothingLeft(cli);
        assertThat(ports("bthnet1")).isEmpty();
        ok("network", "rm", "talk");
        assertThat(Path.of("/sys/class/net/bthnet1")).doesNotExist();
        assertThat(tmp.resolve("data/network/ipam/berth-" + netId.substring(0, 12))).doesNotExist();
        assertThat(run("iptables-save")).doesNotContain("10.213.1.");
    }

    /** By name and alias through the daemon's embedded DNS server (on the network's gateway, port 53). */
    @Test
    void userNetwork_byName() throws Exception {
        ok("network", "create", "--subnet", "10.213.4.0/24", "-o", "com.docker.network.bridge.name=bthnet4", "names");
        ok("run", "-d", "--name", "named", "--network", "names", "--network-alias", "alias1", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc");
        for (String host : List.of("named", "alias1")) {
            var got = docker.run(with(fetch(host, 80), "run", "--rm", "--network", "names", "busybox"));
            assertThat(got.stdout()).as(host).endsWith("hello from berth\n");
        }
        // the daemon answers from memory, so what changes must show at once: a rename, then a stop
        ok("rename", "named", "renamed");
        String[] lookup = {"run", "--rm", "--network", "names", "busybox", "nslookup"};
        assertThat(docker.run(with(new String[]{"renamed"}, lookup)).stdout()).containsPattern("Name:\\s+renamed\\s+Address: 10\\.213\\.4\\.");
        assertThat(docker.run(with(new String[]{"named"}, lookup)).stdout()).contains("NXDOMAIN").doesNotContain("Name:");
        ok("stop", "-t", "0", "renamed");
        assertThat(docker.run(with(new String[]{"alias1"}, lookup)).stdout()).contains("NXDOMAIN").doesNotContain("Name:");
        ok("rm", "-f", "renamed");
        ok("network", "rm", "names");
    }

    @Test
    void publish_fromLoopbackAndOtherContainers_portInUse() throws Exception {
        int port = freePort(), any = freePort();
        String id = ok("run", "-d", "--name", "pub", "-p", "127.0.0.1:" + port + ":80", "-p", any + ":80/tcp", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc");
        assertThat(get(port)).contains("200 OK").contains("hello from berth");
        assertThat(get(any)).contains("hello from berth");
        assertThat(ok("port", "pub")).contains("80/tcp -> 127.0.0.1:" + port).contains("80/tcp -> 0.0.0.0:" + any);
        assertThat(ok("inspect", "-f", "{{json .NetworkSettings.Ports}}", "pub")).contains("{\"HostIp\":\"127.0.0.1\",\"HostPort\":\"" + port + "\"}");
        assertThat(ok("ps", "--filter", "name=pub", "--format", "{{.Ports}}")).contains("127.0.0.1:" + port + "->80/tcp");
        // from another container, through the host's address on the bridge (hairpin NAT on the same bridge)
        assertThat(ok(with(fetch("10.213.0.1", any), "run", "--rm", "busybox"))).endsWith("hello from berth");
        // the port is held while the container runs: a second container cannot have it, and nothing of it is left
        var taken = docker.run("run", "-d", "--name", "pub2", "-p", "127.0.0.1:" + port + ":80", "busybox", "sleep", "100");
        assertThat(taken.exit()).isNotZero();
        assertThat(taken.stderr()).contains("port is already allocated").contains("127.0.0.1:" + port);
        String pub2 = ok("inspect", "-f", "{{.Id}}", "pub2");
        assertNothingLeft(pub2);
        // a port another process holds
        try (ServerSocket other = new ServerSocket()) {
            other.bind(new InetSocketAddress("127.0.0.1", 0));
            var inUse = docker.run("run", "-d", "--name", "pub3", "-p", "127.0.0.1:" + other.getLocalPort() + ":80", "busybox", "sleep", "100");
            assertThat(inUse.exit()).isNotZero();
            assertThat(inUse.stderr()).contains("port is already allocated");
            assertNothingLeft(ok("inspect", "-f", "{{.Id}}", "pub3"));
        }
        var bad = docker.run("create", "-p", "127.0.0.1:70000:80", "busybox");
        assertThat(bad.exit()).isNotZero();
        ok("rm", "-f", "pub", "pub2", "pub3");
        assertNothingLeft(id);
        assertThat(run("iptables-save")).doesNotContain("dport " + port + " ").doesNotContain("dport " + any + " ");
        try (ServerSocket again = new ServerSocket()) {
            again.bind(new InetSocketAddress("127.0.0.1", port)); // released
        }
    }

    @Test
    void publishAll_exposedPortsOnFreeHostPorts() throws Exception {
        String id = ok("run", "-d", "-P", "--name", "pall", "web");
        String mapping = ok("port", "pall", "80/tcp");
        assertThat(mapping).matches("0\\.0\\.0\\.0:\\d+");
        int port = Integer.parseInt(mapping.substring(mapping.indexOf(':') + 1));
        assertThat(get(port)).contains("hello from berth");
        ok("rm", "-f", "pall");
        assertNothingLeft(id);
    }

    @Test
    void networkCrud_errorsAndPrune() throws Exception {
        String auto = ok("network", "create", "--label", "t=crud", "autonet");
        String subnet = ok("network", "inspect", "-f", "{{range .IPAM.Config}}{{.Subnet}} {{.Gateway}}{{end}}", "autonet");
        assertThat(subnet).matches("\\d+\\.\\d+\\.\\d+\\.0/\\d+ \\d+\\.\\d+\\.\\d+\\.1");
        ok("network", "create", "--subnet", "10.213.2.0/24", "--gateway", "10.213.2.254", "--internal", "-o", "com.docker.network.bridge.name=bthnet2", "inner");
        assertThat(ok("network", "inspect", "-f", "{{.Internal}} {{.Driver}} {{range .IPAM.Config}}{{.Gateway}}{{end}}", "inner")).isEqualTo("true bridge 10.213.2.254");
        assertThat(run("iptables-save")).contains("-i bthnet2 ! -o bthnet2");
        assertThat(ok("network", "ls", "--format", "{{.Name}} {{.Driver}}")).contains("bridge bridge", "host host", "none null", "autonet bridge", "inner bridge");
        assertThat(ok("network", "ls", "-q", "--filter", "label=t=crud")).isEqualTo(auto.substring(0, 12));

        var overlap = docker.run("network", "create", "--subnet", "10.213.2.128/25", "-o", "com.docker.network.bridge.name=bthnet3", "clash");
        assertThat(overlap.exit()).isNotZero();
        assertThat(overlap.stderr()).contains("overlaps").contains("inner");
        assertThat(Path.of("/sys/class/net/bthnet3")).doesNotExist();
        assertThat(docker.run("network", "create", "--subnet", "10.213.2.0/33", "bad").stderr()).contains("invalid subnet");
        assertThat(docker.run("network", "create", "--subnet", "10.213.3.0/24", "--gateway", "10.213.4.1", "bad").stderr()).contains("gateway");
        assertThat(docker.run("network", "create", "--subnet", "10.88.1.0/24", "bad").stderr()).contains("host route");
        assertThat(docker.run("network", "create", "inner").stderr()).contains("already exists");
        assertThat(docker.run("network", "rm", "nosuch").stderr()).contains("not found");
        assertThat(docker.run("network", "rm", "bridge").stderr()).contains("pre-defined");
        assertThat(docker.run("run", "--rm", "--network", "nosuch", "busybox", "true").stderr()).contains("network nosuch not found");
        assertThat(ok("network", "ls", "-q", "--filter", "name=bad")).isEmpty();

        // an internal network: containers talk among themselves
        ok("run", "-d", "--name", "in1", "--network", "inner", "busybox", "httpd", "-f", "-p", "80", "-h", "/etc");
        String ip = ok("inspect", "-f", "{{.NetworkSettings.Networks.inner.IPAddress}}", "in1");
        assertThat(ok(with(fetch(ip, 80), "run", "--rm", "--network", "inner", "busybox"))).endsWith("hello from berth");
        ok("rm", "-f", "in1");

        String deleted = ok("network", "prune", "-f", "--filter", "label=t=crud");
        assertThat(deleted).contains("autonet").doesNotContain("inner");
        ok("network", "rm", "inner");
        assertThat(run("iptables-save")).doesNotContain("bthnet2");
        assertThat(Path.of("/sys/class/net/bthnet2")).doesNotExist();
    }

    @Test
    void networkModes_noneHostContainer() throws Exception {
        String links = ok("run", "--rm", "--network", "none", "busybox", "ip", "-o", "link");
        assertThat(links).contains("lo:").doesNotContain("eth0");
        assertThat(ok("run", "--rm", "--network", "host", "busybox", "cat", "/sys/class/net/" + BRIDGE + "/address")).matches("([0-9a-f]{2}:){5}[0-9a-f]{2}");
        ok("run", "-d", "--name", "owner", "busybox", "sleep", "1000");
        String ip = ok("inspect", "-f", "{{.NetworkSettings.IPAddress}}", "owner");
        assertThat(ok("run", "--rm", "--network", "container:owner", "busybox", "ip", "-4", "addr", "show", "eth0")).contains(ip + "/24");
        ok("rm", "-f", "owner");
    }

    @Test
    void statsAndEvents() throws Exception {
        long since = System.currentTimeMillis() / 1000;
        ok("network", "create", "--subnet", "10.213.5.0/24", "-o", "com.docker.network.bridge.name=bthnet5", "evnet");
        ok("run", "-d", "--name", "ev", "--network", "evnet", "busybox", "sleep", "1000");
        ok("exec", "ev", "ping", "-c", "3", "-i", "0.2", "10.213.5.1");
        String netio = ok("stats", "--no-stream", "--format", "{{.NetIO}}", "ev");
        assertThat(netio).doesNotStartWith("0B /").contains("/");
        ok("rm", "-f", "ev");
        ok("network", "rm", "evnet");
        String events = ok("events", "--since", Long.toString(since), "--until", Long.toString(System.currentTimeMillis() / 1000 + 1),
                "--filter", "type=network", "--format", "{{.Action}} {{.Actor.Attributes.name}}");
        assertThat(events.lines().toList()).contains("create evnet", "connect evnet", "disconnect evnet", "destroy evnet");
    }

    /** docker-compose 1.29: its network, aliases and idempotent connect; down removes everything. */
    @Test
    void compose_upTalkDown() throws Exception {
        Path compose = Path.of("/usr/bin/docker-compose");
        Assumptions.assumeTrue(Files.isExecutable(compose), "docker-compose is not installed at " + compose);
        Path proj = Files.createDirectories(tmp.resolve("cproj"));
        int port = freePort();
        // the application: two services on a user-defined network, a named volume, a published port,
        // depends_on; the client reaches the server by its service name through the daemon's DNS
        Files.writeString(proj.resolve("docker-compose.yml"), """
                version: "3.8"
                services:
                  web:
                    image: busybox
                    command: ["sh", "-c", "echo hello from compose > /www/index.html && exec httpd -f -p 80 -h /www"]
                    volumes:
                      - site:/www
                    ports:
                      - "127.0.0.1:%d:80"
                  client:
                    image: busybox
                    depends_on:
                      - web
                    command: ["sh", "-c", "until wget -q -O - http://web/index.html; do sleep 0.2; done; exec sleep 1000"]
                volumes:
                  site: {}
                networks:
                  default:
                    driver_opts:
                      com.docker.network.bridge.name: bthnet6
                    ipam:
                      config:
                        - subnet: 10.213.6.0/24
                """.formatted(port));
        assertThat(compose(proj, "up", "-d")).contains("Creating cproj_web_1").contains("Creating cproj_client_1");
        assertThat(compose(proj, "ps")).containsPattern("cproj_web_1 .* Up .*127.0.0.1:" + port + "->80/tcp").containsPattern("cproj_client_1 .* Up");
        String ip = ok("inspect", "-f", "{{.NetworkSettings.Networks.cproj_default.IPAddress}}", "cproj_web_1");
        assertThat(ip).startsWith("10.213.6.");
        assertThat(ok("inspect", "-f", "{{.NetworkSettings.Networks.cproj_default.Aliases}}", "cproj_web_1"))
                .contains("web").contains(ok("inspect", "-f", "{{.Id}}", "cproj_web_1").substring(0, 12));
        // by service name (DNS), from the client's own loop and from an exec
        String logs = "";
        for (int i = 0; i < 100 && !logs.contains("hello from compose"); i++) {
            logs = compose(proj, "logs", "client");
            Thread.sleep(100);
        }
        assertThat(logs).contains("hello from compose");
        assertThat(compose(proj, "exec", "-T", "client", "wget", "-q", "-O", "-", "http://web/index.html")).contains("hello from compose");
        assertThat(compose(proj, "exec", "-T", "client", "nslookup", "web")).contains(ip);
        // the published port from the host, and the named volume holds the page
        assertThat(get(port)).contains("hello from compose");
        assertThat(ok("volume", "ls", "-q")).contains("cproj_site");
        String webId = ok("inspect", "-f", "{{.Id}}", "cproj_web_1"), clientId = ok("inspect", "-f", "{{.Id}}", "cproj_client_1");
        compose(proj, "down", "-v");
        assertThat(ok("ps", "-aq", "--filter", "name=cproj")).isEmpty();
        assertThat(ok("network", "ls", "-q", "--filter", "name=cproj")).isEmpty();
        assertThat(ok("volume", "ls", "-q")).doesNotContain("cproj_site");
        assertNothingLeft(webId);
        assertNothingLeft(clientId);
        assertThat(Path.of("/sys/class/net/bthnet6")).doesNotExist();
        assertThat(run("iptables-save")).doesNotContain("10.213.6.");
        try (ServerSocket free = new ServerSocket()) { // the host port is given back
            free.bind(new InetSocketAddress("127.0.0.1", port));
        }
    }

    String compose(Path dir, String... args) throws Exception {
        List<String> cmd = new java.util.ArrayList<>(List.of("/usr/bin/docker-compose", "--no-ansi"));
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("DOCKER_HOST", "unix://" + docker.socket());
        pb.environment().put("DOCKER_CONFIG", tmp.resolve("docker-config").toString());
        pb.environment().put("COMPOSE_PROJECT_NAME", "cproj");
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(p.waitFor()).as("docker-compose " + String.join(" ", args) + ": " + out).isZero();
        System.out.println("$ docker-compose " + String.join(" ", args) + "\n" + out);
        return out;
    }

    /**
     * An attachment whose DEL never ran (a crash between ADD and the removal's DEL): the recorded state is
     * enough for the next daemon to run DEL. Made real here by re-running ADD from a removed container's record.
     */
    @Test
    void orphanedAttachment_deletedByTheNextDaemon() throws Exception {
        String id = ok("run", "-d", "--name", "orphan", "-p", "127.0.0.1:" + freePort() + ":80", "busybox", "sleep", "1000");
        Path record = tmp.resolve("data/network/attachments/" + id);
        Path saved = Files.createDirectories(tmp.resolve("saved-" + id.substring(0, 12)));
        try (Stream<Path> s = Files.list(record)) {
            for (Path f : s.toList()) Files.copy(f, saved.resolve(f.getFileName()));
        }
        ok("rm", "-f", "orphan");
        assertNothingLeft(id);
        // what a crash would have left: the namespace, the veth, the lease and the rules, and the record
        Files.createDirectories(record);
        try (Stream<Path> s = Files.list(saved)) {
            for (Path f : s.toList()) {
                var a = dev.berth.oci.json.Json.parseObject(Files.readString(f), f.toString());
                Path netns = dev.berth.network.NetNs.create(Path.of(a.string("NetNs")));
                dev.berth.network.Cni.defaults().add(a.object("Conflist").map(), a.object("RuntimeConfig").map(),
                        new dev.berth.network.Cni.Target(id, netns, a.string("IfName")));
                Files.copy(f, record.resolve(f.getFileName()));
            }
        }
        assertThat(run("iptables-save")).contains(id);
        daemon.close();
        daemon = Daemon.start(docker.socket(), tmp.resolve("data"), tmp.resolve("run"));
        assertNothingLeft(id);
    }
}
