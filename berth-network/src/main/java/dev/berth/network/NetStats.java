package dev.berth.network;

import dev.berth.oci.json.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/** Per-interface counters of a container's network namespace, read from /proc/PID/net/dev, in docker's stats "networks" shape. */
public final class NetStats {
    private NetStats() {}

    public static Map<String, Object> of(long pid) {
        try {
            return parse(Files.readString(Path.of("/proc/" + pid + "/net/dev")));
        } catch (IOException e) {
            return Map.of(); // exited meanwhile
        }
    }

    /** The /proc/net/dev table without the loopback: rx bytes, packets, errs, drop, then tx from the 9th column. */
    static Map<String, Object> parse(String dev) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String line : dev.split("\n")) {
            int colon = line.indexOf(':');
            if (colon < 0) continue;
            String ifname = line.substring(0, colon).trim();
            if (ifname.equals("lo")) continue;
            String[] f = line.substring(colon + 1).trim().split("\\s+");
            if (f.length < 16) continue;
            out.put(ifname, Json.obj("rx_bytes", Long.parseLong(f[0]), "rx_packets", Long.parseLong(f[1]), "rx_errors", Long.parseLong(f[2]),
                    "rx_dropped", Long.parseLong(f[3]), "tx_bytes", Long.parseLong(f[8]), "tx_packets", Long.parseLong(f[9]),
                    "tx_errors", Long.parseLong(f[10]), "tx_dropped", Long.parseLong(f[11])));
        }
        return out;
    }
}
