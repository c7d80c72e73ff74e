package dev.berth.network.dns;

import static dev.berth.network.dns.DnsTestClient.A;
import static dev.berth.network.dns.DnsTestClient.AAAA;
import static dev.berth.network.dns.DnsTestClient.MX;
import static dev.berth.network.dns.DnsTestClient.PTR;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.network.dns.DnsTestClient.Reply;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Hashtable;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import javax.naming.Context;
import javax.naming.NameNotFoundException;
import javax.naming.NamingException;
import javax.naming.ServiceUnavailableException;
import javax.naming.directory.Attribute;
import javax.naming.directory.InitialDirContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The server on 127.0.0.1 (free ports), asked by hand-built packets and by the JDK's JNDI DNS client, with a
 * second server, or a silent socket, as its upstream. No traffic leaves the loopback.
 */
class DnsServerTest {
    private static final InetSocketAddress ANY_LOOPBACK_PORT = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private static final DnsServer.Options FAST = new DnsServer.Options(List.of("berth"), 60, Duration.ofMillis(300));

    private final List<AutoCloseable> cleanup = new ArrayList<>();
    /** Names the resolver was asked, in order. */
    private final List<String> asked = Collections.synchronizedList(new ArrayList<>());

    @AfterEach
    void closeAll() throws Exception {
        for (AutoCloseable c : cleanup.reversed()) {
            c.close();
        }
    }

    private static InetAddress ip(String literal) {
        return InetAddress.ofLiteral(literal);
    }

    /** A resolver over a fixed map (the same for every listener), recording what it is asked. */
    private Resolver mapResolver(Map<String, List<InetAddress>> names) {
        return new Resolver() {
            @Override
            public List<InetAddress> lookup(InetSocketAddress listener, String name) {
                asked.add(name);
                return names.getOrDefault(name, List.of());
            }

            @Override
            public String reverse(InetSocketAddress listener, InetAddress address) {
                for (var e : names.entrySet()) {
                    if (e.getValue().contains(address)) {
                        return e.getKey();
                    }
                }
                return null;
            }
        };
    }

    private static final Map<String, List<InetAddress>> CONTAINERS = Map.of(
            "web", List.of(ip("10.88.0.2")),
            "db", List.of(ip("10.88.0.3"), ip("fd00::3")),
            "many", manyAddresses(100));

    private static List<InetAddress> manyAddresses(int n) {
        var list = new ArrayList<InetAddress>();
        for (int i = 0; i < n; i++) {
            list.add(ip("10.89." + (i / 250) + "." + (i % 250 + 1)));
        }
        return list;
    }

    private DnsServer server(Resolver resolver, List<InetSocketAddress> upstreams, DnsServer.Options options) {
        var server = DnsServer.start(resolver, upstreams, options);
        cleanup.add(server);
        return server;
    }

    private InetSocketAddress containersServer(List<InetSocketAddress> upstreams) throws IOException {
        return server(mapResolver(CONTAINERS), upstreams, FAST).listen(ANY_LOOPBACK_PORT);
    }

    /** An upstream: another instance of the server, knowing one outside name and no upstream of its own. */
    private InetSocketAddress upstreamServer() throws IOException {
        Resolver outside = (listener, name) -> name.equals("example.test") ? List.of(ip("192.0.2.7")) : List.of();
        return server(outside, List.of(), FAST).listen(ANY_LOOPBACK_PORT);
    }

    private DatagramSocket silentUpstream() throws IOException {
        var socket = new DatagramSocket(ANY_LOOPBACK_PORT);
        cleanup.add(socket);
        return socket;
    }

    @Test
    void answersAContainerNameWithTheWireFormatByHand() throws IOException {
        InetSocketAddress dns = containersServer(List.of());
        byte[] query = DnsTestClient.query(0x1234, "Web", A, false);

        Reply r = Reply.parse(DnsTestClient.udp(dns, query, 3000));

        assertThat(r.id()).isEqualTo(0x1234);
        assertThat(r.flags()).as("QR, AA and RD (copied), no RA without upstreams, NOERROR")
                .isEqualTo(0x8000 | 0x0400 | 0x0100);
        assertThat(r.qdcount()).isEqualTo(1);
        assertThat(r.question()).as("the question echoed byte for byte, case kept")
                .isEqualTo(Arrays.copyOfRange(query, 12, query.length));
        assertThat(r.answers()).hasSize(1);
        var answer = r.answers().getFirst();
        assertThat(answer.owner()).as("a compression pointer to the question's name").isEqualTo(0xC00C);
        assertThat(answer.type()).isEqualTo(A);
        assertThat(answer.klass()).isEqualTo(1);
        assertThat(answer.ttl()).isEqualTo(60);
        assertThat(r.addresses()).containsExactly(ip("10.88.0.2"));
        assertThat(asked).as("the resolver gets the name lower-cased").containsExactly("web");
    }

    @Test
    void aaaaForANameWithoutIpv6IsAnEmptyNoerrorNotNxdomain() throws IOException {
        InetSocketAddress dns = containersServer(List.of());

        Reply web = DnsTestClient.udpQuery(dns, 7, "web", AAAA);
        Reply db = DnsTestClient.udpQuery(dns, 8, "db", AAAA);
        Reply mx = DnsTestClient.udpQuery(dns, 9, "web", MX);

        assertThat(web.rcode()).isZero();
        assertThat(web.answers()).isEmpty();
        assertThat(db.rcode()).isZero();
        assertThat(db.addresses()).containsExactly(ip("fd00::3"));
        assertThat(db.answers().getFirst().type()).isEqualTo(AAAA);
        assertThat(mx.rcode()).as("another type for a name of ours: it exists, no records").isZero();
        assertThat(mx.answers()).isEmpty();
    }

    @Test
    void searchDomainIsStrippedAndCaseIgnored() throws IOException {
        InetSocketAddress dns = containersServer(List.of());

        assertThat(DnsTestClient.udpQuery(dns, 1, "WEB.Berth.", A).addresses()).containsExactly(ip("10.88.0.2"));
        assertThat(DnsTestClient.udpQuery(dns, 2, "web.", A).addresses()).containsExactly(ip("10.88.0.2"));
        assertThat(asked).containsExactly("web.berth", "web", "web");
        Reply other = DnsTestClient.udpQuery(dns, 3, "web.other", A);
        assertThat(other.rcode()).as("only the configured search domains are stripped").isEqualTo(3);
    }

    @Test
    void resolverIsToldWhichListenerTheQueryCameOn() throws IOException {
        var networks = new ConcurrentHashMap<InetSocketAddress, InetAddress>();
        var server = server((listener, name) -> name.equals("app") ? List.of(networks.get(listener)) : List.of(),
                List.of(), FAST);
        InetSocketAddress front = server.listen(ANY_LOOPBACK_PORT);
        InetSocketAddress back = server.listen(ANY_LOOPBACK_PORT);
        networks.put(front, ip("10.1.0.5"));
        networks.put(back, ip("10.2.0.5"));

        assertThat(DnsTestClient.udpQuery(front, 1, "app", A).addresses()).containsExactly(ip("10.1.0.5"));
        assertThat(DnsTestClient.udpQuery(back, 1, "app", A).addresses()).containsExactly(ip("10.2.0.5"));
        assertThat(server.addresses()).containsExactlyInAnyOrder(front, back);

        server.stopListening(front);
        assertThat(server.addresses()).containsExactly(back);
        assertThat(DnsTestClient.udp(front, DnsTestClient.query(2, "app", A, false), 300)).isNull();
        assertThatThrownBy(() -> new Socket(front.getAddress(), front.getPort()).close()).isInstanceOf(IOException.class);
        assertThat(DnsTestClient.udpQuery(back, 3, "app", A).addresses()).containsExactly(ip("10.2.0.5"));
    }

    @Test
    void reverseLookupOfAContainerAddress() throws IOException {
        InetSocketAddress dns = containersServer(List.of());

        Reply r = DnsTestClient.udpQuery(dns, 5, "2.0.88.10.in-addr.arpa", PTR);
        Reply v6 = DnsTestClient.udpQuery(dns, 6,
                "3.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.d.f.ip6.arpa", PTR);

        assertThat(r.rcode()).isZero();
        assertThat(r.answers()).singleElement().satisfies(a -> {
            assertThat(a.type()).isEqualTo(PTR);
            assertThat(a.rdata()).isEqualTo(new byte[] {3, 'w', 'e', 'b', 0});
        });
        assertThat(v6.answers()).singleElement().satisfies(a -> assertThat(a.rdata()).isEqualTo(new byte[] {2, 'd', 'b', 0}));
        assertThat(DnsTestClient.udpQuery(dns, 7, "9.9.88.10.in-addr.arpa", PTR).rcode()).isEqualTo(3);
    }

    @Test
    void jndiResolvesContainerNames() throws NamingException, IOException {
        InetSocketAddress dns = containersServer(List.of());
        var ctx = jndi(dns);

        assertThat(values(ctx.getAttributes("web", new String[] {"A"}).get("A"))).containsExactly("10.88.0.2");
        assertThat(values(ctx.getAttributes("DB.berth", new String[] {"A"}).get("A"))).containsExactly("10.88.0.3");
        assertThat(ctx.getAttributes("web", new String[] {"AAAA"}).get("AAAA")).isNull();
        assertThatThrownBy(() -> ctx.getAttributes("nosuch", new String[] {"A"})).isInstanceOf(NameNotFoundException.class);
        ctx.close();
    }

    @Test
    void longAnswerIsTruncatedOverUdpAndWholeOverTcp() throws IOException, NamingException {
        InetSocketAddress dns = containersServer(List.of());

        Reply udp = DnsTestClient.udpQuery(dns, 1, "many", A);
        Reply tcp = DnsTestClient.tcpQuery(dns, DnsTestClient.query(2, "many", A, false));
        Reply edns = Reply.parse(DnsTestClient.udp(dns, DnsTestClient.query(3, "many", A, true), 3000));

        assertThat(udp.truncated()).isTrue();
        assertThat(udp.raw().length).isLessThanOrEqualTo(512);
        assertThat(udp.answers()).hasSizeBetween(20, 99);
        assertThat(tcp.truncated()).isFalse();
        assertThat(tcp.addresses()).isEqualTo(CONTAINERS.get("many"));
        assertThat(edns.truncated()).as("100 answers fit in the 4096 octets the client's OPT allows").isFalse();
        assertThat(edns.answers()).hasSize(100);
        // JNDI's client retries a truncated answer over TCP by itself
        assertThat(values(jndi(dns).getAttributes("many", new String[] {"A"}).get("A"))).hasSize(100);
    }

    @Test
    void ednsOptInTheQueryIsAnsweredWithAMinimalOpt() throws IOException {
        InetSocketAddress dns = containersServer(List.of());

        Reply r = Reply.parse(DnsTestClient.udp(dns, DnsTestClient.query(11, "web", A, true), 3000));

        assertThat(r.addresses()).containsExactly(ip("10.88.0.2"));
        assertThat(r.arcount()).isEqualTo(1);
        assertThat(r.additional()).singleElement().satisfies(opt -> {
            assertThat(opt.owner() >>> 8).as("root owner").isZero();
            assertThat(opt.type()).isEqualTo(DnsTestClient.OPT);
            assertThat(opt.klass()).as("our payload size").isEqualTo(1232);
            assertThat(opt.ttl()).as("extended rcode 0, version 0, no DO").isZero();
        });
    }

    @Test
    void otherNamesAreForwardedAndTheAnswerRelayedWithTheClientsId() throws IOException, NamingException {
        InetSocketAddress dns = containersServer(List.of(upstreamServer()));

        Reply udp = DnsTestClient.udpQuery(dns, 0xBEEF, "Example.TEST", A);
        Reply tcp = DnsTestClient.tcpQuery(dns, DnsTestClient.query(0xCAFE, "example.test", A, false));

        assertThat(udp.id()).isEqualTo(0xBEEF);
        assertThat(udp.rcode()).isZero();
        assertThat(udp.flags() & 0x0080).as("RA: we recurse").isNotZero();
        assertThat(udp.addresses()).containsExactly(ip("192.0.2.7"));
        assertThat(new String(udp.question(), java.nio.charset.StandardCharsets.US_ASCII)).contains("Example").contains("TEST");
        assertThat(tcp.id()).isEqualTo(0xCAFE);
        assertThat(tcp.addresses()).containsExactly(ip("192.0.2.7"));
        assertThat(values(jndi(dns).getAttributes("example.test", new String[] {"A"}).get("A"))).containsExactly("192.0.2.7");
        // local names still answered locally, never forwarded
        assertThat(DnsTestClient.udpQuery(dns, 1, "web", A).addresses()).containsExactly(ip("10.88.0.2"));
    }

    @Test
    void unknownNameIsNxdomainFromTheUpstreamOrWithoutOne() throws IOException, NamingException {
        InetSocketAddress withUpstream = containersServer(List.of(upstreamServer()));
        InetSocketAddress alone = containersServer(List.of());

        Reply relayed = DnsTestClient.udpQuery(withUpstream, 0x0101, "nosuch.example", A);
        Reply own = DnsTestClient.udpQuery(alone, 0x0202, "nosuch.example", A);

        assertThat(relayed.id()).isEqualTo(0x0101);
        assertThat(relayed.rcode()).isEqualTo(3);
        assertThat(own.id()).isEqualTo(0x0202);
        assertThat(own.rcode()).isEqualTo(3);
        assertThat(own.answers()).isEmpty();
        assertThatThrownBy(() -> jndi(withUpstream).getAttributes("nosuch.example", new String[] {"A"}))
                .isInstanceOf(NameNotFoundException.class);
    }

    @Test
    void silentUpstreamIsServfailAfterTheTimeoutAndTheNextUpstreamIsTried() throws IOException, NamingException {
        var silent = silentUpstream();
        var silentAddress = (InetSocketAddress) silent.getLocalSocketAddress();
        InetSocketAddress onlySilent = containersServer(List.of(silentAddress));
        InetSocketAddress silentThenGood = containersServer(List.of(silentAddress, upstreamServer()));

        long start = System.nanoTime();
        Reply failed = DnsTestClient.udpQuery(onlySilent, 0x7777, "example.test", A);
        long millis = (System.nanoTime() - start) / 1_000_000;
        Reply recovered = DnsTestClient.udpQuery(silentThenGood, 0x8888, "example.test", A);

        assertThat(failed.id()).isEqualTo(0x7777);
        assertThat(failed.rcode()).isEqualTo(2);
        assertThat(failed.qdcount()).isEqualTo(1);
        assertThat(millis).as("one upstream timeout, 300 ms").isBetween(250L, 2500L);
        assertThat(recovered.rcode()).isZero();
        assertThat(recovered.addresses()).containsExactly(ip("192.0.2.7"));
        var silentDns = jndi(onlySilent);
        assertThatThrownBy(() -> silentDns.getAttributes("example.test", new String[] {"A"}))
                .isInstanceOf(ServiceUnavailableException.class);
    }

    @Test
    void malformedPacketsGetFormerrOrNothingAndTheServerKeepsAnswering() throws IOException {
        InetSocketAddress dns = containersServer(List.of());
        var random = new Random(42);
        byte[] valid = DnsTestClient.query(0x5555, "web.berth", A, true);
        int formerr = 0;
        for (int i = 0; i < 200; i++) {
            byte[] packet;
            if (i % 2 == 0) {
                packet = new byte[random.nextInt(64)];
                random.nextBytes(packet);
            } else {
                packet = Arrays.copyOf(valid, random.nextInt(valid.length + 8));
                for (int flips = random.nextInt(4); flips >= 0; flips--) {
                    if (packet.length > 0) {
                        packet[random.nextInt(packet.length)] = (byte) random.nextInt(256);
                    }
                }
            }
            if (packet.length > 2) {
                packet[2] &= 0x7F; // a query, not a response (those are dropped)
            }
            byte[] r = DnsTestClient.udp(dns, packet, 100);
            if (packet.length < 12) {
                assertThat(r).as("no reply without a header").isNull();
            } else if (r != null) {
                Reply reply = Reply.parse(r);
                assertThat(reply.id()).isEqualTo(DnsTestClient.u16(packet, 0));
                formerr += reply.rcode() == 1 ? 1 : 0;
            }
        }
        assertThat(formerr).as("broken questions are FORMERR").isPositive();

        // the classic hostile cases, each answered FORMERR
        byte[] header = {0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0};
        for (byte[] body : List.of(
                new byte[] {(byte) 0xC0, 12, 0, 1, 0, 1},            // pointer to itself: a loop
                new byte[] {3, 'a', 'b', 'c', (byte) 0xC0, 12, 0, 1, 0, 1}, // pointer back to its own start: a loop
                new byte[] {(byte) 0xC0, 40, 0, 1, 0, 1},            // pointer forward, past the end
                new byte[] {(byte) 0xC0, 2, 0, 1, 0, 1},             // pointer into the header
                new byte[] {(byte) 0x80, 'a', 0, 0, 1, 0, 1},        // reserved label type
                new byte[] {63, 'a'},                               // label runs past the end
                new byte[] {3, 'w', 'e', 'b', 0, 0},                 // type and class cut off
                nameOfLength(300))) {
            byte[] packet = concat(header, body);
            Reply r = Reply.parse(DnsTestClient.udp(dns, packet, 3000));
            assertThat(r.id()).isEqualTo(0x1234);
            assertThat(r.rcode()).as("FORMERR for %s", Arrays.toString(body)).isEqualTo(1);
            assertThat(r.qdcount()).isZero();
        }
        byte[] twoQuestions = DnsTestClient.query(0x1111, "web", A, false);
        twoQuestions[5] = 2;
        assertThat(Reply.parse(DnsTestClient.udp(dns, twoQuestions, 3000)).rcode()).isEqualTo(1);
        byte[] response = DnsTestClient.query(0x2222, "web", A, false);
        response[2] |= (byte) 0x80;
        assertThat(DnsTestClient.udp(dns, response, 200)).as("a response is never answered").isNull();
        byte[] status = DnsTestClient.query(0x3333, "web", A, false);
        status[2] |= 0x10; // opcode 2, STATUS
        assertThat(Reply.parse(DnsTestClient.udp(dns, status, 3000)).rcode()).as("NOTIMP").isEqualTo(4);

        assertThat(DnsTestClient.udpQuery(dns, 1, "web", A).addresses()).containsExactly(ip("10.88.0.2"));
        assertThat(DnsTestClient.tcpQuery(dns, DnsTestClient.query(2, "web", A, false)).addresses())
                .containsExactly(ip("10.88.0.2"));
    }

    @Test
    void decideNeverThrowsOnMillionsOfRandomAndMutatedMessages() {
        var server = server(mapResolver(CONTAINERS), List.of(ANY_LOOPBACK_PORT), FAST);
        var random = new Random(7);
        byte[] valid = DnsTestClient.query(0x5555, "web.berth", A, true);
        int replies = 0;
        for (int i = 0; i < 1_000_000; i++) {
            byte[] m;
            if (i % 3 == 0) {
                m = new byte[random.nextInt(80)];
                random.nextBytes(m);
            } else {
                m = Arrays.copyOf(valid, valid.length + random.nextInt(4) - 2);
                for (int flips = random.nextInt(3); flips >= 0; flips--) {
                    m[random.nextInt(m.length)] = (byte) random.nextInt(256);
                }
            }
            var d = server.decide(ANY_LOOPBACK_PORT, m, m.length, random.nextBoolean());
            if (d.reply() != null) {
                Reply.parse(d.reply()); // well-formed, whatever came in
                replies++;
            }
        }
        assertThat(replies).isGreaterThan(100_000);
    }

    @Test
    void manyParallelQueriesAreAllAnswered() throws Exception {
        InetSocketAddress dns = containersServer(List.of(upstreamServer()));
        try (var pool = Executors.newVirtualThreadPerTaskExecutor()) {
            var results = new ArrayList<Future<Integer>>();
            for (int t = 0; t < 64; t++) {
                int thread = t;
                results.add(pool.submit(() -> {
                    int ok = 0;
                    for (int i = 0; i < 50; i++) {
                        int id = (thread << 8) | i;
                        boolean local = i % 5 != 0;
                        Reply r = DnsTestClient.udpQuery(dns, id, local ? "web" : "example.test", A);
                        assertThat(r.id()).isEqualTo(id);
                        assertThat(r.addresses()).containsExactly(local ? ip("10.88.0.2") : ip("192.0.2.7"));
                        ok++;
                    }
                    return ok;
                }));
            }
            int total = 0;
            for (var f : results) {
                total += f.get();
            }
            assertThat(total).isEqualTo(64 * 50);
        }
    }

    @Test
    void aFailingResolverIsServfailNotACrash() throws IOException {
        var calls = new java.util.concurrent.atomic.AtomicInteger();
        InetSocketAddress dns = server((listener, name) -> {
            if (calls.incrementAndGet() == 1) {
                throw new IllegalStateException("engine state not loaded yet");
            }
            return name.equals("web") ? List.of(ip("10.88.0.2")) : null;
        }, List.of(), FAST).listen(ANY_LOOPBACK_PORT);

        assertThat(DnsTestClient.udpQuery(dns, 1, "web", A).rcode()).isEqualTo(2);
        assertThat(DnsTestClient.udpQuery(dns, 2, "web", A).addresses()).containsExactly(ip("10.88.0.2"));
        assertThat(DnsTestClient.udpQuery(dns, 3, "other", A).rcode()).as("null: not ours").isEqualTo(3);
    }

    @Test
    void closeStopsEveryListener() throws IOException {
        var server = DnsServer.start(mapResolver(CONTAINERS), List.of(), FAST);
        InetSocketAddress a = server.listen(ANY_LOOPBACK_PORT);
        InetSocketAddress b = server.listen(ANY_LOOPBACK_PORT);
        assertThat(server.listen(a)).as("listening twice on one address is a no-op").isEqualTo(a);
        var open = new Socket(b.getAddress(), b.getPort());

        server.close();

        assertThat(server.addresses()).isEmpty();
        assertThat(DnsTestClient.udp(a, DnsTestClient.query(1, "web", A, false), 300)).isNull();
        int read;
        try {
            read = open.getInputStream().read();
        } catch (IOException e) {
            read = -1; // reset rather than ended: closed all the same
        }
        assertThat(read).as("open TCP connections are closed").isEqualTo(-1);
        open.close();
        assertThatThrownBy(() -> server.listen(ANY_LOOPBACK_PORT)).isInstanceOf(IllegalStateException.class);
        // the ports are free again
        try (var again = new DatagramSocket(a)) {
            assertThat(again.getLocalPort()).isEqualTo(a.getPort());
        }
    }

    @Test
    void listeningOnATakenPortNamesTheAddress() throws IOException {
        var taken = silentUpstream();
        var address = (InetSocketAddress) taken.getLocalSocketAddress();
        var server = server(mapResolver(CONTAINERS), List.of(), FAST);

        assertThatThrownBy(() -> server.listen(address)).isInstanceOf(IOException.class)
                .hasMessageContaining("cannot listen on " + address);
        assertThat(server.addresses()).isEmpty();
    }

    private static byte[] nameOfLength(int octets) {
        var body = new ArrayList<Byte>();
        while (body.size() + 64 <= octets) {
            body.add((byte) 63);
            for (int i = 0; i < 63; i++) {
                body.add((byte) 'a');
            }
        }
        body.add((byte) 0);
        byte[] out = new byte[body.size() + 4];
        for (int i = 0; i < body.size(); i++) {
            out[i] = body.get(i);
        }
        out[out.length - 3] = 1;
        out[out.length - 1] = 1;
        return out;
    }

    private static byte[] concat(byte[] a, byte[] b) {
        byte[] out = Arrays.copyOf(a, a.length + b.length);
        System.arraycopy(b, 0, out, a.length, b.length);
        return out;
    }

    private InitialDirContext jndi(InetSocketAddress dns) throws NamingException {
        var env = new Hashtable<String, String>();
        env.put(Context.INITIAL_CONTEXT_FACTORY, "com.sun.jndi.dns.DnsContextFactory");
        env.put(Context.PROVIDER_URL, "dns://" + dns.getAddress().getHostAddress() + ":" + dns.getPort());
        env.put("com.sun.jndi.dns.timeout.initial", "2000");
        env.put("com.sun.jndi.dns.timeout.retries", "1");
        var ctx = new InitialDirContext(env);
        cleanup.add(ctx::close);
        return ctx;
    }

    private static List<String> values(Attribute attribute) throws NamingException {
        assertThat(attribute).isNotNull();
        var out = new ArrayList<String>();
        for (var e = attribute.getAll(); e.hasMore(); ) {
            out.add(e.next().toString());
        }
        return out;
    }
}
