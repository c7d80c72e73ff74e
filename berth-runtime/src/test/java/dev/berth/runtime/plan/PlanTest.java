package dev.berth.runtime.plan;

import dev.berth.runtime.plan.Plan.Op;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class PlanTest {
    private static byte[] hex(String s) {
        return HexFormat.of().parseHex(s.replaceAll("\\s+", ""));
    }

    @Test
    void encode_empty_headerOnly() {
        // "BRTH" = 0x48545242 little-endian, then version 1.
        assertThat(new Plan().encode()).isEqualTo(hex("42525448 01000000"));
        assertThat(new String(new Plan().encode(), 0, 4)).isEqualTo("BRTH");
    }

    @Test
    void encode_tinyPlan_byteExact() {
        Plan p = new Plan()
                .add(Op.P_MODE, "mode", null, new long[]{0})
                .add(Op.C_HOSTNAME, "sethostname", "box", new long[]{}, "box")
                .add(Op.C_EXEC, "exec", null, new long[]{2}, List.of("ab", "cdefgh"))
                .addData(Op.C_SECCOMP, "load seccomp filter", new long[]{3}, new byte[]{1, 2, 3});
        byte[] expected = hex("""
                42525448 01000000
                01000000 01000000 00000000 00000000  0000000000000000
                1b000000 00000000 01000000 04000000  626f780000000000
                29000000 01000000 02000000 0a000000  0200000000000000  6162006364656667 6800000000000000
                26000000 01000000 00000000 03000000  0300000000000000  0102030000000000
                """);
        assertThat(p.encode()).isEqualTo(expected);
    }

    @Test
    void encode_numbers_littleEndian64Bit() {
        byte[] b = new Plan().add(Op.C_RLIMIT, "setrlimit", null, new long[]{7, -1L, 0x0102030405060708L}).encode();
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        buf.position(8);
        assertThat(buf.getInt()).isEqualTo(30);
        assertThat(buf.getInt()).isEqualTo(3);
        assertThat(buf.getInt()).isEqualTo(0);
        assertThat(buf.getInt()).isEqualTo(0);
        assertThat(buf.getLong()).isEqualTo(7);
        assertThat(buf.getLong()).isEqualTo(-1L);
        assertThat(Arrays.copyOfRange(b, 40, 48)).isEqualTo(hex("0807060504030201"));
        assertThat(b).hasSize(48);
    }

    @Test
    void encode_stringExactlyEightBytesWithNul_noExtraPadding() {
        byte[] b = new Plan().add(Op.C_CHDIR, "chdir", null, new long[]{}, "/abcdef").encode();
        assertThat(b).hasSize(8 + 16 + 8);
        assertThat(Arrays.copyOfRange(b, 24, 32)).isEqualTo("/abcdef\0".getBytes());
    }

    @Test
    void encode_utf8AndEmptyStrings_byteLengths() {
        byte[] b = new Plan().add(Op.C_WRITE, "w", null, new long[]{}, "é", "").encode();
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(buf.getInt(8 + 8)).isEqualTo(2); // nstr
        assertThat(buf.getInt(8 + 12)).isEqualTo(4); // 'é' is 2 bytes, its NUL, then the empty string's NUL
        assertThat(Arrays.copyOfRange(b, 24, 32)).isEqualTo(hex("c3a9000000000000"));
    }

    @Test
    void encode_dataOp_nstrZeroEvenWithBytes() {
        byte[] filter = new byte[16];
        Arrays.fill(filter, (byte) 0x7f);
        byte[] b = new Plan().addData(Op.C_SECCOMP, "load", new long[]{0}, filter).encode();
        ByteBuffer buf = ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(buf.getInt(8)).isEqualTo(38);
        assertThat(buf.getInt(12)).isEqualTo(1);
        assertThat(buf.getInt(16)).isZero();
        assertThat(buf.getInt(20)).isEqualTo(16);
        assertThat(Arrays.copyOfRange(b, 32, 48)).isEqualTo(filter);
        assertThat(b).hasSize(48);
    }

    @Test
    void encode_nulInsideString_rejected() {
        Plan p = new Plan().add(Op.C_HOSTNAME, "sethostname", null, new long[]{}, "a\0b");
        assertThatThrownBy(p::encode)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("string contains a NUL byte: a?b");
    }

    @Test
    void entries_afterAdds_inOrderAndUnmodifiable() {
        Plan p = new Plan().add(Op.P_MODE, "mode", null, new long[]{1}).add(Op.C_MASK, "mask /x", "ctx", new long[]{}, "/x");
        assertThat(p.entries()).extracting(Plan.Entry::op).containsExactly(Op.P_MODE, Op.C_MASK);
        assertThat(p.entries().get(1).strs()).containsExactly("/x");
        assertThat(p.entries().get(1).context()).isEqualTo("ctx");
        assertThat(p.entries().get(1).data()).isNull();
        assertThatThrownBy(() -> p.entries().clear()).isInstanceOf(UnsupportedOperationException.class);
    }

    private static Plan explainPlan() {
        return new Plan()
                .add(Op.C_MOUNT, "mount /proc", "proc on /b/rootfs/proc", new long[]{0, 1, 0}, "proc", "/b/rootfs/proc", "proc", "")
                .add(Op.C_PIVOT, "pivot_root", null, new long[]{}, "/b/rootfs");
    }

    @Test
    void explain_withContext_usesContext() {
        assertThat(explainPlan().explain(0, "No such file or directory", "ignored"))
                .isEqualTo("mount /proc: No such file or directory (proc on /b/rootfs/proc)");
    }

    @Test
    void explain_noContext_usesDetail() {
        assertThat(explainPlan().explain(1, "Invalid argument", "/b/rootfs is not a mount point"))
                .isEqualTo("pivot_root: Invalid argument (/b/rootfs is not a mount point)");
    }

    @Test
    void explain_noContextAndEmptyOrSameDetail_stepAndCauseOnly() {
        assertThat(explainPlan().explain(1, "Invalid argument", "")).isEqualTo("pivot_root: Invalid argument");
        assertThat(explainPlan().explain(1, "Invalid argument", null)).isEqualTo("pivot_root: Invalid argument");
        assertThat(explainPlan().explain(1, "Invalid argument", "pivot_root")).isEqualTo("pivot_root: Invalid argument");
    }

    @Test
    void explain_indexOutOfRange_detailAndCause() {
        assertThat(explainPlan().explain(-1, "Permission denied", "clone")).isEqualTo("clone: Permission denied");
        assertThat(explainPlan().explain(2, "Permission denied", "exec sh")).isEqualTo("exec sh: Permission denied");
    }

    /** The enum in shim.h, name to value, counting up from each explicit value as C does. */
    static Map<String, Integer> shimEnum(String header) {
        String noComments = header.replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
        Matcher m = Pattern.compile("(?s)enum\\s*\\{(.*?)}\\s*;").matcher(noComments);
        assertThat(m.find()).as("an enum in shim.h").isTrue();
        Map<String, Integer> values = new LinkedHashMap<>();
        int next = 0;
        for (String item : m.group(1).split(",")) {
            String s = item.strip();
            if (s.isEmpty()) continue;
            String[] kv = s.split("=");
            int v = kv.length > 1 ? Integer.decode(kv[1].strip()) : next;
            values.put(kv[0].strip(), v);
            next = v + 1;
        }
        return values;
    }

    @Test
    void shimEnum_parser_countsFromExplicitValues() {
        assertThat(shimEnum("enum {\n A = 1, /* x, y */ B,\n C = 20, D, };")).containsExactly(
                Map.entry("A", 1), Map.entry("B", 2), Map.entry("C", 20), Map.entry("D", 21));
    }

    @Test
    void opCodes_matchShimHeader_everyOpAndNoExtra() throws IOException {
        String header = Files.readString(Path.of("src/main/c/shim.h"));
        Map<String, Integer> c = shimEnum(header);
        assertThat(c).containsEntry("P_MODE", 1).containsEntry("C_JOIN", 20);
        assertThat(c.keySet()).containsExactlyInAnyOrderElementsOf(Arrays.stream(Op.values()).map(Op::name).toList());
        for (Op op : Op.values()) {
            assertThat(op.code).as(op.name()).isEqualTo(c.get(op.name()));
        }
    }

    @Test
    void header_magicAndVersion_matchShimHeader() throws IOException {
        String header = Files.readString(Path.of("src/main/c/shim.h"));
        Matcher magic = Pattern.compile("#define PLAN_MAGIC (0x[0-9a-fA-F]+)u?").matcher(header);
        Matcher version = Pattern.compile("#define PLAN_VERSION (\\d+)").matcher(header);
        assertThat(magic.find()).isTrue();
        assertThat(version.find()).isTrue();
        ByteBuffer b = ByteBuffer.wrap(new Plan().encode()).order(ByteOrder.LITTLE_ENDIAN);
        assertThat(Integer.toUnsignedLong(b.getInt())).isEqualTo(Long.decode(magic.group(1)));
        assertThat(b.getInt()).isEqualTo(Integer.parseInt(version.group(1)));
    }
}
