package dev.berth.api;

import dev.berth.network.NameResolver;
import dev.berth.network.Network;
import dev.berth.network.dns.DnsServer;
import dev.berth.network.dns.ResolvConf;
import dev.berth.network.dns.Resolver;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The daemon's DNS for user-defined networks: one {@link DnsServer} listening on each such network's gateway
 * (port 53, udp and tcp), answering the names of the network's containers from the engine and forwarding
 * everything else to the host's resolvers, as Docker's embedded resolver and Podman's aardvark-dns do.
 */
final class EmbeddedDns implements NameResolver.Service, Resolver, AutoCloseable {
    private final DnsServer server;
    /** listener address → the network whose gateway it is, and the engine's answer for it. */
    private final Map<InetSocketAddress, String> networkOf = new ConcurrentHashMap<>();
    private final Map<String, InetSocketAddress> listenerOf = new ConcurrentHashMap<>();
    private volatile NameResolver names;

    /**
     * Forwards to the host's resolvers (/etc/resolv.conf), or to those the system property berth.dns.upstreams
     * lists (comma-separated addresses, port 53; "none" for no forwarding: the tests, which keep every query on
     * this host, answer unknown names with NXDOMAIN).
     */
    EmbeddedDns() throws IOException {
        ResolvConf host = java.nio.file.Files.exists(ResolvConf.HOST) ? ResolvConf.read(ResolvConf.HOST) : ResolvConf.parse("");
        String configured = System.getProperty("berth.dns.upstreams");
        List<InetSocketAddress> upstreams = configured == null ? host.upstreams()
                : configured.equals("none") ? List.of()
                : java.util.Arrays.stream(configured.split(",")).map(String::strip).filter(a -> !a.isEmpty())
                        .map(a -> new InetSocketAddress(a, 53)).toList();
        server = DnsServer.start(this, upstreams, DnsServer.Options.DEFAULTS.withSearchDomains(host.search()));
    }

    @Override
    public void networkUp(Network network, NameResolver resolver) {
        names = resolver;
        if (network.gateway() == null || listenerOf.containsKey(network.id())) return;
        try {
            InetSocketAddress bound = server.listen(new InetSocketAddress(InetAddress.getByName(network.gateway()), 53));
            networkOf.put(bound, network.id());
            listenerOf.put(network.id(), bound);
        } catch (IOException e) {
            throw new UncheckedIOException("DNS for network " + network.name() + " on " + network.gateway() + ":53: " + e.getMessage(), e);
        }
    }

    @Override
    public void networkDown(Network network) {
        InetSocketAddress bound = listenerOf.remove(network.id());
        if (bound == null) return;
        networkOf.remove(bound);
        server.stopListening(bound);
    }

    @Override
    public List<InetAddress> lookup(InetSocketAddress listener, String name) {
        String network = networkOf.get(listener);
        NameResolver r = names;
        if (network == null || r == null) return List.of();
        return List.copyOf(r.resolve(network, name));
    }

    @Override
    public void close() {
        server.close();
    }
}
