package dev.berth.network;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** An IPv4 subnet such as 172.30.0.0/16: parsing, overlap, and the addresses in it. */
public record Cidr(int network, int prefix) {
    public Cidr {
        if (prefix < 0 || prefix > 32) throw new IllegalArgumentException("invalid prefix length /" + prefix);
        network &= mask(prefix);
    }

    /** "a.b.c.d/n"; the host bits are cleared (docker refuses them; we normalise, as "ip route" shows them). */
    public static Cidr parse(String s) {
        int slash = s.indexOf('/');
        if (slash < 0) throw new IllegalArgumentException("invalid subnet \"" + s + "\": expected a.b.c.d/n");
        int prefix;
        try {
            prefix = Integer.parseInt(s.substring(slash + 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid subnet \"" + s + "\": bad prefix length");
        }
        if (prefix < 0 || prefix > 32) throw new IllegalArgumentException("invalid subnet \"" + s + "\": prefix length must be 0 to 32");
        return new Cidr(address(s.substring(0, slash)), prefix);
    }

    /** A dotted IPv4 address as an int. */
    public static int address(String s) {
        String[] p = s.split("\\.", -1);
        if (p.length != 4) throw new IllegalArgumentException("invalid IPv4 address \"" + s + "\"");
        int a = 0;
        for (String x : p) {
            int b;
            try {
                b = Integer.parseInt(x);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("invalid IPv4 address \"" + s + "\"");
            }
            if (b < 0 || b > 255 || x.isEmpty()) throw new IllegalArgumentException("invalid IPv4 address \"" + s + "\"");
            a = (a << 8) | b;
        }
        return a;
    }

    public static String format(int a) {
        return (a >>> 24) + "." + ((a >>> 16) & 255) + "." + ((a >>> 8) & 255) + "." + (a & 255);
    }

    static int mask(int prefix) {
        return prefix == 0 ? 0 : -1 << (32 - prefix);
    }

    public boolean contains(int address) {
        return (address & mask(prefix)) == network;
    }

    public boolean overlaps(Cidr o) {
        int p = Math.min(prefix, o.prefix);
        return (network & mask(p)) == (o.network & mask(p));
    }

    /** The n-th address of the subnet (1 is the usual gateway). */
    public int host(int n) {
        return network + n;
    }

    @Override
    public String toString() {
        return format(network) + "/" + prefix;
    }

    /**
     * The host's IPv4 routes other than the default route (from /proc/net/route): the subnets a new network must
     * not overlap.
     */
    public static List<Cidr> hostRoutes() {
        return hostRoutes(null);
    }

    /** The host's routes as {@link #hostRoutes()}, less those through the interface {@code except} (a bridge of ours). */
    public static List<Cidr> hostRoutes(String except) {
        List<Cidr> out = new ArrayList<>();
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/route")).stream().skip(1).toList()) {
                String[] f = line.trim().split("\\s+");
                if (f.length < 8 || f[0].equals(except)) continue;
                int dst = Integer.reverseBytes((int) Long.parseLong(f[1], 16));
                int mask = Integer.reverseBytes((int) Long.parseLong(f[7], 16));
                int prefix = Integer.bitCount(mask);
                if (prefix == 0) continue; // the default route covers everything; it is no conflict
                out.add(new Cidr(dst, prefix));
            }
        } catch (java.io.IOException e) {
            // no /proc/net/route: nothing known to avoid
        }
        return out;
    }
}
