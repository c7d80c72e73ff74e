package dev.berth.network.dns;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A hand-written DNS client for the tests, independent of the server's own {@link DnsMessage}: builds query
 * packets byte by byte and reads replies into a {@link Reply}.
 */
final class DnsTestClient {
    static final int A = 1, PTR = 12, MX = 15, AAAA = 28, OPT = 41;

    private DnsTestClient() {
    }

    /** A query for {@code name} (dots between labels, case kept), RD set, with an OPT of size 4096 if asked. */
    static byte[] query(int id, String name, int type, boolean edns) {
        var out = new ByteArrayOutputStream();
        out.writeBytes(new byte[] {(byte) (id >>> 8), (byte) id, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, (byte) (edns ? 1 : 0)});
        for (String label : name.split("\\.")) {
            if (!label.isEmpty()) {
                byte[] b = label.getBytes(StandardCharsets.US_ASCII);
                out.write(b.length);
                out.writeBytes(b);
            }
        }
        out.writeBytes(new byte[] {0, (byte) (type >>> 8), (byte) type, 0, 1});
        if (edns) {
            out.writeBytes(new byte[] {0, 0, OPT, 0x10, 0x00, 0, 0, 0, 0, 0, 0});
        }
        return out.toByteArray();
    }

    /** Sends one UDP packet and returns the reply's bytes, or null when none came within the timeout. */
    static byte[] udp(InetSocketAddress server, byte[] packet, int timeoutMillis) throws IOException {
        try (var socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))) {
            socket.setSoTimeout(timeoutMillis);
            socket.send(new DatagramPacket(packet, packet.length, server));
            byte[] buffer = new byte[65535];
            var reply = new DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(reply);
            } catch (SocketTimeoutException e) {
                return null;
            }
            return Arrays.copyOf(buffer, reply.getLength());
        }
    }

    static Reply udpQuery(InetSocketAddress server, int id, String name, int type) throws IOException {
        byte[] r = udp(server, query(id, name, type, false), 3000);
        if (r == null) {
            throw new IOException("no reply from " + server + " for " + name);
        }
        return Reply.parse(r);
    }

    /** One query over TCP, framed with its two-octet length. */
    static Reply tcpQuery(InetSocketAddress server, byte[] packet) throws IOException {
        try (var socket = new Socket()) {
            socket.connect(server, 3000);
            socket.setSoTimeout(3000);
            byte[] framed = new byte[packet.length + 2];
            framed[0] = (byte) (packet.length >>> 8);
            framed[1] = (byte) packet.length;
            System.arraycopy(packet, 0, framed, 2, packet.length);
            socket.getOutputStream().write(framed);
            var in = new DataInputStream(socket.getInputStream());
            int n = in.readUnsignedShort();
            return Reply.parse(in.readNBytes(n));
        }
    }

    /** A reply, read by the test: header fields, the question's raw bytes, and the answers. */
    record Reply(int id, int flags, int qdcount, int ancount, int arcount, byte[] question, List<Record> answers,
            List<Record> additional, byte[] raw) {
        int rcode() {
            return flags & 0xF;
        }

        boolean truncated() {
            return (flags & 0x0200) != 0;
        }

        List<InetAddress> addresses() {
            return answers.stream().filter(r -> r.type == A || r.type == AAAA).map(r -> {
                try {
                    return InetAddress.getByAddress(r.rdata);
                } catch (IOException e) {
                    throw new AssertionError(e);
                }
            }).toList();
        }

        static Reply parse(byte[] m) {
            int id = u16(m, 0), flags = u16(m, 2), qd = u16(m, 4), an = u16(m, 6), ns = u16(m, 8), ar = u16(m, 10);
            int at = 12;
            byte[] question = new byte[0];
            if (qd == 1) {
                int start = at;
                at = skipName(m, at) + 4;
                question = Arrays.copyOfRange(m, start, at);
            }
            var answers = new ArrayList<Record>();
            for (int i = 0; i < an; i++) {
                at = readRecord(m, at, answers);
            }
            for (int i = 0; i < ns; i++) {
                at = readRecord(m, at, new ArrayList<>());
            }
            var additional = new ArrayList<Record>();
            for (int i = 0; i < ar; i++) {
                at = readRecord(m, at, additional);
            }
            if (at != m.length) {
                throw new AssertionError("reply has " + (m.length - at) + " bytes after its records");
            }
            return new Reply(id, flags, qd, an, ar, question, answers, additional, m);
        }

        private static int readRecord(byte[] m, int at, List<Record> into) {
            int nameAt = at;
            at = skipName(m, at);
            int type = u16(m, at), klass = u16(m, at + 2);
            long ttl = ((long) u16(m, at + 4) << 16) | u16(m, at + 6);
            int len = u16(m, at + 8);
            into.add(new Record(u16(m, nameAt), type, klass, ttl, Arrays.copyOfRange(m, at + 10, at + 10 + len)));
            return at + 10 + len;
        }

        private static int skipName(byte[] m, int at) {
            while (true) {
                int b = m[at] & 0xFF;
                if ((b & 0xC0) == 0xC0) {
                    return at + 2;
                }
                if (b == 0) {
                    return at + 1;
                }
                at += 1 + b;
            }
        }
    }

    /** A record: the first two octets of its owner name (0xC00C: a pointer to the question), type, class, TTL. */
    record Record(int owner, int type, int klass, long ttl, byte[] rdata) {
    }

    static int u16(byte[] m, int at) {
        return ((m[at] & 0xFF) << 8) | (m[at + 1] & 0xFF);
    }
}
