package dev.berth.runtime.seccomp;

import dev.berth.oci.runtime.RuntimeSpec.Seccomp;
import dev.berth.oci.runtime.RuntimeSpec.Syscall;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static dev.berth.runtime.seccomp.BpfInterpreter.AUDIT_ARCH_I386;
import static dev.berth.runtime.seccomp.BpfInterpreter.AUDIT_ARCH_X86_64;
import static dev.berth.runtime.seccomp.BpfInterpreter.X32;
import static dev.berth.runtime.seccomp.SeccompProfiles.*;
import static org.assertj.core.api.Assertions.assertThat;

/** Far jumps: 8-bit conditional offsets, JA trampolines. */
class SeccompBpfBuilderTest {
    @Test
    void farTargetsGoThroughTrampolines() {
        BpfBuilder b = new BpfBuilder();
        int yes = b.ret(1);
        int no = b.ret(2);
        for (int i = 0; i < 600; i++) b.ret(99); // never reached
        int j = b.jump(BpfBuilder.JEQ_K, 5, yes, no);
        for (int i = 1; i < 40; i++) j = b.jump(BpfBuilder.JEQ_K, 5 + i, yes, j); // more jumps to the same far target
        b.load(0, j);
        byte[] p = b.toBytes();
        BpfInterpreter.check(p);
        for (int nr = 0; nr < 50; nr++) {
            assertThat(BpfInterpreter.run(p, AUDIT_ARCH_X86_64, nr)).as("nr %d", nr).isEqualTo(nr >= 5 && nr < 45 ? 1 : 2);
        }
        assertThat(BpfInterpreter.count(p, BpfBuilder.JA)).as("trampolines are shared").isBetween(1, 3);
    }

    @Test
    void fallThroughIsKeptOrBridged() {
        BpfBuilder b = new BpfBuilder();
        int r7 = b.ret(7);
        b.ret(8);
        int ld = b.load(16, r7); // the fall-through would be RET 8: needs a JA to RET 7
        b.jump(BpfBuilder.JEQ_K, 0, ld, ld); // same target: no instruction
        assertThat(b.size()).isEqualTo(4);
        byte[] p = b.toBytes();
        assertThat(BpfInterpreter.run(p, 0, 0)).isEqualTo(7);
    }

    /** Many syscalls of every ABI with their own rule chains: the program spans thousands of instructions. */
    @Test
    void largeProfilesWithManyChainsStayCorrect() {
        List<Syscall> rules = new ArrayList<>();
        List<String> names = new ArrayList<>(SyscallTable.I386.names());
        names.sort(null);
        for (int i = 0; i < names.size(); i += 3) {
            rules.add(rule("SCMP_ACT_ERRNO", 1 + i % 50, List.of(names.get(i)), arg(0, "EQ", i)));
            if (i % 2 == 0) rules.add(rule("SCMP_ACT_TRACE", i, List.of(names.get(i))));
        }
        Seccomp s = profile("SCMP_ACT_ALLOW", null, ALL_X86, rules.toArray(Syscall[]::new));
        byte[] p = SeccompCompiler.compile(s);
        BpfInterpreter.check(p);
        assertThat(BpfInterpreter.length(p)).isGreaterThan(1000);
        assertThat(BpfInterpreter.count(p, BpfBuilder.JA)).as("far jumps use trampolines").isPositive();
        for (int[] abi : new int[][] {{AUDIT_ARCH_X86_64, 0}, {AUDIT_ARCH_X86_64, X32}, {AUDIT_ARCH_I386, 0}}) {
            for (int i = 0; i < 600; i++) {
                int nr = abi[1] | i;
                for (long a : new long[] {0, i % 7, 17, 300}) {
                    assertThat(BpfInterpreter.run(p, abi[0], nr, a)).as("arch %x nr %x arg %d", abi[0], nr, a)
                            .isEqualTo(SeccompReference.decide(s, abi[0], nr, a));
                }
            }
        }
    }
}
