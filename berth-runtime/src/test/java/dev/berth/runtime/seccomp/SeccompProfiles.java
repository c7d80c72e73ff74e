package dev.berth.runtime.seccomp;

import dev.berth.oci.runtime.RuntimeSpec.SeccompArg;
import dev.berth.oci.runtime.RuntimeSpec.Seccomp;
import dev.berth.oci.runtime.RuntimeSpec.Syscall;

import java.util.List;

/** Builders for profiles in tests, and compile-and-run shortcuts. */
final class SeccompProfiles {
    static final int ALLOW = 0x7fff0000;
    static final int KILL_PROCESS = 0x80000000;
    static final int KILL_THREAD = 0;
    static final int TRAP = 0x00030000;
    static final int LOG = 0x7ffc0000;
    static final List<String> ALL_X86 = List.of("SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32");

    private SeccompProfiles() {}

    static int errno(int e) {
        return 0x00050000 | e;
    }

    static int trace(int data) {
        return 0x7ff00000 | data;
    }

    static Seccomp profile(String defaultAction, Integer defaultErrno, List<String> arches, Syscall... rules) {
        return new Seccomp(defaultAction, defaultErrno, arches, List.of(), List.of(rules));
    }

    /** Default ERRNO(EPERM), x86_64 + i386 + x32. */
    static Seccomp profile(Syscall... rules) {
        return profile("SCMP_ACT_ERRNO", 1, ALL_X86, rules);
    }

    static Syscall rule(String action, Integer errno, List<String> names, SeccompArg... args) {
        return new Syscall(names, action, errno, List.of(args));
    }

    static Syscall allow(String name, SeccompArg... args) {
        return rule("SCMP_ACT_ALLOW", null, List.of(name), args);
    }

    static SeccompArg arg(int index, String op, long value) {
        return new SeccompArg(index, value, 0, "SCMP_CMP_" + op);
    }

    static SeccompArg masked(int index, long mask, long datum) {
        return new SeccompArg(index, mask, datum, "SCMP_CMP_MASKED_EQ");
    }

    /** Compiles (checking the program as the kernel would) and runs it for an x86_64 call. */
    static int x64(Seccomp s, int nr, long... args) {
        return BpfInterpreter.run(SeccompCompiler.compile(s), BpfInterpreter.AUDIT_ARCH_X86_64, nr, args);
    }

    static int i386(Seccomp s, int nr, long... args) {
        return BpfInterpreter.run(SeccompCompiler.compile(s), BpfInterpreter.AUDIT_ARCH_I386, nr, args);
    }

    static int x32(Seccomp s, int nr, long... args) {
        return BpfInterpreter.run(SeccompCompiler.compile(s), BpfInterpreter.AUDIT_ARCH_X86_64, BpfInterpreter.X32 | nr, args);
    }
}
