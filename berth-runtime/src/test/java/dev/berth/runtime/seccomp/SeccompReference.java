package dev.berth.runtime.seccomp;

import dev.berth.oci.runtime.RuntimeSpec.SeccompArg;
import dev.berth.oci.runtime.RuntimeSpec.Seccomp;
import dev.berth.oci.runtime.RuntimeSpec.Syscall;

import java.util.List;

/**
 * The profile semantics written the plain way, straight from the spec (no BPF): the oracle the compiled programs are
 * compared with. Tests only.
 */
final class SeccompReference {
    private SeccompReference() {}

    static int decide(Seccomp s, int arch, int nr, long... args) {
        List<String> arches = s.architectures() == null ? List.of() : s.architectures();
        SyscallTable table;
        boolean compat = false;
        if (arch == BpfInterpreter.AUDIT_ARCH_X86_64) {
            if (Integer.compareUnsigned(nr, BpfInterpreter.X32) >= 0) {
                if (!arches.contains("SCMP_ARCH_X32")) return ret(s.defaultAction(), s.defaultErrnoRet());
                table = SyscallTable.X32;
            } else {
                table = SyscallTable.X86_64;
            }
        } else if (arch == BpfInterpreter.AUDIT_ARCH_I386 && arches.contains("SCMP_ARCH_X86")) {
            table = SyscallTable.I386;
            compat = true;
        } else {
            return SeccompCompiler.RET_KILL_PROCESS;
        }
        long[] a = new long[6];
        for (int i = 0; i < args.length; i++) a[i] = compat ? args[i] & 0xFFFF_FFFFL : args[i];
        for (Syscall rule : s.syscalls()) {
            boolean named = rule.names().stream().anyMatch(n -> table.number(n) == nr);
            if (named && rule.args().stream().allMatch(c -> holds(c, a[c.index()]))) return ret(rule.action(), rule.errnoRet());
        }
        return ret(s.defaultAction(), s.defaultErrnoRet());
    }

    static boolean holds(SeccompArg c, long arg) {
        int cmp = Long.compareUnsigned(arg, c.value());
        return switch (c.op()) {
            case "SCMP_CMP_NE" -> cmp != 0;
            case "SCMP_CMP_LT" -> cmp < 0;
            case "SCMP_CMP_LE" -> cmp <= 0;
            case "SCMP_CMP_EQ" -> cmp == 0;
            case "SCMP_CMP_GE" -> cmp >= 0;
            case "SCMP_CMP_GT" -> cmp > 0;
            case "SCMP_CMP_MASKED_EQ" -> (arg & c.value()) == c.valueTwo();
            default -> throw new IllegalArgumentException(c.op());
        };
    }

    static int ret(String action, Integer errno) {
        int e = errno == null ? 1 : errno;
        return switch (action) {
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> 0;
            case "SCMP_ACT_KILL_PROCESS" -> 0x80000000;
            case "SCMP_ACT_TRAP" -> 0x00030000;
            case "SCMP_ACT_ERRNO" -> 0x00050000 | e;
            case "SCMP_ACT_TRACE" -> 0x7ff00000 | e;
            case "SCMP_ACT_LOG" -> 0x7ffc0000;
            case "SCMP_ACT_ALLOW" -> 0x7fff0000;
            default -> throw new IllegalArgumentException(action);
        };
    }
}
