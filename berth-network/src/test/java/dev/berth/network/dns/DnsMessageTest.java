package dev.berth.network.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.network.dns.DnsMessage.Answer;
import dev.berth.network.dns.DnsMessage.FormatException;
import dev.berth.network.dns.DnsMessage.Query;
import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The wire format on its own: golden bytes in, golden bytes out, and the hostile names. */
class DnsMessageTest {
    private static final HexFormat HEX = HexFormat.of();

    @Test
    void parsesAQueryWithAnOptWhoseOwnerIsACompressionPointer() throws FormatException {
        // id 0xabcd, RD, 1 question, 1 additional; "Web.berth" A IN; then an OPT owned by a pointer to the question
        // (legal, if odd) with payload size 1400
        byte[] m = HEX.parseHex("abcd0100000100000000000103576562056265727468000001000"
                + "1c00c0029057800000000" + "0000");
        Query q = DnsMessage.parse(m, m.length);

        assertThat(q.id()).isEqualTo(0xabcd);
        assertThat(q.name()).isEqualTo("web.berth");
        assertThat(q.qname()).isEqualTo(HEX.parseHex("03576562056265727468" + "00"));
        assertThat(q.qtype()).isEqualTo(1);
        assertThat(q.qclass()).isEqualTo(1);
        assertThat(q.udpSize()).isEqualTo(1400);
        assertThat(q.udpLimit()).isEqualTo(1400);
        assertThat(q.questionEnd()).isEqualTo(27);
    }

    @Test
    void readsCompressedNamesAndRefusesLoopsAndStrayPointers() throws FormatException {
        // header, then "abc.def" at 12, then "x" + pointer to "def" at 16, then a pointer to that at 24
        byte[] m = HEX.parseHex("000000000000000000000000" + "036162630364656600" + "0178c010" + "c015");
        var out = new ByteArrayOutputStream();
        assertThat(DnsMessage.readName(m, m.length, 21, out)).as("ends after its pointer").isEqualTo(25);
        assertThat(DnsMessage.plainName(out.toByteArray())).isEqualTo("x.def");
        out.reset();
        assertThat(DnsMessage.readName(m, m.length, 25, out)).isEqualTo(27);
        assertThat(DnsMessage.plainName(out.toByteArray())).isEqualTo("x.def");

        byte[] loop = HEX.parseHex("000000000000000000000000" + "0161c00c");
        assertThatThrownBy(() -> DnsMessage.readName(loop, loop.length, 12, null))
                .isInstanceOf(FormatException.class).hasMessageContaining("does not point back");
        byte[] pingPong = HEX.parseHex("000000000000000000000000" + "c00e" + "c00c");
        assertThatThrownBy(() -> DnsMessage.readName(pingPong, pingPong.length, 14, null))
                .isInstanceOf(FormatException.class);
        byte[] cut = HEX.parseHex("000000000000000000000000" + "0161c0");
        assertThatThrownBy(() -> DnsMessage.readName(cut, cut.length, 12, null))
                .isInstanceOf(FormatException.class).hasMessageContaining("cut off");
    }

    @Test
    void aChainOfBackwardPointersStillStopsAt255Octets() {
        // 200 names "a" + pointer to the previous one: each step is backwards, the total grows past 255
        var m = new ByteArrayOutputStream();
        m.writeBytes(new byte[12]);
        m.writeBytes(new byte[] {1, 'a', 0});
        int previous = 12;
        for (int i = 0; i < 200; i++) {
            int here = m.size();
            m.writeBytes(new byte[] {1, 'a', (byte) (0xC0 | previous >>> 8), (byte) previous});
            previous = here;
        }
        byte[] bytes = m.toByteArray();
        int last = previous;
        assertThatThrownBy(() -> DnsMessage.readName(bytes, bytes.length, last, null))
                .isInstanceOf(FormatException.class).hasMessageContaining("longer than 255");
    }

    @Test
    void writesAnAnswerWithPointersTruncatingToTheLimit() throws Exception {
        Query q = DnsMessage.parse(query("web"), query("web").length);
        var answers = List.of(Answer.of(InetAddress.ofLiteral("10.88.0.2")));

        byte[] r = DnsMessage.reply(q, DnsMessage.NOERROR, DnsMessage.AA | DnsMessage.RA, answers, 60, 512);

        assertThat(HEX.formatHex(r)).isEqualTo("0007" + "8580" + "0001000100000000" + "0377656200" + "00010001"
                + "c00c" + "0001" + "0001" + "0000003c" + "0004" + "0a580002");

        var many = new ArrayList<Answer>();
        for (int i = 0; i < 40; i++) {
            many.add(Answer.of(InetAddress.ofLiteral("10.0.0." + i)));
        }
        byte[] cut = DnsMessage.reply(q, DnsMessage.NOERROR, 0, many, 60, 512);
        assertThat(cut.length).isLessThanOrEqualTo(512).isGreaterThan(512 - 16);
        assertThat(DnsMessage.u16(cut, 2) & DnsMessage.TC).isNotZero();
        assertThat(DnsMessage.u16(cut, 6)).isEqualTo((512 - 12 - 9) / 16);
    }

    @Test
    void errorReplyCopiesIdOpcodeAndRd() {
        byte[] m = HEX.parseHex("beef" + "0900" + "0000000000000000");
        assertThat(HEX.formatHex(DnsMessage.errorReply(m, DnsMessage.FORMERR, 0)))
                .isEqualTo("beef" + "8901" + "0000000000000000");
    }

    @Test
    void reverseNamesAndWireNames() {
        assertThat(DnsMessage.reverseAddress("2.0.88.10.in-addr.arpa")).isEqualTo(InetAddress.ofLiteral("10.88.0.2"));
        assertThat(DnsMessage.reverseAddress("0.88.10.in-addr.arpa")).as("a zone, not an address").isNull();
        assertThat(DnsMessage.reverseAddress("256.0.88.10.in-addr.arpa")).isNull();
        assertThat(DnsMessage.reverseAddress("02.0.88.10.in-addr.arpa")).isNull();
        assertThat(DnsMessage.reverseAddress("1." + "0.".repeat(29) + "8.f.ip6.arpa"))
                .isEqualTo(InetAddress.ofLiteral("f800::1"));
        assertThat(DnsMessage.wireName("web.berth.")).isEqualTo(HEX.parseHex("037765620562657274680" + "0"));
        assertThat(DnsMessage.wireName("a..b")).isNull();
        assertThat(DnsMessage.wireName("x".repeat(64))).isNull();
        assertThat(DnsMessage.plainName(HEX.parseHex("03612e6200"))).as("a dot inside a label").isNull();
    }

    private static byte[] query(String name) {
        return DnsTestClient.query(7, name, 1, false);
    }
}
