package dev.berth.engine;

import dev.berth.network.Cidr;
import dev.berth.network.Cni;
import dev.berth.network.NameResolver;
import dev.berth.network.NetNs;
import dev.berth.network.NetStats;
import dev.berth.network.Network;
import dev.berth.network.NetworkException;
import dev.berth.network.Networks;
import dev.berth.network.Ports;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.stream.Stream;

/**
 * Containers on networks: the engine's side of berth-network. A container's networks are named at create
 * (HostConfig.NetworkMode, NetworkingConfig) and kept in its NetworkSettings; at start it gets its own network
 * namespace (a file under the run root, joined by the OCI spec by path), one CNI ADD per network (eth0,
 * eth1, ...), its published host ports reserved, and /etc/hosts and /etc/resolv.conf written; at exit, and
 * again at removal, every attachment is undone with CNI DEL. What DEL needs (the configuration list, runtime
 * config and cached result) is kept per attachment in {@code <data root>/network/attachments/<container>/<network>.json}
 * from just before ADD until DEL succeeded, so DEL runs even after a daemon crash.
 */
public final class ContainerNetworks implements NameResolver {
    private final Engine engine;
    private final Events events;
    private final Networks networks;
    private final Cni cni = Cni.defaults();
    private final Path netnsDir;
    private final Path attachDir;
    private final Map<String, Ports.Reservation> reservations = new ConcurrentHashMap<>();
    private volatile NameResolver.Service nameService;

    /**
     * The default bridge is {@code berth0} on 172.30.0.0/16 unless the system properties berth.bridge and
     * berth.bridge.subnet say otherwise (tests use their own, as a second daemon on one host must).
     */
    ContainerNetworks(Engine engine, Events events, Path dataRoot, Path runRoot) throws IOException {
        this.engine = engine;
        this.events = events;
        this.networks = new Networks(dataRoot.resolve("network"), System.getProperty("berth.bridge", "berth0"),
                Cidr.parse(System.getProperty("berth.bridge.subnet", "172.30.0.0/16")));
        this.netnsDir = runRoot.resolve("netns");
        this.attachDir = dataRoot.resolve("network").resolve("attachments");
        Files.createDirectories(attachDir);
        for (Network n : networks.all()) {
            // the default bridge, and after a reboot user networks' bridges (so their routes are taken again)
            if (n.isBridge() && (n.isDefault() || !Files.exists(Path.of("/sys/class/net", n.bridge())))) call(() -> networks.up(n));
        }
    }

    /**
     * DEL for attachments whose container is gone from the store (a removal whose DEL failed, or a crash
     * between the two): run once when the engine starts.
     */
    void sweep() throws IOException {
        Set<String> known = new java.util.HashSet<>();
        for (Map<String, Object> c : engine.list(true)) known.add((String) c.get("Id"));
        List<Path> dirs;
        try (Stream<Path> s = Files.list(attachDir)) {
            dirs = s.filter(Files::isDirectory).toList();
        }
        for (Path d : dirs) {
            String id = d.getFileName().toString();
            if (known.contains(id)) continue;
            try {
                detach(new LinkedHashMap<>(Map.of("Id", id)));
            } catch (IOException | RuntimeException e) {
                System.err.println("berth: warning: " + e.getMessage());
            }
        }
    }

    public Networks store() {
        return networks;
    }

    private interface Step<T> {
        T run() throws IOException;
    }

    /** NetworkException (and a plugin's error) as the engine's exception with the same status. */
    private static <T> T call(Step<T> s) throws IOException {
        try {
            return s.run();
        } catch (NetworkException e) {
            throw new EngineException(e.status(), e.getMessage());
        }
    }

    private static void call(Runnable r) {
        try {
            r.run();
        } catch (NetworkException e) {
            throw new EngineException(e.status(), e.getMessage());
        }
    }

    // ------------------------------------------------------------------ the DNS hook

    /**
     * Plugs in the embedded DNS server: it is told of every user-defined network now and as they come and go,
     * and resolves names through this object ({@link #resolve}).
     */
    public void setNameService(NameResolver.Service service) throws IOException {
        this.nameService = service;
        if (service == null) return;
        for (Network n : networks.all()) if (n.isBridge() && !n.isDefault()) service.networkUp(n, this);
    }

    /**
     * network id → lower-cased name → addresses of the running containers, built from the store when a query
     * finds it null and dropped whenever a container's document changes ({@link #namesChanged}): the DNS server
     * asks for every query (A and AAAA, with and without the search domain), so it answers from memory.
     */
    private volatile Map<String, Map<String, List<Inet4Address>>> names;
    private final java.util.concurrent.atomic.AtomicLong namesGeneration = new java.util.concurrent.atomic.AtomicLong();

    /** A container's document was saved or deleted: its names or addresses may have changed. */
    void namesChanged() {
        synchronized (namesGeneration) {
            namesGeneration.incrementAndGet();
            names = null;
        }
    }

    /** A running container's address on a network by its name, hostname, network alias or short id. */
    @Override
    public List<Inet4Address> resolve(String networkId, String name) {
        String q = (name.endsWith(".") ? name.substring(0, name.length() - 1) : name).toLowerCase(java.util.Locale.ROOT);
        Map<String, Map<String, List<Inet4Address>>> table = names;
        if (table == null) {
            long generation = namesGeneration.get();
            try {
                table = nameTable();
            } catch (IOException e) {
                return List.of();
            }
            synchronized (namesGeneration) { // kept only if no change came while it was read
                if (namesGeneration.get() == generation) names = table;
            }
        }
        return table.getOrDefault(networkId, Map.of()).getOrDefault(q, List.of());
    }

    private Map<String, Map<String, List<Inet4Address>>> nameTable() throws IOException {
        Map<String, Map<String, List<Inet4Address>>> table = new java.util.HashMap<>();
        for (Map<String, Object> c : engine.list(false)) {
            for (var e : endpoints(c).entrySet()) {
                Map<?, ?> ep = (Map<?, ?>) e.getValue();
                String ip = String.valueOf(ep.get("IPAddress"));
                if (ip.isEmpty() || ip.equals("null") || ep.get("NetworkID") == null) continue;
                Inet4Address addr = (Inet4Address) InetAddress.getByName(ip);
                for (String n : names(c, ep)) {
                    table.computeIfAbsent(String.valueOf(ep.get("NetworkID")), k -> new java.util.HashMap<>())
                            .computeIfAbsent(n.toLowerCase(java.util.Locale.ROOT), k -> new ArrayList<>()).add(addr);
                }
            }
        }
        return table;
    }

    /** The names a container answers to on a network: its name, network aliases, 12-char id, hostname. */
    private static Set<String> names(Map<String, Object> c, Map<?, ?> ep) {
        Set<String> n = new LinkedHashSet<>();
        n.add(String.valueOf(c.get("Name")).substring(1));
        if (ep.get("Aliases") instanceof List<?> a) a.forEach(x -> n.add(String.valueOf(x)));
        n.add(String.valueOf(c.get("Id")).substring(0, 12));
        Object h = ((Map<?, ?>) c.get("Config")).get("Hostname");
        if (h != null && !String.valueOf(h).isEmpty()) n.add(String.valueOf(h));
        return n;
    }

    // ------------------------------------------------------------------ create

    /**
     * The NetworkSettings of a new container: its networks (unknown ones are a 400), ports checked (400),
     * nothing made yet. Called before the container is stored.
     */
    Map<String, Object> settingsForCreate(Map<String, Object> hostConfig, JsonObject body, Map<String, Object> config) throws IOException {
        try {
            return newSettings(hostConfig, body, config);
        } catch (EngineException e) {
            // the docker CLI answers a 404 to create by pulling the image: an unknown network is bad input here
            if (e.status() == 404) throw new EngineException(400, e.getMessage());
            throw e;
        }
    }

    private Map<String, Object> newSettings(Map<String, Object> hostConfig, JsonObject body, Map<String, Object> config) throws IOException {
        String mode = String.valueOf(hostConfig.getOrDefault("NetworkMode", "default"));
        Map<String, Object> eps = new LinkedHashMap<>();
        JsonObject nc = body.object("NetworkingConfig");
        JsonObject epc = nc == null ? null : nc.object("EndpointsConfig");
        if (mode.startsWith("container:")) {
            engine.find(mode.substring("container:".length()));
        } else {
            Network n = call(() -> networks.find(mode.equals("default") ? "bridge" : mode));
            JsonObject given = epc == null ? null : epc.object(mode.equals("default") ? "bridge" : mode);
            if (given == null && epc != null) given = epc.object(n.name());
            eps.put(n.name(), endpoint(n, given == null ? List.of() : given.strings("Aliases")));
            if (epc != null) {
                for (String other : epc.map().keySet()) {
                    if (other.equals(mode) || other.equals(n.name()) || other.equals(n.id())) continue;
                    Network o = call(() -> networks.find(other));
                    if (!o.isBridge()) throw new EngineException(400, "container cannot be connected to network " + o.name() + " and " + n.name());
                    eps.put(o.name(), endpoint(o, epc.object(other).strings("Aliases")));
                }
            }
            if (!n.isBridge() && hasPorts(hostConfig)) {
                // docker ignores published ports with host networking (a warning), and they make no sense with none
                if (n.driver().equals("null")) throw new EngineException(400, "conflicting options: port publishing and the container type network mode");
            }
        }
        call(() -> Ports.requested((Map<?, ?>) hostConfig.get("PortBindings"), Boolean.TRUE.equals(hostConfig.get("PublishAllPorts")), exposed(config)));
        return Json.obj("Bridge", "", "SandboxID", "", "SandboxKey", "", "Ports", Map.of(), "HairpinMode", false,
                "IPAddress", "", "IPPrefixLen", 0, "Gateway", "", "MacAddress", "", "Networks", eps);
    }

    private static boolean hasPorts(Map<String, Object> hostConfig) {
        return hostConfig.get("PortBindings") instanceof Map<?, ?> m && !m.isEmpty() || Boolean.TRUE.equals(hostConfig.get("PublishAllPorts"));
    }

    private static Map<String, Object> endpoint(Network n, List<String> aliases) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("IPAMConfig", null);
        m.put("Links", null);
        m.put("Aliases", new ArrayList<>(new LinkedHashSet<>(aliases)));
        m.put("MacAddress", "");
        m.put("NetworkID", n.id());
        m.put("EndpointID", "");
        m.put("Gateway", "");
        m.put("IPAddress", "");
        m.put("IPPrefixLen", 0);
        m.put("IPv6Gateway", "");
        m.put("GlobalIPv6Address", "");
        m.put("GlobalIPv6PrefixLen", 0);
        m.put("DriverOpts", null);
        m.put("DNSNames", null);
        return m;
    }

    private static List<String> exposed(Map<String, Object> config) {
        return config.get("ExposedPorts") instanceof Map<?, ?> m ? m.keySet().stream().map(String::valueOf).toList() : List.of();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> settings(Map<String, Object> c) {
        return (Map<String, Object>) c.get("NetworkSettings");
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> endpoints(Map<String, Object> c) {
        Object n = settings(c).get("Networks");
        if (!(n instanceof Map<?, ?>)) settings(c).put("Networks", n = new LinkedHashMap<>());
        return (Map<String, Object>) n;
    }

    @SuppressWarnings("unchecked")
    private static String mode(Map<String, Object> c) {
        return String.valueOf(((Map<String, Object>) c.get("HostConfig")).getOrDefault("NetworkMode", "default"));
    }

    Path netns(String id) {
        return netnsDir.resolve(id);
    }

    // ------------------------------------------------------------------ start, exit

    /** What {@link #attach} left running: the CNI ADDs, which must be done before the container's process runs. */
    interface Attaching {
        Attaching DONE = () -> { };

        /** Waits for the attachments; their failure (already undone) is thrown here. */
        void await() throws IOException;
    }

    /**
     * Before the container's process is made: its namespace and the spec made to join it now; the attachments
     * (CNI ADD per network), ports and files then go on while the runtime creates the process, recorded in the
     * document (the caller awaits, then saves it). All or nothing.
     */
    @SuppressWarnings("unchecked")
    Attaching attach(Map<String, Object> c, Map<String, Object> spec, Path containerDir) throws IOException {
        String id = (String) c.get("Id");
        String mode = mode(c);
        Map<String, Object> linux = (Map<String, Object>) spec.get("linux");
        List<Object> ns = new ArrayList<>((List<Object>) linux.get("namespaces"));
        ns.removeIf(x -> "network".equals(((Map<?, ?>) x).get("type")));
        if (mode.equals("host")) {
            linux.put("namespaces", ns);
            return Attaching.DONE;
        }
        if (mode.startsWith("container:")) {
            Map<String, Object> other = engine.find(mode.substring("container:".length()));
            String key = String.valueOf(settings(other).get("SandboxKey"));
            if (!Boolean.TRUE.equals(((Map<?, ?>) other.get("State")).get("Running")) || key.isEmpty() || !Files.exists(Path.of(key))) {
                throw new EngineException(409, "cannot join network of a non running container: " + other.get("Id"));
            }
            ns.add(Json.obj("type", "network", "path", key));
            linux.put("namespaces", ns);
            for (String f : List.of("hosts", "resolv.conf")) {
                Path from = Path.of(String.valueOf(other.get(f.equals("hosts") ? "HostsPath" : "ResolvConfPath")));
                if (Files.exists(from)) Files.writeString(containerDir.resolve(f), Files.readString(from));
            }
            return Attaching.DONE;
        }
        Path file = netns(id);
        detach(c); // leftovers of a run that was not cleaned up
        try {
            call(() -> NetNs.create(file));
        } catch (IOException | RuntimeException e) {
            NetNs.remove(file);
            throw e;
        }
        settings(c).put("SandboxKey", file.toString());
        settings(c).put("SandboxID", id);
        ns.add(Json.obj("type", "network", "path", file.toString()));
        linux.put("namespaces", ns);
        CompletableFuture<Void> done = new CompletableFuture<>();
        Thread.ofVirtual().name("berth-net-" + id.substring(0, 12)).start(() -> {
            try {
                connectAll(c, containerDir);
                done.complete(null);
            } catch (Throwable e) {
                done.completeExceptionally(e);
            }
        });
        return () -> {
            try {
                done.join();
            } catch (java.util.concurrent.CompletionException e) {
                if (e.getCause() instanceof IOException io) throw io;
                if (e.getCause() instanceof RuntimeException re) throw re;
                throw new IOException(e.getCause());
            }
        };
    }

    /** The CNI ADDs of a container's networks, its ports and its hosts files; undone on failure. */
    @SuppressWarnings("unchecked")
    private void connectAll(Map<String, Object> c, Path containerDir) throws IOException {
        String id = (String) c.get("Id");
        try {
            Map<String, Object> host = (Map<String, Object>) c.get("HostConfig");
            List<Ports.Mapping> requested = call(() -> Ports.requested((Map<?, ?>) host.get("PortBindings"),
                    Boolean.TRUE.equals(host.get("PublishAllPorts")), exposed((Map<String, Object>) c.get("Config"))));
            List<Ports.Mapping> published = List.of();
            boolean first = true;
            int ifindex = 0;
            for (var e : endpoints(c).entrySet()) {
                Map<String, Object> ep = (Map<String, Object>) e.getValue();
                Network n = call(() -> networks.find(String.valueOf(ep.get("NetworkID"))));
                if (!n.isBridge()) continue;
                List<Ports.Mapping> ports = List.of();
                if (first && !requested.isEmpty()) {
                    Ports.Reservation r = call(() -> Ports.reserve(requested));
                    reservations.put(id, r);
                    ports = published = r.mappings();
                }
                first = false;
                addEndpoint(c, n, ep, "eth" + ifindex++, ports);
            }
            settings(c).put("Ports", Ports.settings(published, exposed((Map<String, Object>) c.get("Config"))));
            writeFiles(c, containerDir);
        } catch (IOException | RuntimeException e) {
            try {
                detach(c);
            } catch (IOException | RuntimeException again) {
                e.addSuppressed(again);
            }
            throw e;
        }
    }

    /** CNI ADD of one network; the attachment file first, so a crash in between still gets its DEL. */
    private void addEndpoint(Map<String, Object> c, Network n, Map<String, Object> ep, String ifname, List<Ports.Mapping> ports) throws IOException {
        String id = (String) c.get("Id");
        if (!Files.exists(Path.of("/sys/class/net", n.bridge()))) call(() -> networks.up(n));
        Map<String, Object> conflist = networks.conflist(n, !ports.isEmpty(), Networks.forwardNeedsFirewall());
        Map<String, Object> rc = Json.obj("portMappings", ports.stream().map(Ports.Mapping::cni).toList());
        Path file = attachDir.resolve(id).resolve(n.id() + ".json");
        Map<String, Object> a = Json.obj("Network", n.id(), "Name", n.name(), "IfName", ifname, "NetNs", netns(id).toString(),
                "Conflist", conflist, "RuntimeConfig", rc);
        write(file, a);
        JsonObject result = call(() -> cni.add(conflist, rc, new Cni.Target(id, netns(id), ifname)));
        a.put("Result", result.map());
        write(file, a);
        fill(ep, n, result, ifname);
        if (n.isDefault()) {
            Map<String, Object> s = settings(c);
            s.put("Bridge", n.bridge());
            for (String k : List.of("IPAddress", "IPPrefixLen", "Gateway", "MacAddress")) s.put(k, ep.get(k));
        }
        events.publish("network", "connect", n.id(), attrs(n, id));
    }

    /** EndpointSettings from a CNI result: the first address, its gateway, the MAC of the interface in the container. */
    static void fill(Map<String, Object> ep, Network n, JsonObject result, String ifname) {
        List<JsonObject> ips = result.objects("ips");
        List<JsonObject> ifs = result.objects("interfaces");
        if (ips.isEmpty()) throw new EngineException(500, "CNI ADD on network " + n.name() + " returned no address");
        JsonObject ip = ips.getFirst();
        String[] addr = ip.requireString("address").split("/");
        ep.put("IPAddress", addr[0]);
        ep.put("IPPrefixLen", Integer.parseInt(addr[1]));
        ep.put("Gateway", ip.string("gateway", ""));
        String mac = "";
        Integer idx = ip.intOrNull("interface");
        if (idx != null && idx < ifs.size()) mac = ifs.get(idx).string("mac", "");
        else for (JsonObject i : ifs) if (ifname.equals(i.string("name")) && i.has("sandbox")) mac = i.string("mac", "");
        ep.put("MacAddress", mac);
        ep.put("EndpointID", newId());
        ep.put("DNSNames", null);
    }

    /**
     * Live restore: holds again the host ports a still-running container published (from its NetworkSettings.Ports),
     * as the daemon that started it did, so no other container takes them. A port something else took meanwhile
     * is reported; the container keeps running.
     */
    void reclaimPorts(Map<String, Object> c) {
        String id = (String) c.get("Id");
        if (!(settings(c).get("Ports") instanceof Map<?, ?> ports) || reservations.containsKey(id)) return;
        List<Ports.Mapping> held = new ArrayList<>();
        for (var e : ports.entrySet()) {
            if (!(e.getValue() instanceof List<?> bindings)) continue;
            String[] pp = String.valueOf(e.getKey()).split("/", 2);
            for (Object b : bindings) {
                Map<?, ?> m = (Map<?, ?>) b;
                String ip = String.valueOf(m.get("HostIp"));
                int port = Integer.parseInt(String.valueOf(m.get("HostPort")));
                held.add(new Ports.Mapping(pp.length > 1 ? pp[1] : "tcp", Integer.parseInt(pp[0]), ip.equals("0.0.0.0") ? "" : ip, port, port));
            }
        }
        if (held.isEmpty()) return;
        try {
            reservations.put(id, Ports.reserve(held));
        } catch (RuntimeException e) {
            System.err.println("berth: warning: container " + id.substring(0, 12) + " keeps running, but its ports: " + e.getMessage());
        }
    }

    /** The daemon stops (containers go on running): its port reservations go with it, as at a process exit. */
    void releasePorts() {
        for (String id : List.copyOf(reservations.keySet())) {
            Ports.Reservation r = reservations.remove(id);
            if (r != null) r.close();
        }
    }

    /**
     * The daemon stops: the default bridge and its NAT rule go too when nothing is attached to it (no port on
     * the bridge), so a host where berth ran and stopped has no device or rule of it left; the next container
     * start makes them again. With containers still attached (live restore) it stays.
     */
    void removeIdleDefaultBridge() {
        try {
            Network d = networks.defaultNetwork();
            Path ports = Path.of("/sys/class/net", d.bridge(), "brif");
            if (!Files.isDirectory(ports)) return;
            try (Stream<Path> attached = Files.list(ports)) {
                if (attached.findAny().isPresent()) return;
            }
            networks.teardown(d);
        } catch (IOException | RuntimeException e) {
            System.err.println("berth: warning: removing the idle default bridge: " + e.getMessage());
        }
    }

    /**
     * Undoes every attachment of the container: CNI DEL per network (from the recorded files), the host ports
     * released, the namespace removed, the addresses cleared from the document (the caller saves). Safe to
     * repeat; a DEL that fails keeps its file and is reported.
     */
    @SuppressWarnings("unchecked")
    void detach(Map<String, Object> c) throws IOException {
        String id = (String) c.get("Id");
        Ports.Reservation r = reservations.remove(id);
        if (r != null) r.close();
        Path dir = attachDir.resolve(id);
        IOException failed = null;
        // The namespace goes first when no running container joined it: the kernel then tears its veths down
        // on its own time, and the plugins' DEL (which accepts a namespace that is gone) only releases the
        // address and rules: 8 ms instead of 22 ms, since deleting a veth synchronously waits out RCU.
        if (NetNs.isMounted(netns(id)) && !joinedByAnother(c)) NetNs.remove(netns(id));
        if (Files.isDirectory(dir)) {
            List<Path> files;
            try (Stream<Path> s = Files.list(dir)) {
                files = s.filter(p -> p.toString().endsWith(".json")).toList();
            }
            for (Path f : files) {
                try {
                    del(id, f);
                } catch (IOException | RuntimeException e) {
                    if (failed == null) failed = new IOException("network cleanup of " + id.substring(0, 12) + ": " + e.getMessage(), e);
                }
            }
            try (Stream<Path> s = Files.list(dir)) {
                if (s.findAny().isEmpty()) Files.deleteIfExists(dir);
            }
        }
        NetNs.remove(netns(id));
        if (c.get("NetworkSettings") instanceof Map<?, ?>) {
            Map<String, Object> s = settings(c);
            for (Object o : endpoints(c).values()) {
                Map<String, Object> ep = (Map<String, Object>) o;
                for (String k : List.of("EndpointID", "Gateway", "IPAddress", "MacAddress")) ep.put(k, "");
                ep.put("IPPrefixLen", 0);
            }
            for (String k : List.of("SandboxID", "SandboxKey", "IPAddress", "Gateway", "MacAddress")) s.put(k, "");
            s.put("IPPrefixLen", 0);
            s.put("Ports", Map.of());
        }
        if (failed != null) throw failed;
    }

    /** Whether a running container shares this one's network namespace (--network container:THIS). */
    private boolean joinedByAnother(Map<String, Object> c) throws IOException {
        String id = (String) c.get("Id"), name = String.valueOf(c.get("Name")).replaceFirst("^/", "");
        for (Map<String, Object> o : engine.list(false)) {
            String m = mode(o);
            if (!m.startsWith("container:") || o.get("Id").equals(id)) continue;
            String ref = m.substring("container:".length()).replaceFirst("^/", "");
            if (ref.equals(name) || id.startsWith(ref)) return true; // any prefix: when unsure, the slow, safe order
        }
        return false;
    }

    /** CNI DEL of one recorded attachment; its file is deleted once DEL succeeded. */
    private void del(String id, Path f) throws IOException {
        JsonObject a = Json.parseObject(Files.readString(f), f.toString());
        JsonObject result = a.object("Result");
        cni.del(a.object("Conflist").map(), a.object("RuntimeConfig").map(), result,
                new Cni.Target(id, Path.of(a.requireString("NetNs")), a.requireString("IfName")));
        Files.delete(f);
        events.publish("network", "disconnect", a.requireString("Network"), Map.of("container", id, "name", a.string("Name", ""), "type", "bridge"));
    }

    private static void write(Path file, Map<String, Object> doc) throws IOException {
        Files.createDirectories(file.getParent());
        Path tmp = file.resolveSibling("." + file.getFileName() + ".tmp");
        Files.writeString(tmp, Json.write(doc));
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * /etc/hosts (localhost, then the container's addresses with its hostname, name and aliases, then
     * --add-host entries) and /etc/resolv.conf (on a user-defined network: its gateway, where the embedded DNS
     * server answers; else --dns or the host's resolvers less loopback ones). Written in place: they are bind
     * mounts of these very files.
     */
    private void writeFiles(Map<String, Object> c, Path dir) throws IOException {
        Map<?, ?> config = (Map<?, ?>) c.get("Config"), host = (Map<?, ?>) c.get("HostConfig");
        String hostname = config.get("Hostname") == null || String.valueOf(config.get("Hostname")).isEmpty()
                ? String.valueOf(c.get("Id")).substring(0, 12) : String.valueOf(config.get("Hostname"));
        StringBuilder hosts = new StringBuilder("127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
                + "fe00::0\tip6-localnet\nff00::0\tip6-mcastprefix\nff02::1\tip6-allnodes\nff02::2\tip6-allrouters\n");
        String userGateway = null;
        for (Object o : endpoints(c).values()) {
            Map<?, ?> ep = (Map<?, ?>) o;
            String ip = String.valueOf(ep.get("IPAddress"));
            if (ip.isEmpty() || ip.equals("null")) continue;
            Set<String> names = new LinkedHashSet<>();
            names.add(hostname);
            names.add(String.valueOf(c.get("Name")).substring(1));
            if (ep.get("Aliases") instanceof List<?> a) a.forEach(x -> names.add(String.valueOf(x)));
            hosts.append(ip).append('\t').append(String.join(" ", names)).append('\n');
            Network n = call(() -> networks.find(String.valueOf(ep.get("NetworkID"))));
            if (!n.isDefault() && userGateway == null) userGateway = n.gateway();
        }
        if (host.get("ExtraHosts") instanceof List<?> extra) {
            for (Object e : extra) {
                String[] p = String.valueOf(e).split(":", 2);
                if (p.length == 2) hosts.append(p[1]).append('\t').append(p[0]).append('\n');
            }
        }
        Files.writeString(dir.resolve("hosts"), hosts.toString());
        Files.writeString(dir.resolve("resolv.conf"), resolvConf(userGateway, host.get("Dns") instanceof List<?> d ? d : List.of(),
                Files.exists(Path.of("/etc/resolv.conf")) ? Files.readString(Path.of("/etc/resolv.conf")) : ""));
    }

    /** resolv.conf for a container: the network's DNS server, else --dns, else the host's non-loopback nameservers. */
    static String resolvConf(String dnsServer, List<?> dns, String hostResolv) {
        StringBuilder out = new StringBuilder();
        List<String> servers = new ArrayList<>();
        if (dnsServer != null) servers.add(dnsServer);
        else if (!dns.isEmpty()) dns.forEach(x -> servers.add(String.valueOf(x)));
        for (String line : hostResolv.split("\n")) {
            String t = line.trim();
            if (t.startsWith("nameserver")) {
                String s = t.substring("nameserver".length()).trim();
                if (dnsServer == null && dns.isEmpty() && !s.startsWith("127.") && !s.equals("::1")) servers.add(s);
            } else if (t.startsWith("search") || t.startsWith("options") || t.startsWith("domain")) {
                out.append(t).append('\n');
            }
        }
        if (servers.isEmpty()) servers.addAll(List.of("8.8.8.8", "8.8.4.4")); // docker's fallback when the host has only local ones
        StringBuilder ns = new StringBuilder();
        for (String s : servers) ns.append("nameserver ").append(s).append('\n');
        return ns.append(out).toString();
    }

    /** docker stats' "networks" of a running container. */
    Map<String, Object> stats(Map<String, Object> c) {
        Object pid = ((Map<?, ?>) c.get("State")).get("Pid");
        if (!(pid instanceof Number p) || p.longValue() <= 0 || mode(c).equals("host")) return Map.of();
        return NetStats.of(p.longValue());
    }

    private static String newId() {
        byte[] b = new byte[32];
        new SecureRandom().nextBytes(b);
        return HexFormat.of().formatHex(b);
    }

    // ------------------------------------------------------------------ networks (the API's /networks)

    private Map<String, String> attrs(Network n, String container) {
        Map<String, String> a = new LinkedHashMap<>();
        if (container != null) a.put("container", container);
        a.put("name", n.name());
        a.put("type", n.driver());
        return a;
    }

    public Map<String, Object> create(Networks.CreateRequest r) throws IOException {
        Network n = call(() -> networks.create(r));
        events.publish("network", "create", n.id(), attrs(n, null));
        NameResolver.Service s = nameService;
        if (s != null) s.networkUp(n, this);
        return Json.obj("Id", n.id(), "Warning", "");
    }

    public Network find(String ref) throws IOException {
        return call(() -> networks.find(ref));
    }

    /** docker network inspect: the record and the containers running on it. */
    public Map<String, Object> inspect(Network n) throws IOException {
        Map<String, Object> m = n.inspect();
        Map<String, Object> cs = new LinkedHashMap<>();
        for (Map<String, Object> c : engine.list(true)) {
            for (Object o : endpoints(c).values()) {
                Map<?, ?> ep = (Map<?, ?>) o;
                if (!n.id().equals(ep.get("NetworkID")) || String.valueOf(ep.get("EndpointID")).isEmpty()) continue;
                cs.put((String) c.get("Id"), Json.obj("Name", String.valueOf(c.get("Name")).substring(1), "EndpointID", ep.get("EndpointID"),
                        "MacAddress", ep.get("MacAddress"), "IPv4Address", ep.get("IPAddress") + "/" + ep.get("IPPrefixLen"), "IPv6Address", ""));
            }
        }
        m.put("Containers", cs);
        return m;
    }

    public List<Network> list() throws IOException {
        return networks.all();
    }

    /** Containers (any state) naming the network. */
    public List<String> users(Network n) throws IOException {
        List<String> out = new ArrayList<>();
        for (Map<String, Object> c : engine.list(true)) {
            if (endpoints(c).values().stream().anyMatch(o -> n.id().equals(((Map<?, ?>) o).get("NetworkID")))) out.add(String.valueOf(c.get("Name")).substring(1));
        }
        return out;
    }

    /** docker network rm: 403 for a predefined network or one containers still use. */
    public void remove(String ref) throws IOException {
        Network n = find(ref);
        if (n.predefined()) throw new EngineException(403, n.name() + " is a pre-defined network and cannot be removed");
        List<String> users = users(n);
        if (!users.isEmpty()) throw new EngineException(403, "error while removing network: network " + n.name() + " id " + n.id() + " has active endpoints (" + String.join(", ", users) + ")");
        NameResolver.Service s = nameService;
        if (s != null) s.networkDown(n);
        call(() -> {
            networks.remove(n);
            return null;
        });
        events.publish("network", "destroy", n.id(), attrs(n, null));
    }

    /**
     * docker network connect: merges the aliases when already connected (compose reconnects), else adds the
     * network; a running container gets the interface at once.
     */
    @SuppressWarnings("unchecked")
    public void connect(String netRef, String containerRef, List<String> aliases) throws IOException {
        Network n = find(netRef);
        Map<String, Object> c = engine.find(containerRef);
        String id = (String) c.get("Id");
        synchronized (engine.lock(id)) {
            c = engine.find(id);
            String mode = mode(c);
            if (!n.isBridge() || mode.equals("host") || mode.equals("none") || mode.startsWith("container:")) {
                throw new EngineException(400, "container " + c.get("Name").toString().substring(1) + " (network mode " + mode + ") cannot be connected to network " + n.name());
            }
            Map<String, Object> eps = endpoints(c);
            Map<String, Object> ep = (Map<String, Object>) eps.get(n.name());
            if (ep != null) {
                Set<String> merged = new LinkedHashSet<>((List<String>) ep.get("Aliases"));
                merged.addAll(aliases);
                ep.put("Aliases", new ArrayList<>(merged));
                engine.save(c);
                return;
            }
            ep = endpoint(n, aliases);
            eps.put(n.name(), ep);
            if (Boolean.TRUE.equals(((Map<?, ?>) c.get("State")).get("Running"))) {
                Set<String> used = new LinkedHashSet<>();
                Path dir = attachDir.resolve(id);
                if (Files.isDirectory(dir)) {
                    try (Stream<Path> s = Files.list(dir)) {
                        for (Path f : s.filter(p -> p.toString().endsWith(".json")).toList()) used.add(Json.parseObject(Files.readString(f), f.toString()).string("IfName"));
                    }
                }
                int i = 0;
                while (used.contains("eth" + i)) i++;
                try {
                    addEndpoint(c, n, ep, "eth" + i, List.of());
                } catch (IOException | RuntimeException e) {
                    Path f = attachDir.resolve(id).resolve(n.id() + ".json");
                    if (Files.exists(f)) {
                        try {
                            del(id, f);
                        } catch (IOException | RuntimeException again) {
                            e.addSuppressed(again);
                        }
                    }
                    throw e;
                }
                writeFiles(c, Path.of(String.valueOf(c.get("HostsPath"))).getParent());
            } else {
                events.publish("network", "connect", n.id(), attrs(n, id));
            }
            engine.save(c);
        }
    }

    /** docker network disconnect: a running container loses the interface (CNI DEL). */
    public void disconnect(String netRef, String containerRef) throws IOException {
        Network n = find(netRef);
        Map<String, Object> c = engine.find(containerRef);
        String id = (String) c.get("Id");
        synchronized (engine.lock(id)) {
            c = engine.find(id);
            Map<String, Object> eps = endpoints(c);
            if (eps.remove(n.name()) == null) throw new EngineException(409, "container " + id + " is not connected to network " + n.name());
            Path f = attachDir.resolve(id).resolve(n.id() + ".json");
            if (Files.exists(f)) {
                call(() -> {
                    del(id, f);
                    return null;
                });
                if (n.isDefault()) {
                    for (String k : List.of("IPAddress", "Gateway", "MacAddress", "Bridge")) settings(c).put(k, "");
                    settings(c).put("IPPrefixLen", 0);
                }
                writeFiles(c, Path.of(String.valueOf(c.get("HostsPath"))).getParent());
            } else {
                events.publish("network", "disconnect", n.id(), attrs(n, id));
            }
            engine.save(c);
        }
    }

    /** docker network prune: user-defined networks no container names (label filters as docker). */
    public List<String> prune(java.util.function.Predicate<Network> filter) throws IOException {
        List<String> deleted = new ArrayList<>();
        for (Network n : networks.all()) {
            if (n.predefined() || !filter.test(n) || !users(n).isEmpty()) continue;
            remove(n.id());
            deleted.add(n.name());
        }
        return deleted;
    }
}
