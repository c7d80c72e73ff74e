package dev.berth.network.dns;

import java.io.ByteArrayOutputStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;

/**
 * The DNS wire format (RFC 1035 section 4; the OPT pseudo-record of RFC 6891), as much as the server needs: reading
 * a query (header, one question, the records after it, looking for OPT) and writing an answer to it.
 *
 * <p>Reading never trusts the packet: every length is checked against the end, names are at most 255 octets,
 * only plain labels and compression pointers are accepted, and a pointer must go strictly backwards from every
 * position the name has visited (and past the header), so a loop or a forward jump is a {@link FormatException}.
 */
final class DnsMessage {
    static final int HEADER = 12;
    static final int TYPE_A = 1, TYPE_PTR = 12, TYPE_AAAA = 28, TYPE_OPT = 41, TYPE_ANY = 255;
    static final int CLASS_IN = 1, CLASS_ANY = 255;
    static final int NOERROR = 0, FORMERR = 1, SERVFAIL = 2, NXDOMAIN = 3, NOTIMP = 4, REFUSED = 5;
    static final int QR = 0x8000, AA = 0x0400, TC = 0x0200, RD = 0x0100, RA = 0x0080;
    static final int OPCODE_MASK = 0x7800;
    /** A reply over UDP to a client without EDNS; with EDNS the client's size, clamped to [512, MAX_UDP]. */
    static final int PLAIN_UDP = 512, MAX_UDP = 4096, MAX_TCP = 65535;
    /** The payload size our own OPT advertises (the DNS flag day 2020 figure). */
    static final int ADVERTISED_UDP = 1232;
    private static final int MAX_NAME = 255;

    private DnsMessage() {
    }

    /** A query that did not follow the format; its message says where. */
    static final class FormatException extends Exception {
        FormatException(String message) {
            super(message);
        }
    }

    /**
     * One parsed query.
     *
     * @param qname the question's name in wire form, uncompressed, in the client's case (echoed as received)
     * @param name the name lower-cased, dotted, without the trailing dot; null when a label holds a dot or a byte
     *     outside printable ASCII (such a name is never one of ours)
     * @param questionEnd the offset just after the question, in the packet it was read from
     * @param udpSize the payload size the client's OPT allows, 0 without OPT
     */
    record Query(int id, int flags, byte[] qname, String name, int qtype, int qclass, int questionEnd, int udpSize) {
        boolean edns() {
            return udpSize > 0;
        }

        /** The largest reply this client takes over UDP. */
        int udpLimit() {
            return edns() ? Math.clamp(udpSize, PLAIN_UDP, MAX_UDP) : PLAIN_UDP;
        }
    }

    /** One answer record: its type and rdata; the owner name is always the question's (a pointer to it). */
    record Answer(int type, byte[] rdata) {
        static Answer of(InetAddress address) {
            return new Answer(address instanceof Inet4Address ? TYPE_A : TYPE_AAAA, address.getAddress());
        }
    }

    static int u16(byte[] m, int at) {
        return ((m[at] & 0xFF) << 8) | (m[at + 1] & 0xFF);
    }

    static void put16(byte[] m, int at, int value) {
        m[at] = (byte) (value >>> 8);
        m[at + 1] = (byte) value;
    }

    static int rcode(byte[] m) {
        return m[3] & 0x0F;
    }

    /** Reads a query: exactly one question; answer and authority records are skipped; an OPT is looked for. */
    static Query parse(byte[] m, int len) throws FormatException {
        if (len < HEADER) {
            throw new FormatException(len + " bytes, shorter than a header");
        }
        int questions = u16(m, 4);
        int records = u16(m, 6) + u16(m, 8);
        int additional = u16(m, 10);
        if (questions != 1) {
            throw new FormatException(questions + " questions, expected 1");
        }
        var qname = new ByteArrayOutputStream(64);
        int at = readName(m, len, HEADER, qname);
        if (at + 4 > len) {
            throw new FormatException("question ends before its type and class");
        }
        int qtype = u16(m, at), qclass = u16(m, at + 2);
        int questionEnd = at + 4;
        at = questionEnd;
        for (int i = 0; i < records; i++) {
            at = skipRecord(m, len, at, null);
        }
        int udpSize = 0;
        for (int i = 0; i < additional; i++) {
            int[] opt = new int[1];
            at = skipRecord(m, len, at, opt);
            if (opt[0] > 0) {
                if (udpSize > 0) {
                    throw new FormatException("more than one OPT record");
                }
                udpSize = opt[0];
            }
        }
        byte[] wire = qname.toByteArray();
        return new Query(u16(m, 0), u16(m, 2), wire, plainName(wire), qtype, qclass, questionEnd, udpSize);
    }

    /** Skips one resource record at {@code at}; when it is an OPT, stores its payload size (at least 1) in opt[0]. */
    private static int skipRecord(byte[] m, int len, int at, int[] opt) throws FormatException {
        at = readName(m, len, at, null);
        if (at + 10 > len) {
            throw new FormatException("record at " + at + " ends inside its fixed fields");
        }
        int type = u16(m, at), klass = u16(m, at + 2), rdlength = u16(m, at + 8);
        at += 10;
        if (at + rdlength > len) {
            throw new FormatException("record data at " + at + " runs past the end");
        }
        if (opt != null && type == TYPE_OPT) {
            opt[0] = Math.max(klass, 1);
        }
        return at + rdlength;
    }

    /**
     * Reads the name at {@code start}, following compression pointers safely, copying its labels uncompressed
     * (with the root label) into {@code out} when given; returns the offset just after the name where it began.
     */
    static int readName(byte[] m, int len, int start, ByteArrayOutputStream out) throws FormatException {
        int at = start, end = -1, lowest = start, length = 0;
        while (true) {
            if (at >= len) {
                throw new FormatException("name at " + start + " runs past the end");
            }
            int b = m[at] & 0xFF;
            if ((b & 0xC0) == 0xC0) {
                if (at + 1 >= len) {
                    throw new FormatException("compression pointer at " + at + " is cut off");
                }
                int target = ((b & 0x3F) << 8) | (m[at + 1] & 0xFF);
                if (target >= lowest || target < HEADER) {
                    throw new FormatException("compression pointer at " + at + " does not point back into the message");
                }
                if (end < 0) {
                    end = at + 2;
                }
                lowest = target;
                at = target;
            } else if ((b & 0xC0) != 0) {
                throw new FormatException("label type 0x" + Integer.toHexString(b & 0xC0) + " at " + at);
            } else {
                length += 1 + b;
                if (length > MAX_NAME) {
                    throw new FormatException("name at " + start + " is longer than 255 octets");
                }
                if (at + 1 + b > len) {
                    throw new FormatException("label at " + at + " runs past the end");
                }
                if (out != null) {
                    out.write(m, at, 1 + b);
                }
                if (b == 0) {
                    return end < 0 ? at + 1 : end;
                }
                at += 1 + b;
            }
        }
    }

    /** The dotted, lower-cased form of a wire name, or null when it is not a plain host name. */
    static String plainName(byte[] wire) {
        var s = new StringBuilder(wire.length);
        for (int at = 0; wire[at] != 0; at += 1 + wire[at]) {
            if (at > 0) {
                s.append('.');
            }
            for (int i = at + 1; i <= at + wire[at]; i++) {
                int c = wire[i] & 0xFF;
                if (c <= 0x20 || c >= 0x7F || c == '.') {
                    return null;
                }
                s.append((char) (c >= 'A' && c <= 'Z' ? c + 32 : c));
            }
        }
        return s.toString();
    }

    /** A dotted name in wire form, or null when a label is empty or too long, or the whole is over 255 octets. */
    static byte[] wireName(String name) {
        String trimmed = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
        var out = new ByteArrayOutputStream(trimmed.length() + 2);
        if (!trimmed.isEmpty()) {
            for (String label : trimmed.split("\\.", -1)) {
                byte[] bytes = label.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
                if (bytes.length == 0 || bytes.length > 63) {
                    return null;
                }
                out.write(bytes.length);
                out.writeBytes(bytes);
            }
        }
        out.write(0);
        return out.size() > MAX_NAME ? null : out.toByteArray();
    }

    /**
     * The address a reverse name stands for ("4.3.2.1.in-addr.arpa", or 32 nibbles then "ip6.arpa"), or null when
     * the name is not a complete one.
     */
    static InetAddress reverseAddress(String name) {
        try {
            if (name.endsWith(".in-addr.arpa")) {
                String[] parts = name.substring(0, name.length() - ".in-addr.arpa".length()).split("\\.", -1);
                if (parts.length != 4) {
                    return null;
                }
                byte[] ip = new byte[4];
                for (int i = 0; i < 4; i++) {
                    if (!parts[i].matches("0|[1-9][0-9]{0,2}") || Integer.parseInt(parts[i]) > 255) {
                        return null;
                    }
                    ip[3 - i] = (byte) Integer.parseInt(parts[i]);
                }
                return InetAddress.getByAddress(ip);
            }
            if (name.endsWith(".ip6.arpa")) {
                String[] parts = name.substring(0, name.length() - ".ip6.arpa".length()).split("\\.", -1);
                if (parts.length != 32) {
                    return null;
                }
                byte[] ip = new byte[16];
                for (int i = 0; i < 32; i++) {
                    if (parts[i].length() != 1 || Character.digit(parts[i].charAt(0), 16) < 0) {
                        return null;
                    }
                    int nibble = Character.digit(parts[i].charAt(0), 16);
                    int index = 31 - i;
                    ip[index / 2] |= (byte) (index % 2 == 0 ? nibble << 4 : nibble);
                }
                return InetAddress.getByAddress(ip);
            }
        } catch (UnknownHostException e) {
            // only thrown for a wrong array length, which the checks above exclude
        }
        return null;
    }

    /**
     * A reply to {@code q}: the question echoed, the answers (each owned by a pointer to the question's name) as
     * many as fit in {@code limit} octets, TC set when some did not, and a minimal OPT when the query had one.
     */
    static byte[] reply(Query q, int rcode, int extraFlags, List<Answer> answers, int ttl, int limit) {
        int optSize = q.edns() ? 11 : 0;
        int size = HEADER + q.qname().length + 4;
        int fit = 0;
        for (Answer a : answers) {
            int next = size + 12 + a.rdata().length;
            if (next + optSize > limit) {
                break;
            }
            size = next;
            fit++;
        }
        byte[] m = new byte[size + optSize];
        int flags = QR | (q.flags() & (OPCODE_MASK | RD)) | extraFlags | rcode;
        if (fit < answers.size()) {
            flags |= TC;
        }
        put16(m, 0, q.id());
        put16(m, 2, flags);
        put16(m, 4, 1);
        put16(m, 6, fit);
        put16(m, 10, q.edns() ? 1 : 0);
        int at = HEADER;
        System.arraycopy(q.qname(), 0, m, at, q.qname().length);
        at += q.qname().length;
        put16(m, at, q.qtype());
        put16(m, at + 2, q.qclass());
        at += 4;
        for (Answer a : answers.subList(0, fit)) {
            put16(m, at, 0xC000 | HEADER);
            put16(m, at + 2, a.type());
            put16(m, at + 4, CLASS_IN);
            put16(m, at + 6, ttl >>> 16);
            put16(m, at + 8, ttl);
            put16(m, at + 10, a.rdata().length);
            System.arraycopy(a.rdata(), 0, m, at + 12, a.rdata().length);
            at += 12 + a.rdata().length;
        }
        if (q.edns()) {
            // root owner, TYPE OPT, CLASS = our payload size, TTL 0 (extended rcode 0, version 0, no DO), no data
            m[at] = 0;
            put16(m, at + 1, TYPE_OPT);
            put16(m, at + 3, ADVERTISED_UDP);
        }
        return m;
    }

    /**
     * A header-only error reply for a message whose question could not be read: its ID, opcode and RD copied.
     * {@code m} must hold at least a header.
     */
    static byte[] errorReply(byte[] m, int rcode, int extraFlags) {
        byte[] r = new byte[HEADER];
        r[0] = m[0];
        r[1] = m[1];
        put16(r, 2, QR | (u16(m, 2) & (OPCODE_MASK | RD)) | extraFlags | rcode);
        return r;
    }

    /** A copy of the first {@code len} bytes of {@code m} with another ID. */
    static byte[] withId(byte[] m, int len, int id) {
        byte[] copy = Arrays.copyOf(m, len);
        put16(copy, 0, id);
        return copy;
    }

    /**
     * Whether {@code r} answers the query {@code q} that was sent with ID {@code id}: a response with that ID
     * whose question is the same name (ignoring case), type and class, or an error without a question.
     */
    static boolean answers(byte[] r, int len, int id, Query q) {
        if (len < HEADER || u16(r, 0) != id || (u16(r, 2) & QR) == 0) {
            return false;
        }
        int questions = u16(r, 4);
        if (questions == 0) {
            return rcode(r) != NOERROR;
        }
        if (questions != 1) {
            return false;
        }
        try {
            var name = new ByteArrayOutputStream(64);
            int at = readName(r, len, HEADER, name);
            return at + 4 <= len && u16(r, at) == q.qtype() && u16(r, at + 2) == q.qclass()
                    && Arrays.equals(lower(name.toByteArray()), lower(q.qname()));
        } catch (FormatException e) {
            return false;
        }
    }

    private static byte[] lower(byte[] wire) {
        byte[] l = wire.clone();
        for (int i = 0; i < l.length; i++) {
            if (l[i] >= 'A' && l[i] <= 'Z') {
                l[i] += 32;
            }
        }
        return l;
    }
}
