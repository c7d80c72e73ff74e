package dev.berth.network.dns;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * What the daemon knows about its containers' names, asked by {@link DnsServer} for every query before it
 * forwards anything. Called concurrently from many threads, once or a few times per query: answer from memory,
 * without I/O.
 */
@FunctionalInterface
public interface Resolver {
    /**
     * The addresses of a container name or alias as seen from one network.
     *
     * @param listener the address the query arrived on, as {@link DnsServer#listen} returned it: tells which
     *     network asks (the daemon binds one per network, on its gateway)
     * @param name the queried name, lower-case, without the trailing dot (also tried with a search domain
     *     stripped, in a second call)
     * @return its addresses, IPv4 and possibly IPv6 ones; empty when the name is not one of ours (the query is then
     *     forwarded upstream); null counts as empty
     */
    List<InetAddress> lookup(InetSocketAddress listener, String name);

    /**
     * The name of the container with this address on the listener's network, for PTR queries; null when none
     * (the query is then forwarded upstream). By default no reverse lookups are answered.
     */
    default String reverse(InetSocketAddress listener, InetAddress address) {
        return null;
    }
}
