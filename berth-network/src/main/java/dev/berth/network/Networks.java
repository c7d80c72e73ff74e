package dev.berth.network;

import dev.berth.oci.json.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The network records, one JSON file per network under {@code <data root>/network/networks/<id>.json}, written
 * atomically (temporary file, then rename), plus what a network owns on the host: its Linux bridge with the
 * gateway address (made at create, so its route shows in the host's routing table and other daemons'
 * allocations avoid it), the DROP rules of an internal network, and its host-local IPAM directory. The
 * predefined "bridge", "host" and "none" networks are made on first use.
 */
public final class Networks {
    /** The pool subnets are auto-allocated from, as docker's: 172.17-31.0.0/16, then 192.168.0-240.0/20. */
    static final List<Cidr> POOL = pool();
    private final Path dir;
    private final Path ipamDir;
    private final String defaultBridge;
    private final Cidr defaultSubnet;

    /**
     * @param root the data root's network directory
     * @param defaultBridge the default network's bridge device (berth0)
     * @param defaultSubnet its subnet (172.30.0.0/16 unless configured)
     */
    public Networks(Path root, String defaultBridge, Cidr defaultSubnet) throws IOException {
        this.dir = root.resolve("networks");
        this.ipamDir = root.resolve("ipam");
        this.defaultBridge = defaultBridge;
        this.defaultSubnet = defaultSubnet;
        Files.createDirectories(dir);
        Files.createDirectories(ipamDir);
        predefine();
    }

    /** host-local's dataDir: the leases, kept under the data root so they survive daemon restarts. */
    public Path ipamDir() {
        return ipamDir;
    }

    private synchronized void predefine() throws IOException {
        List<Network> all = all();
        if (all.stream().noneMatch(Network::isDefault)) {
            Cidr defaultSubnet = this.defaultSubnet;
            // a subnet another interface routes already (not our own bridge, kept across data roots): one from the pool
            List<Cidr> routes = Cidr.hostRoutes(defaultBridge);
            if (routes.stream().anyMatch(r -> r.overlaps(this.defaultSubnet))) defaultSubnet = allocate(all, routes);
            String gw = Cidr.format(defaultSubnet.host(1));
            save(new Network(newId(), "bridge", "bridge", defaultSubnet, gw, defaultBridge, false, false, true, Map.of(),
                    Map.of("com.docker.network.bridge.default_bridge", "true", "com.docker.network.bridge.enable_ip_masquerade", "true"), now()));
        }
        if (all.stream().noneMatch(n -> n.driver().equals("host"))) save(new Network(newId(), "host", "host", null, null, null, false, false, false, Map.of(), Map.of(), now()));
        if (all.stream().noneMatch(n -> n.driver().equals("null"))) save(new Network(newId(), "none", "null", null, null, null, false, false, false, Map.of(), Map.of(), now()));
    }

    public List<Network> all() throws IOException {
        List<Network> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            for (Path f : s.filter(p -> p.toString().endsWith(".json")).sorted().toList()) {
                try {
                    out.add(Network.fromJson(Json.parseObject(Files.readString(f), f.toString())));
                } catch (java.nio.file.NoSuchFileException gone) {
                    // removed meanwhile
                }
            }
        }
        return out;
    }

    /** By full id, name, or unique id prefix; 404 otherwise. */
    public Network find(String ref) throws IOException {
        List<Network> all = all();
        for (Network n : all) if (n.id().equals(ref) || n.name().equals(ref)) return n;
        List<Network> byPrefix = all.stream().filter(n -> n.id().startsWith(ref)).toList();
        if (byPrefix.size() == 1 && !ref.isEmpty()) return byPrefix.getFirst();
        if (byPrefix.size() > 1) throw new NetworkException(400, "network " + ref + " is ambiguous (" + byPrefix.size() + " matches found based on ID prefix)");
        throw new NetworkException(404, "network " + ref + " not found");
    }

    public Network defaultNetwork() throws IOException {
        return all().stream().filter(Network::isDefault).findFirst().orElseThrow();
    }

    /** What docker network create asks for. subnet and gateway may be null (allocated). */
    public record CreateRequest(String name, String driver, String subnet, String gateway, boolean internal, boolean attachable,
                                Map<String, String> labels, Map<String, String> options) {}

    /**
     * Creates a bridge network: validates the name, subnet and gateway (400), refuses duplicates and overlaps
     * with other networks or host routes (409), makes the bridge, then writes the record. On any failure what
     * was made is removed.
     */
    public synchronized Network create(CreateRequest r) throws IOException {
        if (r.name() == null || r.name().isBlank()) throw new NetworkException(400, "network name is required");
        if (!r.name().matches("[a-zA-Z0-9][a-zA-Z0-9_.-]*")) throw new NetworkException(400, "invalid network name \"" + r.name() + "\": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed");
        String driver = r.driver() == null || r.driver().isEmpty() ? "bridge" : r.driver();
        if (!driver.equals("bridge")) throw new NetworkException(400, "network driver \"" + driver + "\" is not supported: only \"bridge\" networks can be created");
        List<Network> all = all();
        if (all.stream().anyMatch(n -> n.name().equals(r.name()))) throw new NetworkException(409, "network with name " + r.name() + " already exists");
        List<Cidr> routes = Cidr.hostRoutes();
        Cidr subnet;
        if (r.subnet() != null && !r.subnet().isEmpty()) {
            try {
                subnet = Cidr.parse(r.subnet());
            } catch (IllegalArgumentException e) {
                throw new NetworkException(400, "IPAM Subnet: " + e.getMessage());
            }
            if (subnet.prefix() > 30) throw new NetworkException(400, "invalid subnet " + subnet + ": too small for containers (at most /30)");
            for (Network n : all) {
                if (n.subnet() != null && n.subnet().overlaps(subnet)) {
                    throw new NetworkException(409, "invalid pool request: Pool overlaps with other one on this address space: subnet " + subnet
                            + " overlaps network " + n.name() + " (" + n.subnet() + ")");
                }
            }
            for (Cidr route : routes) {
                if (route.overlaps(subnet)) throw new NetworkException(409, "subnet " + subnet + " overlaps the host route " + route);
            }
        } else {
            if (r.gateway() != null && !r.gateway().isEmpty()) throw new NetworkException(400, "a gateway needs a subnet (--subnet)");
            subnet = allocate(all, routes);
        }
        String gateway;
        if (r.gateway() != null && !r.gateway().isEmpty()) {
            int gw;
            try {
                gw = Cidr.address(r.gateway());
            } catch (IllegalArgumentException e) {
                throw new NetworkException(400, "IPAM Gateway: " + e.getMessage());
            }
            int broadcast = subnet.network() | ~Cidr.mask(subnet.prefix());
            if (!subnet.contains(gw) || gw == subnet.network() || gw == broadcast) {
                throw new NetworkException(400, "gateway " + r.gateway() + " is not a host address of subnet " + subnet);
            }
            gateway = r.gateway();
        } else {
            gateway = Cidr.format(subnet.host(1));
        }
        String id = newId();
        Map<String, String> options = r.options() == null ? Map.of() : r.options();
        String bridge = options.getOrDefault("com.docker.network.bridge.name", "br-" + id.substring(0, 12));
        if (bridge.length() > 15 || !bridge.matches("[a-zA-Z0-9_.-]+")) throw new NetworkException(400, "invalid bridge name \"" + bridge + "\": at most 15 of [a-zA-Z0-9_.-]");
        if (Files.exists(Path.of("/sys/class/net", bridge))) throw new NetworkException(409, "a network device named " + bridge + " already exists");
        Network n = new Network(id, r.name(), "bridge", subnet, gateway, bridge, r.internal(), r.attachable(), false,
                r.labels() == null ? Map.of() : r.labels(), options, now());
        try {
            up(n);
            save(n);
        } catch (IOException | RuntimeException e) {
            down(n);
            Files.deleteIfExists(file(n.id()));
            throw e;
        }
        return n;
    }

    /** A free subnet from the pool: overlapping no network of ours and no host route. */
    static Cidr allocate(List<Network> networks, List<Cidr> routes) {
        for (Cidr c : POOL) {
            if (networks.stream().anyMatch(n -> n.subnet() != null && n.subnet().overlaps(c))) continue;
            if (routes.stream().anyMatch(r -> r.overlaps(c))) continue;
            return c;
        }
        throw new NetworkException(409, "could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network");
    }

    private static List<Cidr> pool() {
        List<Cidr> p = new ArrayList<>();
        for (int i = 17; i <= 31; i++) p.add(Cidr.parse("172." + i + ".0.0/16"));
        for (int i = 0; i < 256; i += 16) p.add(Cidr.parse("192.168." + i + ".0/20"));
        return List.copyOf(p);
    }

    /**
     * Makes the network's bridge with its gateway address, up (idempotent: an existing bridge is kept, as the
     * default one is across restarts), and an internal network's DROP rules for traffic leaving the bridge.
     */
    public void up(Network n) {
        if (!n.isBridge()) return;
        if (!Files.exists(Path.of("/sys/class/net", n.bridge()))) {
            var r = HostCommands.tryRun("ip", "link", "add", "name", n.bridge(), "type", "bridge");
            if (r.exit() != 0 && !Files.exists(Path.of("/sys/class/net", n.bridge()))) {
                throw new NetworkException(500, "create bridge " + n.bridge() + ": " + r.output().strip());
            }
        }
        String addr = n.gateway() + "/" + n.subnet().prefix();
        if (!HostCommands.run("list bridge addresses", "ip", "-4", "-o", "addr", "show", "dev", n.bridge()).contains(" " + addr + " ")) {
            var r = HostCommands.tryRun("ip", "addr", "add", addr, "dev", n.bridge());
            if (r.exit() != 0 && !r.output().contains("File exists")) throw new NetworkException(500, "gateway address " + addr + " on " + n.bridge() + ": " + r.output().strip());
        }
        HostCommands.run("bring bridge up", "ip", "link", "set", n.bridge(), "up");
        isolate(n);
        if (!n.internal() && HostCommands.tryRun(masquerade(n, "-C")).exit() != 0) HostCommands.run("outbound NAT rule", masquerade(n, "-A"));
        if (n.internal()) {
            for (String[] rule : internalRules(n)) {
                if (HostCommands.tryRun(iptables("FORWARD", "-C", rule)).exit() != 0) HostCommands.run("internal network rule", iptables("FORWARD", "-I", rule));
            }
        }
    }

    /**
     * Networks do not reach each other (docker's isolation): traffic from one berth bridge to another is
     * dropped. Two chains shared by all berth networks on the host, as docker's DOCKER-ISOLATION-STAGE-1/2:
     * BERTH-ISOLATION-1 sends what leaves a bridge for another interface to BERTH-ISOLATION-2, which drops
     * it when that interface is a berth bridge.
     */
    private static void isolate(Network n) {
        for (String chain : List.of(ISOLATION_1, ISOLATION_2)) HostCommands.tryRun("iptables", "-w", "-N", chain);
        String[] jump = {"-j", ISOLATION_1};
        if (HostCommands.tryRun(iptables("FORWARD", "-C", jump)).exit() != 0) HostCommands.run("isolation chain", iptables("FORWARD", "-I", jump));
        for (String[][] r : isolationRules(n)) {
            if (HostCommands.tryRun(iptables(r[0][0], "-C", r[1])).exit() != 0) HostCommands.run("isolation rule", iptables(r[0][0], "-A", r[1]));
        }
    }

    static final String ISOLATION_1 = "BERTH-ISOLATION-1", ISOLATION_2 = "BERTH-ISOLATION-2";

    private static List<String[][]> isolationRules(Network n) {
        return List.of(new String[][]{{ISOLATION_1}, {"-i", n.bridge(), "!", "-o", n.bridge(), "-j", ISOLATION_2}},
                new String[][]{{ISOLATION_2}, {"-o", n.bridge(), "-j", "DROP"}});
    }

    /**
     * Removes what {@link #up} made; each part may be missing. The default bridge stays, as docker0 does
     * (only {@link #teardown} removes it: tests with their own default bridge).
     */
    void down(Network n) {
        if (!n.isDefault()) teardown(n);
    }

    /** Removes a bridge network's device and rules, the default one too. */
    public void teardown(Network n) {
        if (!n.isBridge()) return;
        if (n.internal()) for (String[] rule : internalRules(n)) while (HostCommands.tryRun(iptables("FORWARD", "-D", rule)).exit() == 0) { /* all copies */ }
        for (String[][] r : isolationRules(n)) while (HostCommands.tryRun(iptables(r[0][0], "-D", r[1])).exit() == 0) { /* all copies */ }
        while (HostCommands.tryRun(masquerade(n, "-D")).exit() == 0) { /* all copies */ }
        if (Files.exists(Path.of("/sys/class/net", n.bridge()))) HostCommands.tryRun("ip", "link", "del", n.bridge());
        removeIsolationChainsIfEmpty();
    }

    /** The shared isolation chains and FORWARD's jump to them go with the last berth network's rules. */
    private static void removeIsolationChainsIfEmpty() {
        for (String chain : List.of(ISOLATION_1, ISOLATION_2)) {
            var r = HostCommands.tryRun("iptables", "-w", "-S", chain);
            if (r.exit() == 0 && r.output().lines().anyMatch(l -> l.startsWith("-A "))) return;
        }
        while (HostCommands.tryRun(iptables("FORWARD", "-D", new String[]{"-j", ISOLATION_1})).exit() == 0) { /* all copies */ }
        for (String chain : List.of(ISOLATION_1, ISOLATION_2)) HostCommands.tryRun("iptables", "-w", "-X", chain);
    }

    /**
     * Outbound NAT for the whole network, one rule made with its bridge, as docker's
     * {@code -s 172.17.0.0/16 ! -o docker0 -j MASQUERADE}: the bridge plugin's ipMasq would instead add and
     * remove a chain and rules per container, about 100 ms of iptables runs on every container's start and end.
     * The rule names no network id: the default bridge of every data root on the host is the same rule.
     */
    private static String[] masquerade(Network n, String op) {
        return new String[]{"iptables", "-w", "-t", "nat", op, "POSTROUTING", "-s", n.subnet().toString(), "!", "-o", n.bridge(),
                "-m", "comment", "--comment", "berth", "-j", "MASQUERADE"};
    }

    private static List<String[]> internalRules(Network n) {
        String comment = "berth internal network " + n.id().substring(0, 12);
        return List.of(new String[]{"-i", n.bridge(), "!", "-o", n.bridge(), "-m", "comment", "--comment", comment, "-j", "DROP"},
                new String[]{"-o", n.bridge(), "!", "-i", n.bridge(), "-m", "comment", "--comment", comment, "-j", "DROP"});
    }

    private static String[] iptables(String chain, String op, String[] rule) {
        List<String> c = new ArrayList<>(List.of("iptables", "-w", op, chain));
        c.addAll(List.of(rule));
        return c.toArray(String[]::new);
    }

    /**
     * Whether forwarded traffic needs the firewall plugin's ACCEPT rules: the FORWARD chain's policy is not
     * ACCEPT (docker sets it to DROP). The plugin costs about 80 ms per container life (ADD and DEL run
     * iptables many times), so it is left out where it changes nothing.
     */
    public static boolean forwardNeedsFirewall() {
        long now = System.nanoTime();
        if (now - forwardCheckedAt > FORWARD_RECHECK_NANOS || forwardCheckedAt == 0) {
            var r = HostCommands.tryRun("iptables", "-w", "-S", "FORWARD");
            forwardNeedsFirewall = r.exit() != 0 || !r.output().startsWith("-P FORWARD ACCEPT");
            forwardCheckedAt = now;
        }
        return forwardNeedsFirewall;
    }

    /** The FORWARD policy is read again after this long: an iptables run per container start costs ~10 ms. */
    private static final long FORWARD_RECHECK_NANOS = 30_000_000_000L;
    private static volatile long forwardCheckedAt;
    private static volatile boolean forwardNeedsFirewall;

    /** Removes a user-defined network: bridge, rules, leases and record. The caller checks it has no endpoints. */
    public synchronized void remove(Network n) throws IOException {
        if (n.predefined()) throw new NetworkException(403, n.name() + " is a pre-defined network and cannot be removed");
        down(n);
        deleteTree(ipamDir.resolve(n.cniName()));
        Files.deleteIfExists(file(n.id()));
    }

    private Path file(String id) {
        return dir.resolve(id + ".json");
    }

    private void save(Network n) throws IOException {
        Path tmp = dir.resolve("." + n.id() + ".tmp");
        Files.writeString(tmp, Json.write(n.toJson()));
        Files.move(tmp, file(n.id()), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }

    private static String newId() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    private static String now() {
        return Instant.now().toString();
    }

    /**
     * The CNI configuration list for attaching a container: the bridge plugin (gateway on the bridge, masquerade
     * unless internal, hairpin so a container reaches its own published ports) with host-local IPAM in
     * {@link #ipamDir}, the firewall plugin (accepts the container's forwarded traffic) when asked for, and
     * portmap (DNAT, with snat so 127.0.0.1 works) when ports are published.
     */
    public Map<String, Object> conflist(Network n, boolean ports, boolean firewall) {
        if (!n.isBridge()) throw new IllegalArgumentException("network " + n.name() + " (" + n.driver() + ") is not attached through CNI");
        Map<String, Object> range = Json.obj("subnet", n.subnet().toString(), "gateway", n.gateway());
        Map<String, Object> ipam = Json.obj("type", "host-local", "ranges", List.of(List.of(range)), "dataDir", ipamDir.toString());
        if (!n.internal()) ipam.put("routes", List.of(Json.obj("dst", "0.0.0.0/0")));
        List<Object> plugins = new ArrayList<>();
        plugins.add(Json.obj("type", "bridge", "bridge", n.bridge(), "isGateway", true, "ipMasq", false, "hairpinMode", true, "ipam", ipam));
        if (firewall && !n.internal()) plugins.add(Json.obj("type", "firewall", "backend", "iptables"));
        if (ports) plugins.add(Json.obj("type", "portmap", "snat", true, "capabilities", Json.obj("portMappings", true)));
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("cniVersion", "1.0.0");
        c.put("name", n.cniName());
        c.put("plugins", plugins);
        return c;
    }
}
