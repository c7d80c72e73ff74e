/**
 * The daemon's embedded DNS server: container names and aliases on user-defined networks, answered from a
 * {@link dev.berth.network.dns.Resolver} the daemon supplies; everything else forwarded to the host's
 * nameservers ({@link dev.berth.network.dns.ResolvConf}). Start with {@link dev.berth.network.dns.DnsServer}.
 */
package dev.berth.network.dns;
