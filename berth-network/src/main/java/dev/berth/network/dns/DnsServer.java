package dev.berth.network.dns;

import dev.berth.network.dns.DnsMessage.Answer;
import dev.berth.network.dns.DnsMessage.FormatException;
import dev.berth.network.dns.DnsMessage.Query;
import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.BindException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;

/**
 * The daemon's embedded DNS server: answers containers' queries for container names and aliases from a
 * {@link Resolver}, and forwards everything else to the host's nameservers.
 *
 * <p>It listens on any number of addresses (the daemon binds one per user-defined network, on the network's
 * gateway, port 53), UDP and TCP on each, one virtual thread per address and transport. A query is answered in
 * the receiving thread when the name is ours; a forwarded one gets its own virtual thread, which tries each
 * upstream in turn (a fresh socket and a random ID each, the answer checked against the question) and relays the
 * first answer with the client's ID; when none answers in time the client gets SERVFAIL. A message whose question
 * cannot be read gets FORMERR, a response (QR set) or anything shorter than a header is dropped.
 *
 * <p>Answers: A and AAAA for a known name (an AAAA query for a name with no IPv6 address is an empty NOERROR, not
 * NXDOMAIN, and so is any other type), PTR when the resolver answers reverse lookups. A name is tried as asked,
 * then with each search domain stripped ("web.berth" → "web"). Over UDP an answer is cut to the client's size
 * (512, or its EDNS size) with TC set, and the client retries over TCP. Without upstreams an unknown name is
 * NXDOMAIN.
 */
public final class DnsServer implements AutoCloseable {
    /**
     * @param searchDomains domains stripped from a name that is not found as asked (lower-case, no dots around)
     * @param ttlSeconds the TTL of local answers: short, containers come and go
     * @param upstreamTimeout how long one upstream gets before the next is tried
     */
    public record Options(List<String> searchDomains, int ttlSeconds, Duration upstreamTimeout) {
        /** Search domain "berth", TTL 60 s, 2 s per upstream (two dead upstreams stay within glibc's 5 s). */
        public static final Options DEFAULTS = new Options(List.of("berth"), 60, Duration.ofSeconds(2));

        public Options {
            searchDomains = searchDomains.stream().map(d -> d.toLowerCase(Locale.ROOT).replaceAll("^\\.+|\\.+$", ""))
                    .filter(d -> !d.isEmpty()).distinct().toList();
            if (ttlSeconds < 0) {
                throw new IllegalArgumentException("ttlSeconds: " + ttlSeconds + " is negative");
            }
            if (upstreamTimeout.isNegative() || upstreamTimeout.isZero()) {
                throw new IllegalArgumentException("upstreamTimeout: " + upstreamTimeout + " is not positive");
            }
        }

        /** These options with more search domains, e.g. the host's from {@link ResolvConf#search()}. */
        public Options withSearchDomains(List<String> more) {
            var all = new ArrayList<>(searchDomains);
            all.addAll(more);
            return new Options(all, ttlSeconds, upstreamTimeout);
        }
    }

    /** At most this many queries are being forwarded at once; more get SERVFAIL at once. */
    private static final int MAX_FORWARDS = 1024;
    /** At most this many TCP connections are open at once; more are closed at once. */
    private static final int MAX_TCP = 256;
    private static final int TCP_IDLE_MILLIS = 10_000;

    private final Resolver resolver;
    private final List<InetSocketAddress> upstreams;
    private final Options options;
    private final Map<InetSocketAddress, Listener> listeners = new ConcurrentHashMap<>();
    private final Semaphore forwardSlots = new Semaphore(MAX_FORWARDS);
    private final Semaphore tcpSlots = new Semaphore(MAX_TCP);
    private final SecureRandom random = new SecureRandom();
    private volatile boolean closed;

    private DnsServer(Resolver resolver, List<InetSocketAddress> upstreams, Options options) {
        this.resolver = resolver;
        this.upstreams = List.copyOf(upstreams);
        this.options = options;
    }

    /**
     * A server that asks {@code resolver} and forwards the rest to {@code upstreams} (in order; typically
     * {@code ResolvConf.read(ResolvConf.HOST).upstreams()}). It listens nowhere until {@link #listen} is called.
     */
    public static DnsServer start(Resolver resolver, List<InetSocketAddress> upstreams) {
        return start(resolver, upstreams, Options.DEFAULTS);
    }

    public static DnsServer start(Resolver resolver, List<InetSocketAddress> upstreams, Options options) {
        return new DnsServer(resolver, upstreams, options);
    }

    /**
     * Listens on {@code address}, UDP and TCP on the same port (port 0: a free one). The address must be local
     * (the network's bridge must already carry its gateway IP); port 53 needs root or CAP_NET_BIND_SERVICE.
     * Listening again on an address already listened on is a no-op.
     *
     * @return the address bound, which the resolver will be given for queries arriving on it
     * @throws IOException naming the address when it cannot be bound
     */
    public InetSocketAddress listen(InetSocketAddress address) throws IOException {
        if (closed) {
            throw new IllegalStateException("the DNS server is closed");
        }
        if (address.getPort() != 0 && listeners.containsKey(address)) {
            return address;
        }
        IOException last = null;
        for (int attempt = 0; attempt < 10; attempt++) {
            DatagramChannel udp = null;
            try {
                udp = DatagramChannel.open();
                udp.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20);
                udp.bind(address);
                var bound = (InetSocketAddress) udp.getLocalAddress();
                var tcp = new ServerSocket();
                try {
                    tcp.setReuseAddress(true);
                    tcp.bind(bound, 128);
                } catch (IOException e) {
                    tcp.close();
                    throw e;
                }
                var listener = new Listener(bound, udp, tcp);
                if (listeners.putIfAbsent(bound, listener) != null) {
                    listener.close();
                    return bound;
                }
                listener.start();
                if (closed) {
                    stopListening(bound);
                    throw new IllegalStateException("the DNS server is closed");
                }
                return bound;
            } catch (BindException e) {
                if (udp != null) {
                    udp.close();
                }
                last = e;
                if (address.getPort() != 0) {
                    break; // a chosen port is taken; only a free port's TCP twin is worth another try
                }
            } catch (IOException e) {
                if (udp != null) {
                    udp.close();
                }
                throw new IOException("DNS server: cannot listen on " + address + ": " + e.getMessage(), e);
            } catch (RuntimeException e) {
                if (udp != null) {
                    udp.close();
                }
                throw e;
            }
        }
        throw new IOException("DNS server: cannot listen on " + address + ": " + last.getMessage(), last);
    }

    /** Stops listening on an address {@link #listen} returned (open TCP connections on it are closed). */
    public void stopListening(InetSocketAddress address) {
        Listener listener = listeners.remove(address);
        if (listener != null) {
            listener.close();
        }
    }

    /** The addresses listened on now. */
    public List<InetSocketAddress> addresses() {
        return List.copyOf(listeners.keySet());
    }

    /** Stops listening everywhere; queries being forwarded finish on their own but their answers are dropped. */
    @Override
    public void close() {
        closed = true;
        for (InetSocketAddress address : List.copyOf(listeners.keySet())) {
            stopListening(address);
        }
    }

    /**
     * What to do with one message: send {@code reply}, forward {@code query}, or (both null) drop it.
     */
    record Decision(byte[] reply, Query forward) {
        static final Decision DROP = new Decision(null, null);
    }

    /** Decides about one message that arrived on {@code listener}; never throws for any bytes. */
    Decision decide(InetSocketAddress listener, byte[] m, int len, boolean tcp) {
        if (len < DnsMessage.HEADER || (DnsMessage.u16(m, 2) & DnsMessage.QR) != 0) {
            return Decision.DROP; // no ID to answer to, or a response: answering those could loop
        }
        int ra = upstreams.isEmpty() ? 0 : DnsMessage.RA;
        Query q;
        try {
            q = DnsMessage.parse(m, len);
        } catch (FormatException e) {
            return new Decision(DnsMessage.errorReply(m, DnsMessage.FORMERR, ra), null);
        }
        if ((q.flags() & DnsMessage.OPCODE_MASK) != 0) {
            return new Decision(DnsMessage.errorReply(m, DnsMessage.NOTIMP, ra), null);
        }
        int limit = tcp ? DnsMessage.MAX_TCP : q.udpLimit();
        List<Answer> answers;
        try {
            answers = local(listener, q);
        } catch (RuntimeException e) {
            log("resolver failed for " + q.name(), e);
            return new Decision(DnsMessage.reply(q, DnsMessage.SERVFAIL, ra, List.of(), 0, limit), null);
        }
        if (answers != null) {
            return new Decision(DnsMessage.reply(q, DnsMessage.NOERROR, DnsMessage.AA | ra, answers,
                    options.ttlSeconds(), limit), null);
        }
        if (upstreams.isEmpty()) {
            return new Decision(DnsMessage.reply(q, DnsMessage.NXDOMAIN, 0, List.of(), 0, limit), null);
        }
        return new Decision(null, q);
    }

    /** The answers for a name of ours (possibly none, for another type), or null when the name is not ours. */
    private List<Answer> local(InetSocketAddress listener, Query q) {
        String name = q.name();
        if (name == null || name.isEmpty() || (q.qclass() != DnsMessage.CLASS_IN && q.qclass() != DnsMessage.CLASS_ANY)) {
            return null;
        }
        if (name.endsWith(".arpa")) {
            InetAddress address = DnsMessage.reverseAddress(name);
            if (address == null) {
                return null;
            }
            String host = resolver.reverse(listener, address);
            byte[] wire = host == null ? null : DnsMessage.wireName(host);
            if (wire == null) {
                return null;
            }
            boolean wanted = q.qtype() == DnsMessage.TYPE_PTR || q.qtype() == DnsMessage.TYPE_ANY;
            return wanted ? List.of(new Answer(DnsMessage.TYPE_PTR, wire)) : List.of();
        }
        List<InetAddress> addresses = lookup(listener, name);
        if (addresses == null || addresses.isEmpty()) {
            return null;
        }
        var answers = new ArrayList<Answer>(addresses.size());
        for (InetAddress a : addresses) {
            boolean wanted = switch (q.qtype()) {
                case DnsMessage.TYPE_A -> a instanceof Inet4Address;
                case DnsMessage.TYPE_AAAA -> a instanceof Inet6Address;
                case DnsMessage.TYPE_ANY -> true;
                default -> false;
            };
            if (wanted) {
                answers.add(Answer.of(a));
            }
        }
        return answers;
    }

    /** The name as asked, then with each search domain stripped. */
    private List<InetAddress> lookup(InetSocketAddress listener, String name) {
        List<InetAddress> found = resolver.lookup(listener, name);
        for (int i = 0; i < options.searchDomains().size() && (found == null || found.isEmpty()); i++) {
            String suffix = "." + options.searchDomains().get(i);
            if (name.endsWith(suffix) && name.length() > suffix.length()) {
                found = resolver.lookup(listener, name.substring(0, name.length() - suffix.length()));
            }
        }
        return found;
    }

    /**
     * Asks the upstreams in turn and returns the first answer with the client's ID (an upstream's SERVFAIL, REFUSED
     * or NOTIMP only when no later upstream answers better), or a SERVFAIL of our own when none answered in time.
     */
    byte[] forward(byte[] m, int len, Query q, boolean tcp) {
        byte[] fallback = null;
        for (InetSocketAddress upstream : upstreams) {
            if (listeners.containsKey(upstream)) {
                continue; // the host's resolv.conf naming one of our own addresses would loop
            }
            int id = random.nextInt(1 << 16);
            byte[] r = null;
            try {
                r = tcp ? exchangeTcp(upstream, DnsMessage.withId(m, len, id), id, q)
                        : exchangeUdp(upstream, DnsMessage.withId(m, len, id), id, q);
            } catch (IOException e) {
                // unreachable or refused: the next upstream
            }
            if (r == null) {
                continue;
            }
            DnsMessage.put16(r, 0, q.id());
            r[3] |= (byte) DnsMessage.RA; // we did recurse, whatever the upstream says of itself
            int rcode = DnsMessage.rcode(r);
            if (rcode != DnsMessage.SERVFAIL && rcode != DnsMessage.REFUSED && rcode != DnsMessage.NOTIMP) {
                return r;
            }
            fallback = r;
        }
        return fallback != null ? fallback
                : DnsMessage.reply(q, DnsMessage.SERVFAIL, DnsMessage.RA, List.of(), 0,
                        tcp ? DnsMessage.MAX_TCP : q.udpLimit());
    }

    /** One exchange over UDP from a fresh port; answers that do not match the question are ignored. */
    private byte[] exchangeUdp(InetSocketAddress upstream, byte[] query, int id, Query q) throws IOException {
        long deadline = System.nanoTime() + options.upstreamTimeout().toNanos();
        try (var socket = new DatagramSocket()) {
            socket.connect(upstream);
            socket.send(new DatagramPacket(query, query.length));
            byte[] buffer = new byte[DnsMessage.MAX_TCP];
            while (true) {
                long left = (deadline - System.nanoTime()) / 1_000_000;
                if (left <= 0) {
                    return null;
                }
                socket.setSoTimeout((int) left);
                var packet = new DatagramPacket(buffer, buffer.length);
                try {
                    socket.receive(packet);
                } catch (SocketTimeoutException e) {
                    return null;
                }
                if (DnsMessage.answers(buffer, packet.getLength(), id, q)) {
                    return java.util.Arrays.copyOf(buffer, packet.getLength());
                }
            }
        }
    }

    /** One exchange over TCP (RFC 1035 4.2.2: a two-octet length before each message). */
    private byte[] exchangeTcp(InetSocketAddress upstream, byte[] query, int id, Query q) throws IOException {
        int timeout = (int) Math.max(1, options.upstreamTimeout().toMillis());
        try (var socket = new Socket()) {
            socket.connect(upstream, timeout);
            socket.setSoTimeout(timeout);
            socket.setTcpNoDelay(true);
            socket.getOutputStream().write(framed(query));
            var in = new DataInputStream(socket.getInputStream());
            int n = in.readUnsignedShort();
            byte[] r = in.readNBytes(n);
            return r.length == n && DnsMessage.answers(r, n, id, q) ? r : null;
        } catch (SocketTimeoutException | EOFException e) {
            return null;
        }
    }

    private static byte[] framed(byte[] m) {
        byte[] out = new byte[m.length + 2];
        DnsMessage.put16(out, 0, m.length);
        System.arraycopy(m, 0, out, 2, m.length);
        return out;
    }

    private static void log(String what, Throwable error) {
        synchronized (System.err) {
            System.err.println("berth dns: " + what + ": " + error);
        }
    }

    /** One address: its UDP channel and TCP server socket, their threads, and the TCP connections open on it. */
    private final class Listener {
        final InetSocketAddress address;
        final DatagramChannel udp;
        final ServerSocket tcp;
        final Set<Socket> connections = ConcurrentHashMap.newKeySet();

        Listener(InetSocketAddress address, DatagramChannel udp, ServerSocket tcp) {
            this.address = address;
            this.udp = udp;
            this.tcp = tcp;
        }

        void start() {
            Thread.ofVirtual().name("dns-udp " + address).start(this::serveUdp);
            Thread.ofVirtual().name("dns-tcp " + address).start(this::acceptTcp);
        }

        void close() {
            try {
                udp.close();
            } catch (IOException e) {
                // closing: nothing left to do
            }
            try {
                tcp.close();
            } catch (IOException e) {
                // closing: nothing left to do
            }
            for (Socket s : connections) {
                closeQuietly(s);
            }
        }

        private void serveUdp() {
            ByteBuffer buffer = ByteBuffer.allocate(DnsMessage.MAX_TCP);
            while (udp.isOpen()) {
                SocketAddress client;
                buffer.clear();
                try {
                    client = udp.receive(buffer);
                } catch (ClosedChannelException e) {
                    return;
                } catch (IOException e) {
                    if (!udp.isOpen()) {
                        return;
                    }
                    log("receiving on " + address, e);
                    continue;
                }
                try {
                    handleUdp(client, buffer.array(), buffer.position());
                } catch (RuntimeException e) {
                    log("query from " + client + " on " + address, e);
                }
            }
        }

        private void handleUdp(SocketAddress client, byte[] m, int len) {
            Decision d = decide(address, m, len, false);
            if (d.reply() != null) {
                send(d.reply(), client);
            } else if (d.forward() != null) {
                Query q = d.forward();
                if (!forwardSlots.tryAcquire()) {
                    send(DnsMessage.reply(q, DnsMessage.SERVFAIL, DnsMessage.RA, List.of(), 0, q.udpLimit()), client);
                    return;
                }
                byte[] copy = java.util.Arrays.copyOf(m, len);
                Thread.ofVirtual().name("dns-forward").start(() -> {
                    try {
                        send(forward(copy, len, q, false), client);
                    } finally {
                        forwardSlots.release();
                    }
                });
            }
        }

        private void send(byte[] reply, SocketAddress client) {
            try {
                udp.send(ByteBuffer.wrap(reply), client);
            } catch (IOException e) {
                if (udp.isOpen()) {
                    log("replying to " + client + " on " + address, e);
                }
            }
        }

        private void acceptTcp() {
            while (!tcp.isClosed()) {
                Socket s;
                try {
                    s = tcp.accept();
                } catch (IOException e) {
                    if (tcp.isClosed()) {
                        return;
                    }
                    log("accepting on " + address, e);
                    continue;
                }
                if (!tcpSlots.tryAcquire()) {
                    closeQuietly(s);
                    continue;
                }
                connections.add(s);
                if (tcp.isClosed()) {
                    closeQuietly(s); // stopListening ran between accept and add
                }
                Thread.ofVirtual().name("dns-tcp-conn").start(() -> {
                    try {
                        serveTcp(s);
                    } catch (IOException | RuntimeException e) {
                        // the client went away, idled out or sent garbage framing: drop the connection
                    } finally {
                        connections.remove(s);
                        closeQuietly(s);
                        tcpSlots.release();
                    }
                });
            }
        }

        /** Queries on one connection, one after another, until the client closes or idles out. */
        private void serveTcp(Socket s) throws IOException {
            s.setSoTimeout(TCP_IDLE_MILLIS);
            s.setTcpNoDelay(true);
            InputStream in = s.getInputStream();
            OutputStream out = s.getOutputStream();
            while (true) {
                int hi = in.read();
                if (hi < 0) {
                    return;
                }
                int lo = in.read();
                if (lo < 0) {
                    return;
                }
                int n = (hi << 8) | lo;
                byte[] m = in.readNBytes(n);
                if (m.length < n) {
                    return;
                }
                Decision d = decide(address, m, n, true);
                byte[] reply = d.reply() != null ? d.reply() : d.forward() != null ? forward(m, n, d.forward(), true) : null;
                if (reply == null) {
                    return;
                }
                out.write(framed(reply));
                out.flush();
            }
        }
    }

    private static void closeQuietly(Socket s) {
        try {
            s.close();
        } catch (IOException e) {
            // closing: nothing left to do
        }
    }
}
