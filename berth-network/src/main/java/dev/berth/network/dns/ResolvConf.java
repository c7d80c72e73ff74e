package dev.berth.network.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The parts of a resolv.conf(5) the DNS server needs: the nameservers it forwards to and the search domains it
 * strips. A nameserver on 127.0.0.0/8 (systemd-resolved's 127.0.0.53, a local dnsmasq) cannot be reached from a
 * container but can from the daemon, which is where the server forwards from.
 *
 * @param nameservers in file order; only literal addresses are taken (no lookup is ever made here)
 * @param search the last {@code search} or {@code domain} line's domains, lower-case, without trailing dots
 */
public record ResolvConf(List<InetAddress> nameservers, List<String> search) {
    /** The host's file. */
    public static final Path HOST = Path.of("/etc/resolv.conf");

    public ResolvConf {
        nameservers = List.copyOf(nameservers);
        search = List.copyOf(search);
    }

    /** Reads a file; a missing one is empty (no upstream: unknown names get NXDOMAIN). */
    public static ResolvConf read(Path file) throws IOException {
        try {
            return parse(Files.readString(file));
        } catch (NoSuchFileException e) {
            return new ResolvConf(List.of(), List.of());
        }
    }

    /** Parses the text of a resolv.conf; unknown lines and malformed nameservers are skipped, as glibc does. */
    public static ResolvConf parse(String text) {
        var nameservers = new ArrayList<InetAddress>();
        List<String> search = List.of();
        for (String line : text.split("\n")) {
            String[] words = line.strip().split("[ \t]+");
            if (words.length < 2 || words[0].startsWith("#") || words[0].startsWith(";")) {
                continue;
            }
            switch (words[0]) {
                case "nameserver" -> {
                    try {
                        nameservers.add(InetAddress.ofLiteral(words[1]));
                    } catch (IllegalArgumentException e) {
                        // not a literal address: glibc ignores it too
                    }
                }
                case "search", "domain" -> {
                    var domains = new ArrayList<String>();
                    for (int i = 1; i < words.length && !words[i].startsWith("#") && !words[i].startsWith(";"); i++) {
                        String d = words[i].toLowerCase(java.util.Locale.ROOT);
                        d = d.endsWith(".") ? d.substring(0, d.length() - 1) : d;
                        if (!d.isEmpty()) {
                            domains.add(d);
                        }
                    }
                    search = domains;
                }
                default -> {
                }
            }
        }
        return new ResolvConf(nameservers, search);
    }

    /** The nameservers on port 53, ready for {@link DnsServer#start}. */
    public List<InetSocketAddress> upstreams() {
        return nameservers.stream().map(a -> new InetSocketAddress(a, 53)).toList();
    }
}
