package dev.berth.runtime.seccomp;

import dev.berth.oci.runtime.RuntimeSpec.SeccompArg;
import dev.berth.oci.runtime.RuntimeSpec.Seccomp;
import dev.berth.oci.runtime.RuntimeSpec.Syscall;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.List;
import java.util.Random;

import static dev.berth.runtime.seccomp.BpfInterpreter.AUDIT_ARCH_I386;
import static dev.berth.runtime.seccomp.BpfInterpreter.AUDIT_ARCH_X86_64;
import static dev.berth.runtime.seccomp.SeccompProfiles.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Argument comparisons, checked against plain unsigned 64-bit Java arithmetic. */
class SeccompArgsTest {
    private static final int SOCKET = 41;

    /** Interesting 64-bit values: around 0, the 32-bit boundary, the sign bit, the top. */
    private static final long[] VALUES = {
            0, 1, 2, 5, 0x7FFF_FFFFL, 0x8000_0000L, 0xFFFF_FFFEL, 0xFFFF_FFFFL,
            0x1_0000_0000L, 0x1_0000_0001L, 0x1_0000_0005L, 0x1_FFFF_FFFFL, 0x2_0000_0000L,
            0x7FFF_FFFF_FFFF_FFFFL, 0x8000_0000_0000_0000L, 0x8000_0000_0000_0005L,
            0xFFFF_FFFF_0000_0000L, 0xFFFF_FFFF_0000_0005L, 0xFFFF_FFFF_FFFF_FFFEL, 0xFFFF_FFFF_FFFF_FFFFL};

    @ParameterizedTest
    @ValueSource(strings = {"NE", "LT", "LE", "EQ", "GE", "GT"})
    void comparisonsOn64BitValues(String op) {
        for (long value : VALUES) {
            Seccomp s = profile(rule("SCMP_ACT_ALLOW", null, List.of("socket"), arg(3, op, value)));
            byte[] p = SeccompCompiler.compile(s);
            for (long a : VALUES) {
                for (long arg : new long[] {a, a ^ 1, a + 1, a - 1}) {
                    boolean holds = SeccompReference.holds(new SeccompArg(3, value, 0, "SCMP_CMP_" + op), arg);
                    assertThat(BpfInterpreter.run(p, AUDIT_ARCH_X86_64, SOCKET, 0, 0, 0, arg))
                            .as("%s %s %s", Long.toUnsignedString(arg, 16), op, Long.toUnsignedString(value, 16))
                            .isEqualTo(holds ? ALLOW : errno(1));
                    boolean holds32 = SeccompReference.holds(new SeccompArg(3, value, 0, "SCMP_CMP_" + op), arg & 0xFFFF_FFFFL);
                    assertThat(BpfInterpreter.run(p, AUDIT_ARCH_I386, 359, 0, 0, 0, arg))
                            .as("i386: %s %s %s", Long.toUnsignedString(arg, 16), op, Long.toUnsignedString(value, 16))
                            .isEqualTo(holds32 ? ALLOW : errno(1));
                }
            }
        }
    }

    @Test
    void someComparisonsSpelledOut() {
        long big = 0x1_0000_0000L;
        assertThat(x64(profile(allow("socket", arg(0, "EQ", big))), SOCKET, big)).isEqualTo(ALLOW);
        assertThat(x64(profile(allow("socket", arg(0, "EQ", big))), SOCKET, 0)).as("same low word").isEqualTo(errno(1));
        assertThat(x64(profile(allow("socket", arg(0, "GT", 0xFFFF_FFFFL))), SOCKET, big)).isEqualTo(ALLOW);
        assertThat(x64(profile(allow("socket", arg(0, "LT", big))), SOCKET, 0xFFFF_FFFFL)).isEqualTo(ALLOW);
        assertThat(x64(profile(allow("socket", arg(0, "LT", big))), SOCKET, big + 1)).isEqualTo(errno(1));
        assertThat(x64(profile(allow("socket", arg(0, "GE", -1L))), SOCKET, -1L)).as("unsigned: 2^64-1").isEqualTo(ALLOW);
        assertThat(x64(profile(allow("socket", arg(0, "LE", 5))), SOCKET, -1L)).as("unsigned: -1 is huge").isEqualTo(errno(1));
        assertThat(x64(profile(allow("socket", arg(0, "NE", big))), SOCKET, 0)).isEqualTo(ALLOW);
    }

    @Test
    void maskedEqual() {
        long[] masks = {0, 1, 0xFF, 0x7E02_0000L, 0xFFFF_FFFFL, 0x1_0000_0000L, 0xFFFF_FFFF_0000_0000L, 0x8000_0000_0000_00FFL, -1L};
        long[] data = {0, 1, 0x10, 0x1000_0000L, 0x1_0000_0000L, 0x8000_0000_0000_0000L, 0x8000_0000_0000_0001L, -1L};
        for (long mask : masks) {
            for (long datum : data) {
                Seccomp s = profile(allow("clone", masked(0, mask, datum)));
                byte[] p = SeccompCompiler.compile(s);
                for (long arg : VALUES) {
                    for (long x : new long[] {arg, arg | datum, datum, datum ^ 0x10, datum | 0x2_0000_0000L}) {
                        boolean holds = (x & mask) == datum;
                        assertThat(BpfInterpreter.run(p, AUDIT_ARCH_X86_64, 56, x))
                                .as("(%x & %x) == %x", x, mask, datum).isEqualTo(holds ? ALLOW : errno(1));
                        boolean holds32 = ((x & 0xFFFF_FFFFL) & mask) == datum;
                        assertThat(BpfInterpreter.run(p, AUDIT_ARCH_I386, 120, x))
                                .as("i386 (%x & %x) == %x", x, mask, datum).isEqualTo(holds32 ? ALLOW : errno(1));
                    }
                }
            }
        }
    }

    /** Random profiles (several rules per syscall, several conditions per rule) against the reference semantics. */
    @Test
    void randomProfilesMatchTheReference() {
        Random rnd = new Random(20250101);
        String[] ops = {"NE", "LT", "LE", "EQ", "GE", "GT", "MASKED_EQ"};
        String[] names = {"read", "write", "open", "close", "socket", "clone", "personality", "ioctl", "mmap", "fcntl"};
        String[] actions = {"SCMP_ACT_ALLOW", "SCMP_ACT_ERRNO", "SCMP_ACT_TRAP", "SCMP_ACT_LOG", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_TRACE"};
        for (int round = 0; round < 60; round++) {
            List<Syscall> rules = new ArrayList<>();
            int n = 1 + rnd.nextInt(25);
            for (int r = 0; r < n; r++) {
                List<SeccompArg> args = new ArrayList<>();
                int c = rnd.nextInt(4);
                for (int i = 0; i < c; i++) {
                    String op = ops[rnd.nextInt(ops.length)];
                    long v = pick(rnd);
                    long v2 = op.equals("MASKED_EQ") ? (rnd.nextBoolean() ? pick(rnd) & v : pick(rnd)) : 0;
                    args.add(new SeccompArg(rnd.nextInt(3), v, v2, "SCMP_CMP_" + op));
                }
                List<String> ns = List.of(names[rnd.nextInt(names.length)], names[rnd.nextInt(names.length)]);
                String action = actions[rnd.nextInt(actions.length)];
                rules.add(new Syscall(ns, action, rnd.nextBoolean() ? null : rnd.nextInt(200), List.copyOf(args)));
            }
            String dflt = actions[rnd.nextInt(actions.length)];
            List<String> arches = rnd.nextBoolean() ? ALL_X86 : List.of("SCMP_ARCH_X86");
            Seccomp s = new Seccomp(dflt, rnd.nextBoolean() ? null : rnd.nextInt(100), arches, List.of(), rules);
            byte[] p = SeccompCompiler.compile(s);
            for (int q = 0; q < 400; q++) {
                int arch = rnd.nextInt(10) < 7 ? AUDIT_ARCH_X86_64 : AUDIT_ARCH_I386;
                SyscallTable t = arch == AUDIT_ARCH_I386 ? SyscallTable.I386 : rnd.nextInt(4) == 0 ? SyscallTable.X32 : SyscallTable.X86_64;
                int nr = t.number(names[rnd.nextInt(names.length)]);
                if (nr < 0) nr = rnd.nextInt(400);
                long[] a = {pick(rnd), pick(rnd), pick(rnd)};
                assertThat(BpfInterpreter.run(p, arch, nr, a)).as("round %d %s nr %d", round, s, nr)
                        .isEqualTo(SeccompReference.decide(s, arch, nr, a));
            }
        }
    }

    private static long pick(Random rnd) {
        return switch (rnd.nextInt(4)) {
            case 0 -> VALUES[rnd.nextInt(VALUES.length)];
            case 1 -> rnd.nextInt(16);
            case 2 -> rnd.nextLong();
            default -> (long) rnd.nextInt(4) << 32 | rnd.nextInt(4);
        };
    }
}
