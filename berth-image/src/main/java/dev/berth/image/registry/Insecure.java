package dev.berth.image.registry;

import java.util.Locale;
import java.util.regex.Pattern;

/** Which registries are insecure (plain HTTP allowed): listed names, IPv4 CIDRs, and loopback when enabled. */
final class Insecure {
    private static final Pattern IPV4 = Pattern.compile("(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})\\.(\\d{1,3})");

    private Insecure() {}

    static boolean matches(String registry, RegistryOptions o) {
        String host = host(registry);
        for (String e : o.insecure()) {
            String entry = e.toLowerCase(Locale.ROOT);
            if (entry.equals(registry.toLowerCase(Locale.ROOT)) || entry.equals(host)) return true;
            if (entry.contains("/") && inCidr(host, entry)) return true;
        }
        return o.loopbackInsecure() && (host.equals("localhost") || host.equals("::1") || inCidr(host, "127.0.0.0/8"));
    }

    /** The host of "host", "host:port", "[v6]:port" or "[v6]", lower-cased, without brackets. */
    static String host(String registry) {
        String r = registry.toLowerCase(Locale.ROOT);
        if (r.startsWith("[")) {
            int end = r.indexOf(']');
            return end > 0 ? r.substring(1, end) : r;
        }
        int colon = r.indexOf(':');
        return colon >= 0 && r.indexOf(':', colon + 1) < 0 ? r.substring(0, colon) : r;
    }

    static boolean inCidr(String host, String cidr) {
        int slash = cidr.indexOf('/');
        if (slash < 0) return false;
        long ip = ipv4(host), net = ipv4(cidr.substring(0, slash));
        if (ip < 0 || net < 0) return false;
        int bits;
        try {
            bits = Integer.parseInt(cidr.substring(slash + 1));
        } catch (NumberFormatException e) {
            return false;
        }
        if (bits < 0 || bits > 32) return false;
        long mask = bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
        return (ip & mask) == (net & mask);
    }

    private static long ipv4(String s) {
        var m = IPV4.matcher(s);
        if (!m.matches()) return -1;
        long v = 0;
        for (int i = 1; i <= 4; i++) {
            int part = Integer.parseInt(m.group(i));
            if (part > 255) return -1;
            v = (v << 8) | part;
        }
        return v;
    }
}
