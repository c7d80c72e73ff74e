package dev.berth.network;

import java.net.Inet4Address;
import java.util.List;

/**
 * The hook for the embedded DNS server: answers "which addresses does this name have on this network". The
 * engine implements it over its containers (name, network aliases, short id, hostname); a DNS server bound to
 * a user-defined network's gateway address asks it for every query on that network, and forwards names it
 * does not know to the host's resolvers.
 */
@FunctionalInterface
public interface NameResolver {
    /** The IPv4 addresses of {@code name} (case-insensitive, without a trailing dot) on network {@code networkId}; empty if unknown. */
    List<Inet4Address> resolve(String networkId, String name);

    /**
     * What a DNS server implements to be told when user-defined networks come and go: {@link #networkUp} when a
     * network's bridge and gateway address exist (at create, and for every user network when the engine
     * starts), {@link #networkDown} before it is removed. It answers queries sent to the network's gateway
     * address (port 53, udp and tcp) with {@link NameResolver#resolve}; /etc/resolv.conf of containers on
     * user-defined networks names that gateway as their nameserver.
     */
    interface Service {
        void networkUp(Network network, NameResolver resolver);

        void networkDown(Network network);
    }
}
