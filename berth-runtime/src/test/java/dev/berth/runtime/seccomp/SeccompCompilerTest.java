package dev.berth.runtime.seccomp;

import dev.berth.oci.runtime.RuntimeSpec.SeccompArg;
import dev.berth.oci.runtime.RuntimeSpec.Seccomp;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.HexFormat;
import java.util.List;

import static dev.berth.runtime.seccomp.BpfInterpreter.AUDIT_ARCH_AARCH64;
import static dev.berth.runtime.seccomp.SeccompProfiles.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SeccompCompilerTest {
    private static final int READ = 0, OPEN = 2, FSTAT = 5, SOCKET = 41, RT_SIGACTION = 13, ARCH_PRCTL = 158;
    private static final int I386_FORK = 2, I386_OPEN = 5, I386_SOCKETCALL = 102;
    private static final int X32_RT_SIGACTION = 512;

    @Test
    void layoutMatchesStructSockFilter() {
        // Default ALLOW, nothing else: check arch, kill foreign arches, allow.
        byte[] p = SeccompCompiler.compile(profile("SCMP_ACT_ALLOW", null, List.of()));
        assertThat(HexFormat.of().formatHex(p)).isEqualTo(
                "2000000004000000" // LD W ABS 4 (arch)         code=0x0020 jt=0 jf=0 k=4
                + "150001003e0000c0" // JEQ 0xc000003e jt=1 jf=0
                + "0600000000000080" // RET 0x80000000 (KILL_PROCESS)
                + "2000000000000000" // LD W ABS 0 (nr)
                + "060000000000ff7f"); // RET 0x7fff0000 (ALLOW)
    }

    @Test
    void defaultActionApplies() {
        Seccomp allowAll = profile("SCMP_ACT_ALLOW", null, List.of());
        assertThat(x64(allowAll, READ)).isEqualTo(ALLOW);
        assertThat(x64(allowAll, 1000)).isEqualTo(ALLOW);
        Seccomp deny = profile("SCMP_ACT_ERRNO", 13, List.of(), allow("read"));
        assertThat(x64(deny, READ)).isEqualTo(ALLOW);
        assertThat(x64(deny, OPEN)).isEqualTo(errno(13));
        assertThat(x64(deny, 0x3FFF_FFFF)).isEqualTo(errno(13));
        assertThat(x64(profile("SCMP_ACT_ERRNO", null, List.of()), READ)).as("EPERM by default").isEqualTo(errno(1));
    }

    @ParameterizedTest
    @CsvSource(nullValues = "null", value = {
            "SCMP_ACT_KILL,         null, 0x00000000",
            "SCMP_ACT_KILL_THREAD,  null, 0x00000000",
            "SCMP_ACT_KILL_PROCESS, null, 0x80000000",
            "SCMP_ACT_TRAP,         null, 0x00030000",
            "SCMP_ACT_ERRNO,        null, 0x00050001",
            "SCMP_ACT_ERRNO,        38,   0x00050026",
            "SCMP_ACT_ERRNO,        0,    0x00050000",
            "SCMP_ACT_TRACE,        null, 0x7ff00001",
            "SCMP_ACT_TRACE,        1234, 0x7ff004d2",
            "SCMP_ACT_LOG,          null, 0x7ffc0000",
            "SCMP_ACT_ALLOW,        null, 0x7fff0000",
            "SCMP_ACT_LOG,          7,    0x7ffc0000"})
    void actions(String action, Integer errnoRet, String expected) {
        int want = Integer.parseUnsignedInt(expected.substring(2), 16);
        Seccomp asRule = profile("SCMP_ACT_ALLOW", null, List.of(), rule(action, errnoRet, List.of("open")));
        Seccomp asDefault = profile(action, errnoRet, List.of(), allow("read"));
        if (want != ALLOW) assertThat(x64(asRule, OPEN)).isEqualTo(want);
        assertThat(x64(asRule, READ)).isEqualTo(ALLOW);
        assertThat(x64(asDefault, OPEN)).isEqualTo(want);
    }

    @Test
    void sameNameHasDifferentNumbersPerArch() {
        Seccomp s = profile("SCMP_ACT_ERRNO", 1, List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86"), allow("open"));
        assertThat(x64(s, OPEN)).isEqualTo(ALLOW);
        assertThat(x64(s, FSTAT)).isEqualTo(errno(1));
        assertThat(i386(s, I386_OPEN)).isEqualTo(ALLOW);
        assertThat(i386(s, I386_FORK)).isEqualTo(errno(1));
    }

    @Test
    void nativeArchIsAlwaysIncludedAndUnlistedArchesAreKilled() {
        Seccomp s = profile("SCMP_ACT_ERRNO", 1, List.of(), allow("open"));
        assertThat(x64(s, OPEN)).isEqualTo(ALLOW);
        assertThat(i386(s, I386_OPEN)).as("i386 not listed").isEqualTo(KILL_PROCESS);
        byte[] p = SeccompCompiler.compile(profile(allow("open")));
        assertThat(BpfInterpreter.run(p, AUDIT_ARCH_AARCH64, 56)).isEqualTo(KILL_PROCESS);
        assertThat(BpfInterpreter.run(p, 0, 0)).isEqualTo(KILL_PROCESS);
        // Foreign names in the list are accepted and change nothing.
        Seccomp withForeign = profile("SCMP_ACT_ERRNO", 1, List.of("SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM", "SCMP_ARCH_S390X"), allow("open"));
        assertThat(SeccompCompiler.compile(withForeign)).isEqualTo(SeccompCompiler.compile(s));
    }

    @Test
    void x32CallsNeverMatchX86_64Rules() {
        Seccomp noX32 = profile("SCMP_ACT_ERRNO", 1, List.of("SCMP_ARCH_X86_64"), allow("open"), allow("rt_sigaction"));
        assertThat(x64(noX32, OPEN)).isEqualTo(ALLOW);
        assertThat(x32(noX32, OPEN)).as("x32 not listed: default action").isEqualTo(errno(1));
        assertThat(x32(noX32, X32_RT_SIGACTION)).isEqualTo(errno(1));

        Seccomp withX32 = profile("SCMP_ACT_ERRNO", 1, List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X32"), allow("open"), allow("rt_sigaction"));
        assertThat(x32(withX32, OPEN)).isEqualTo(ALLOW);
        assertThat(x64(withX32, RT_SIGACTION)).isEqualTo(ALLOW);
        assertThat(x32(withX32, X32_RT_SIGACTION)).as("x32's own rt_sigaction").isEqualTo(ALLOW);
        assertThat(x32(withX32, RT_SIGACTION)).as("the x86_64 number with the x32 bit is not x32's rt_sigaction").isEqualTo(errno(1));
        assertThat(x32(withX32, FSTAT)).isEqualTo(errno(1));
        assertThat(x64(withX32, 0xFFFF_FFFF)).isEqualTo(errno(1));
    }

    @Test
    void i386ArgumentsAreTheLow32Bits() {
        Seccomp s = profile(allow("personality", arg(0, "EQ", 8)), allow("socketcall", arg(1, "GT", 0x1_0000_0000L)));
        int personality = 136;
        assertThat(i386(s, personality, 8)).isEqualTo(ALLOW);
        assertThat(i386(s, personality, 0xdead_0000_0000_0008L)).as("high word ignored").isEqualTo(ALLOW);
        assertThat(x64(s, 135, 0xdead_0000_0000_0008L)).as("x86_64 compares 64 bits").isEqualTo(errno(1));
        assertThat(i386(s, I386_SOCKETCALL, 0, 0xFFFF_FFFF_FFFF_FFFFL)).as("a 32-bit value is never > 2^32").isEqualTo(errno(1));
    }

    @Test
    void rulesForOneSyscallAreTriedInOrder() {
        Seccomp s = profile(
                rule("SCMP_ACT_ERRNO", 13, List.of("socket"), arg(0, "EQ", 2)),
                rule("SCMP_ACT_ERRNO", 1, List.of("socket"), arg(0, "EQ", 40)), // the default action, but not last
                rule("SCMP_ACT_TRAP", null, List.of("socket"), arg(0, "EQ", 2)), // shadowed by the first rule
                allow("socket"),
                rule("SCMP_ACT_KILL", null, List.of("socket"))); // after an unconditional rule: never applies
        assertThat(x64(s, SOCKET, 2)).isEqualTo(errno(13));
        assertThat(x64(s, SOCKET, 40)).isEqualTo(errno(1));
        assertThat(x64(s, SOCKET, 10)).isEqualTo(ALLOW);
        assertThat(i386(s, 359, 2)).isEqualTo(errno(13));

        Seccomp onlyConditional = profile(rule("SCMP_ACT_LOG", null, List.of("socket"), arg(0, "EQ", 2)),
                rule("SCMP_ACT_TRAP", null, List.of("socket"), arg(1, "EQ", 3)));
        assertThat(x64(onlyConditional, SOCKET, 2, 3)).isEqualTo(LOG);
        assertThat(x64(onlyConditional, SOCKET, 1, 3)).isEqualTo(TRAP);
        assertThat(x64(onlyConditional, SOCKET, 1, 1)).as("no rule holds: default").isEqualTo(errno(1));
    }

    @Test
    void allConditionsOfARuleMustHold() {
        Seccomp s = profile(allow("socket", arg(0, "EQ", 1), arg(1, "GT", 10)),
                allow("read", arg(2, "GE", 10), arg(2, "LE", 20)));
        assertThat(x64(s, SOCKET, 1, 11)).isEqualTo(ALLOW);
        assertThat(x64(s, SOCKET, 1, 10)).isEqualTo(errno(1));
        assertThat(x64(s, SOCKET, 2, 11)).isEqualTo(errno(1));
        assertThat(x64(s, READ, 0, 0, 10)).isEqualTo(ALLOW);
        assertThat(x64(s, READ, 0, 0, 20)).isEqualTo(ALLOW);
        assertThat(x64(s, READ, 0, 0, 21)).isEqualTo(errno(1));
        assertThat(x64(s, READ, 0, 0, 9)).isEqualTo(errno(1));
    }

    @Test
    void unknownNamesAreSkipped() {
        Seccomp s = profile(rule("SCMP_ACT_ALLOW", null, List.of("no_such_syscall", "open", "arch_prctl", "socketcall")),
                rule("SCMP_ACT_KILL", null, List.of("not_a_syscall_either")));
        assertThat(x64(s, OPEN)).isEqualTo(ALLOW);
        assertThat(x64(s, ARCH_PRCTL)).isEqualTo(ALLOW);
        assertThat(i386(s, I386_OPEN)).isEqualTo(ALLOW);
        assertThat(i386(s, I386_SOCKETCALL)).isEqualTo(ALLOW);
        assertThat(i386(s, ARCH_PRCTL)).as("no arch_prctl on i386: 158 is sched_yield there").isEqualTo(errno(1));
        assertThat(x64(s, I386_SOCKETCALL)).as("no socketcall on x86_64").isEqualTo(errno(1));
    }

    @Test
    void badActionOpFlagArchAndNumbersAreNamed() {
        assertThatThrownBy(() -> SeccompCompiler.compile(profile(allow("read"), rule("SCMP_ACT_FOO", null, List.of("open")))))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("linux.seccomp.syscalls[1].action: unknown action \"SCMP_ACT_FOO\"");
        assertThatThrownBy(() -> SeccompCompiler.compile(profile("SCMP_ACT_NOPE", null, List.of())))
                .hasMessage("linux.seccomp.defaultAction: unknown action \"SCMP_ACT_NOPE\"");
        assertThatThrownBy(() -> SeccompCompiler.compile(profile(rule("SCMP_ACT_NOTIFY", null, List.of("open")))))
                .hasMessageStartingWith("linux.seccomp.syscalls[0].action: SCMP_ACT_NOTIFY is not supported");
        assertThatThrownBy(() -> SeccompCompiler.compile(profile(allow("read"), allow("open"),
                allow("socket", new SeccompArg(0, 1, 0, "SCMP_CMP_SORTA")))))
                .hasMessageStartingWith("linux.seccomp.syscalls[2].args[0].op: unknown op \"SCMP_CMP_SORTA\"");
        assertThatThrownBy(() -> SeccompCompiler.compile(profile(allow("socket", arg(6, "EQ", 1)))))
                .hasMessage("linux.seccomp.syscalls[0].args[0].index: must be 0 to 5, got 6");
        assertThatThrownBy(() -> SeccompCompiler.compile(profile(rule("SCMP_ACT_ERRNO", 70000, List.of("open")))))
                .hasMessage("linux.seccomp.syscalls[0].errnoRet: must be 0 to 65535, got 70000");
        assertThatThrownBy(() -> SeccompCompiler.compile(profile("SCMP_ACT_ERRNO", -1, List.of())))
                .hasMessage("linux.seccomp.defaultErrnoRet: must be 0 to 65535, got -1");
        assertThatThrownBy(() -> SeccompCompiler.compile(profile("SCMP_ACT_ERRNO", 1, List.of("SCMP_ARCH_X86", "SCMP_ARCH_VAX"))))
                .hasMessage("linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_VAX\"");
        assertThatThrownBy(() -> SeccompCompiler.compile(profile(null, null, List.of())))
                .hasMessage("linux.seccomp.defaultAction: required field is missing");
        Seccomp badFlag = new Seccomp("SCMP_ACT_ALLOW", null, List.of(), List.of("SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_BOGUS"), List.of());
        assertThatThrownBy(() -> SeccompCompiler.flags(badFlag))
                .hasMessageStartingWith("linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_BOGUS\"");
        assertThatThrownBy(() -> SeccompCompiler.compile(badFlag)).hasMessageStartingWith("linux.seccomp.flags[1]");
    }

    @Test
    void flags() {
        assertThat(SeccompCompiler.flags(new Seccomp("SCMP_ACT_ALLOW", null, null, null, null))).isZero();
        assertThat(SeccompCompiler.flags(new Seccomp("SCMP_ACT_ALLOW", null, List.of(), List.of("SECCOMP_FILTER_FLAG_TSYNC"), List.of()))).isEqualTo(1);
        assertThat(SeccompCompiler.flags(new Seccomp("SCMP_ACT_ALLOW", null, List.of(), List.of("SECCOMP_FILTER_FLAG_LOG"), List.of()))).isEqualTo(2);
        assertThat(SeccompCompiler.flags(new Seccomp("SCMP_ACT_ALLOW", null, List.of(),
                List.of("SECCOMP_FILTER_FLAG_SPEC_ALLOW", "SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG"), List.of()))).isEqualTo(7);
    }

    @Test
    void nullListsReadAsEmpty() {
        Seccomp s = new Seccomp("SCMP_ACT_ERRNO", null, null, null, null);
        assertThat(x64(s, READ)).isEqualTo(errno(1));
    }

    @Test
    void aProgramOverTheKernelLimitIsRefused() {
        // All 360 x86_64 syscalls, each with a rule of four 64-bit conditions: far more than 4096 instructions.
        List<String> names = SyscallTable.X86_64.names().stream().sorted().toList();
        var rules = names.stream().map(n -> allow(n, arg(0, "GT", 1L << 33), arg(1, "LT", 1L << 34),
                arg(2, "GE", 3L << 32), arg(3, "LE", (long) n.hashCode() << 32))) // distinct chains, none shared
                .toArray(dev.berth.oci.runtime.RuntimeSpec.Syscall[]::new);
        assertThatThrownBy(() -> SeccompCompiler.compile(profile(rules)))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageMatching("linux\\.seccomp: the filter needs \\d+ BPF instructions; the kernel allows at most 4096");
    }
}
