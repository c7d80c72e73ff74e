package dev.berth.network;

import dev.berth.oci.json.Json;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.channels.NetworkChannel;
import java.nio.channels.ServerSocketChannel;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Published ports: docker's HostConfig.PortBindings and PublishAllPorts turned into mappings, and the host
 * ports reserved while a container runs. Like docker-proxy, berth binds every published host port itself
 * (a listening TCP socket that never accepts, or a bound UDP socket) and keeps it for the container's life:
 * a port in use is found before any rule is made, a random port (-P, or no host port) is the kernel's
 * choice, and no other process can take the port meanwhile. The traffic itself goes through portmap's DNAT,
 * which applies before the socket is looked up.
 */
public final class Ports {
    private Ports() {}

    /** One published port; hostPortEnd > hostPort for a range to pick from; hostPort 0 means any free port. */
    public record Mapping(String protocol, int containerPort, String hostIp, int hostPort, int hostPortEnd) {
        public String key() {
            return containerPort + "/" + protocol;
        }

        /** portmap's runtimeConfig entry. */
        public Map<String, Object> cni() {
            Map<String, Object> m = Json.obj("hostPort", hostPort, "containerPort", containerPort, "protocol", protocol);
            if (!hostIp.isEmpty() && !hostIp.equals("0.0.0.0")) m.put("hostIP", hostIp);
            return m;
        }
    }

    /**
     * The mappings asked for: each PortBindings entry, and with publishAll every exposed port not bound
     * already, on a free port. Bad ports, protocols or addresses are 400s naming the entry.
     */
    public static List<Mapping> requested(Map<?, ?> portBindings, boolean publishAll, Iterable<String> exposed) {
        List<Mapping> out = new ArrayList<>();
        if (portBindings != null) {
            for (var e : portBindings.entrySet()) {
                String key = String.valueOf(e.getKey());
                String[] pp = parseKey(key);
                int cport = port(pp[0], "container port in \"" + key + "\"");
                List<?> binds = e.getValue() instanceof List<?> l ? l : List.of();
                if (binds.isEmpty()) binds = List.of(Map.of());
                for (Object b : binds) {
                    Map<?, ?> bm = b instanceof Map<?, ?> m ? m : Map.of();
                    String ip = bm.get("HostIp") == null ? "" : String.valueOf(bm.get("HostIp"));
                    if (!ip.isEmpty()) {
                        try {
                            Cidr.address(ip);
                        } catch (IllegalArgumentException x) {
                            throw new NetworkException(400, "invalid host IP \"" + ip + "\" for port " + key + ": only IPv4 addresses are supported");
                        }
                    }
                    String hp = bm.get("HostPort") == null ? "" : String.valueOf(bm.get("HostPort"));
                    int lo = 0, hi = 0;
                    if (!hp.isEmpty()) {
                        String[] r = hp.split("-", 2);
                        lo = port(r[0], "host port \"" + hp + "\" of " + key);
                        hi = r.length == 2 ? port(r[1], "host port \"" + hp + "\" of " + key) : lo;
                        if (hi < lo) throw new NetworkException(400, "invalid host port range \"" + hp + "\" of " + key);
                    }
                    out.add(new Mapping(pp[1], cport, ip, lo, hi));
                }
            }
        }
        if (publishAll) {
            for (String key : exposed) {
                String[] pp = parseKey(key);
                int cport = port(pp[0], "exposed port \"" + key + "\"");
                if (out.stream().noneMatch(m -> m.containerPort() == cport && m.protocol().equals(pp[1]))) out.add(new Mapping(pp[1], cport, "", 0, 0));
            }
        }
        return out;
    }

    private static String[] parseKey(String key) {
        String[] p = key.split("/", 2);
        String proto = p.length == 2 ? p[1].toLowerCase() : "tcp";
        if (!proto.equals("tcp") && !proto.equals("udp")) throw new NetworkException(400, "invalid protocol \"" + proto + "\" in port \"" + key + "\": tcp or udp");
        return new String[]{p[0], proto};
    }

    private static int port(String s, String what) {
        try {
            int p = Integer.parseInt(s.trim());
            if (p >= 1 && p <= 65535) return p;
        } catch (NumberFormatException ignored) {
            // below
        }
        throw new NetworkException(400, "invalid " + what + ": a port is 1 to 65535");
    }

    /** Host ports held for one container; closing releases them. */
    public static final class Reservation implements Closeable {
        private final List<NetworkChannel> channels = new ArrayList<>();
        private final List<Mapping> mappings = new ArrayList<>();

        /** The mappings with their host ports resolved. */
        public List<Mapping> mappings() {
            return List.copyOf(mappings);
        }

        @Override
        public void close() {
            for (NetworkChannel c : channels) {
                try {
                    c.close();
                } catch (IOException ignored) {
                    // closing
                }
            }
            channels.clear();
        }
    }

    /** Binds every mapping's host port (all or nothing): 409 naming the address when one is in use. */
    public static Reservation reserve(List<Mapping> requested) {
        Reservation r = new Reservation();
        try {
            for (Mapping m : requested) {
                int port = m.hostPort();
                NetworkChannel ch = null;
                IOException last = null;
                for (int p = m.hostPort(); p <= m.hostPortEnd() && ch == null; p++) {
                    try {
                        ch = bind(m.protocol(), m.hostIp(), p);
                        port = ((InetSocketAddress) ch.getLocalAddress()).getPort();
                    } catch (IOException e) {
                        last = e;
                    }
                }
                if (ch == null) {
                    String addr = (m.hostIp().isEmpty() ? "0.0.0.0" : m.hostIp()) + ":" + (m.hostPort() == m.hostPortEnd() ? m.hostPort() : m.hostPort() + "-" + m.hostPortEnd());
                    throw new NetworkException(409, "driver failed programming external connectivity: Bind for " + addr + "/" + m.protocol()
                            + " failed: port is already allocated" + (last == null || last.getMessage() == null ? "" : " (" + last.getMessage() + ")"));
                }
                r.channels.add(ch);
                r.mappings.add(new Mapping(m.protocol(), m.containerPort(), m.hostIp(), port, port));
            }
            return r;
        } catch (RuntimeException e) {
            r.close();
            throw e;
        }
    }

    private static NetworkChannel bind(String proto, String ip, int port) throws IOException {
        InetSocketAddress a = new InetSocketAddress(ip.isEmpty() ? InetAddress.getByName("0.0.0.0") : InetAddress.getByName(ip), port);
        if (proto.equals("udp")) {
            DatagramChannel d = DatagramChannel.open(StandardProtocolFamily.INET);
            try {
                return d.bind(a);
            } catch (IOException e) {
                d.close();
                throw e;
            }
        }
        ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.INET);
        try {
            return s.bind(a, 1);
        } catch (IOException e) {
            s.close();
            throw e;
        }
    }

    /** docker's NetworkSettings.Ports: every exposed port, with its host bindings or null. */
    public static Map<String, Object> settings(List<Mapping> mappings, Iterable<String> exposed) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (String e : exposed) out.put(e.contains("/") ? e : e + "/tcp", null);
        for (Mapping m : mappings) {
            @SuppressWarnings("unchecked")
            List<Object> l = out.get(m.key()) instanceof List<?> x ? (List<Object>) x : new ArrayList<>();
            l.add(Json.obj("HostIp", m.hostIp().isEmpty() ? "0.0.0.0" : m.hostIp(), "HostPort", Integer.toString(m.hostPort())));
            out.put(m.key(), l);
        }
        return out;
    }
}
