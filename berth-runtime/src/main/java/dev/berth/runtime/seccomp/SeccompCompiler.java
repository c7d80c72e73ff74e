package dev.berth.runtime.seccomp;

import dev.berth.oci.runtime.RuntimeSpec;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Compiles an OCI {@code linux.seccomp} profile to a classic BPF program for
 * {@code seccomp(SECCOMP_SET_MODE_FILTER, flags, &prog)}, with the semantics runc gives such a profile through
 * libseccomp on an x86_64 host.
 *
 * <h2>Semantics</h2>
 * <ul>
 * <li>Actions: {@code SCMP_ACT_KILL} (= {@code KILL_THREAD}), {@code SCMP_ACT_KILL_THREAD},
 * {@code SCMP_ACT_KILL_PROCESS}, {@code SCMP_ACT_TRAP}, {@code SCMP_ACT_ERRNO} (errno from {@code errnoRet}, or
 * {@code defaultErrnoRet} for the default action; EPERM when absent), {@code SCMP_ACT_TRACE} (the same number as the
 * tracer's message data, EPERM when absent, as runc does), {@code SCMP_ACT_LOG}, {@code SCMP_ACT_ALLOW}.
 * {@code SCMP_ACT_NOTIFY} is refused: berth has no seccomp agent.</li>
 * <li>Architectures: the native x86_64 ABI is always filtered; {@code SCMP_ARCH_X86} adds the i386 ABI and
 * {@code SCMP_ARCH_X32} the x32 ABI. Calls from an ABI the profile does not list get the default action when they
 * come in through the x86_64 audit arch with {@code __X32_SYSCALL_BIT} set (x32 not listed), and
 * {@code SECCOMP_RET_KILL_PROCESS} when {@code seccomp_data.arch} itself is not listed. Other libseccomp architecture
 * names (ARM, MIPS, PPC, s390, RISC-V, ...) are accepted and ignored: such calls cannot happen on this host.</li>
 * <li>Names are resolved per ABI with {@link SyscallTable}; a name an ABI does not have is skipped on that ABI, and a
 * name no ABI has is skipped altogether, as runc skips syscalls libseccomp does not know.</li>
 * <li>The rules that name a syscall are tried in the order of {@code syscalls}; the first whose argument conditions
 * all hold gives the action; if none holds the default action applies. A rule without conditions always holds, so
 * later rules for that syscall are dropped, and so are trailing rules whose action is the default action.</li>
 * <li>Argument conditions compare the full unsigned 64-bit argument, word by word (high word first). For i386 calls
 * the argument is the low 32 bits (the high word of {@code seccomp_data.args[i]} is ignored, as the syscall ignores
 * it): the condition is evaluated as if the high word were 0.</li>
 * </ul>
 *
 * <h2>Program layout</h2>
 * <pre>
 *   LD  arch                                   ; seccomp_data.arch (offset 4)
 *   JEQ AUDIT_ARCH_X86_64 → x86_64
 *   JEQ AUDIT_ARCH_I386   → i386               ; only if SCMP_ARCH_X86 is listed
 *   RET KILL_PROCESS                           ; an arch the profile does not list
 * x86_64:
 *   LD  nr                                     ; seccomp_data.nr (offset 0)
 *   JGE 0x40000000 → x32-dispatch (or the default action when x32 is not listed)
 *   dispatch: a balanced binary search (JGE on range starts) over the number ranges that share one outcome;
 *             each leaf jumps to a RET (calls without conditions) or to the syscall's rule chain
 *   rule chains: per rule, per condition: LD high word, JGT/JEQ; LD low word, [AND mask,] JEQ/JGT/JGE;
 *             true → next condition or the rule's RET, false → the next rule, finally the default RET
 *   RETs: one per distinct action of this ABI section
 * x32 (if listed): dispatch over x32 numbers (they all have bit 30 set), rule chains, RETs
 * i386 (if listed): LD nr, dispatch, rule chains, RETs
 * </pre>
 * Conditional jumps reach at most 255 instructions; further targets go through {@code JA} trampolines (see
 * {@link BpfBuilder}). A program over the kernel's 4096 instructions is an error. Docker's default profile
 * (x86_64, i386 and x32) compiles to about 350 instructions, of which at most about 30 run for any one call.
 */
public final class SeccompCompiler {
    static final int RET_KILL_PROCESS = 0x80000000;
    static final int RET_KILL_THREAD = 0;
    static final int RET_TRAP = 0x00030000;
    static final int RET_ERRNO = 0x00050000;
    static final int RET_TRACE = 0x7ff00000;
    static final int RET_LOG = 0x7ffc0000;
    static final int RET_ALLOW = 0x7fff0000;

    static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    static final int AUDIT_ARCH_I386 = 0x40000003;
    static final int X32_SYSCALL_BIT = 0x40000000;

    static final int EPERM = 1;

    /** libseccomp architectures that cannot occur on an x86_64 host: accepted and ignored. */
    private static final Set<String> FOREIGN_ARCHES = Set.of(
            "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
            "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
            "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64",
            "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB");

    private static final Map<String, Integer> FLAGS = Map.of(
            "SECCOMP_FILTER_FLAG_TSYNC", 1,
            "SECCOMP_FILTER_FLAG_LOG", 2,
            "SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4);

    /** An argument comparison op; MASKED_EQ compares {@code arg & value} with {@code valueTwo}. */
    enum Op { NE, LT, LE, EQ, GE, GT, MASKED_EQ }

    /** One argument condition: {@code args[index] op value} (unsigned 64-bit). */
    record Cond(int index, Op op, long value, long valueTwo) {}

    /** A rule after validation: its SECCOMP_RET_* value and the conditions that must all hold. */
    record Rule(int ret, List<Cond> conds) {}

    /** A validated rule and the names it applies to. */
    record NamedRule(List<String> names, Rule rule) {}

    private SeccompCompiler() {}

    /**
     * The BPF program for the profile: {@code struct sock_filter} entries (8 bytes each, little-endian), ready to be
     * passed as {@code struct sock_fprog {len = bytes.length / 8, filter = bytes}}.
     *
     * @throws IllegalArgumentException naming the offending field, e.g.
     *         {@code linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"}
     */
    public static byte[] compile(RuntimeSpec.Seccomp s) {
        if (s == null) throw new IllegalArgumentException("linux.seccomp: no profile");
        flags(s); // validate
        int defaultRet = action(s.defaultAction(), s.defaultErrnoRet(), "linux.seccomp.defaultAction",
                "linux.seccomp.defaultErrnoRet");
        Set<SyscallTable> abis = architectures(s.architectures());
        List<NamedRule> rules = rules(s.syscalls());
        BpfBuilder b = FilterEmitter.emit(defaultRet, abis, rules);
        if (b.size() > BpfBuilder.MAX_INSNS) {
            throw new IllegalArgumentException("linux.seccomp: the filter needs " + b.size()
                    + " BPF instructions; the kernel allows at most " + BpfBuilder.MAX_INSNS);
        }
        return b.toBytes();
    }

    /**
     * The {@code SECCOMP_FILTER_FLAG_*} bits for {@code s.flags()} to pass to {@code seccomp(2)}: TSYNC = 1, LOG = 2,
     * SPEC_ALLOW = 4.
     *
     * @throws IllegalArgumentException for a flag berth does not know, e.g. {@code linux.seccomp.flags[0]: unknown flag "X"}
     */
    public static int flags(RuntimeSpec.Seccomp s) {
        if (s == null) throw new IllegalArgumentException("linux.seccomp: no profile");
        int bits = 0;
        List<String> flags = orEmpty(s.flags());
        for (int i = 0; i < flags.size(); i++) {
            Integer bit = FLAGS.get(flags.get(i));
            if (bit == null) {
                throw new IllegalArgumentException("linux.seccomp.flags[" + i + "]: unknown flag " + quote(flags.get(i))
                        + " (berth knows " + String.join(", ", FLAGS.keySet().stream().sorted().toList()) + ")");
            }
            bits |= bit;
        }
        return bits;
    }

    private static Set<SyscallTable> architectures(List<String> names) {
        Set<SyscallTable> abis = EnumSet.of(SyscallTable.X86_64); // libseccomp always includes the native arch
        List<String> l = orEmpty(names);
        for (int i = 0; i < l.size(); i++) {
            String a = l.get(i);
            switch (a == null ? "" : a) {
                case "SCMP_ARCH_X86_64" -> abis.add(SyscallTable.X86_64);
                case "SCMP_ARCH_X86" -> abis.add(SyscallTable.I386);
                case "SCMP_ARCH_X32" -> abis.add(SyscallTable.X32);
                default -> {
                    if (!FOREIGN_ARCHES.contains(a)) {
                        throw new IllegalArgumentException("linux.seccomp.architectures[" + i + "]: unknown architecture " + quote(a));
                    }
                }
            }
        }
        return abis;
    }

    private static List<NamedRule> rules(List<RuntimeSpec.Syscall> syscalls) {
        List<NamedRule> out = new ArrayList<>();
        List<RuntimeSpec.Syscall> l = orEmpty(syscalls);
        for (int i = 0; i < l.size(); i++) {
            RuntimeSpec.Syscall sc = l.get(i);
            String field = "linux.seccomp.syscalls[" + i + "]";
            if (sc == null) throw new IllegalArgumentException(field + ": must be an object");
            int ret = action(sc.action(), sc.errnoRet(), field + ".action", field + ".errnoRet");
            List<Cond> conds = new ArrayList<>();
            List<RuntimeSpec.SeccompArg> args = orEmpty(sc.args());
            for (int j = 0; j < args.size(); j++) {
                RuntimeSpec.SeccompArg a = args.get(j);
                String af = field + ".args[" + j + "]";
                if (a.index() < 0 || a.index() > 5) {
                    throw new IllegalArgumentException(af + ".index: must be 0 to 5, got " + a.index());
                }
                conds.add(new Cond(a.index(), op(a.op(), af + ".op"), a.value(), a.valueTwo()));
            }
            out.add(new NamedRule(orEmpty(sc.names()), new Rule(ret, List.copyOf(conds))));
        }
        return out;
    }

    private static Op op(String op, String field) {
        return switch (op == null ? "" : op) {
            case "SCMP_CMP_NE" -> Op.NE;
            case "SCMP_CMP_LT" -> Op.LT;
            case "SCMP_CMP_LE" -> Op.LE;
            case "SCMP_CMP_EQ" -> Op.EQ;
            case "SCMP_CMP_GE" -> Op.GE;
            case "SCMP_CMP_GT" -> Op.GT;
            case "SCMP_CMP_MASKED_EQ" -> Op.MASKED_EQ;
            default -> throw new IllegalArgumentException(field + ": unknown op " + quote(op)
                    + " (expected SCMP_CMP_NE, SCMP_CMP_LT, SCMP_CMP_LE, SCMP_CMP_EQ, SCMP_CMP_GE, SCMP_CMP_GT or SCMP_CMP_MASKED_EQ)");
        };
    }

    /** The SECCOMP_RET_* value of an action; {@code errnoRet} is used by ERRNO and TRACE only. */
    static int action(String action, Integer errnoRet, String field, String errnoField) {
        if (action == null) throw new IllegalArgumentException(field + ": required field is missing");
        return switch (action) {
            case "SCMP_ACT_KILL", "SCMP_ACT_KILL_THREAD" -> RET_KILL_THREAD;
            case "SCMP_ACT_KILL_PROCESS" -> RET_KILL_PROCESS;
            case "SCMP_ACT_TRAP" -> RET_TRAP;
            case "SCMP_ACT_ERRNO" -> RET_ERRNO | data(errnoRet, errnoField);
            case "SCMP_ACT_TRACE" -> RET_TRACE | data(errnoRet, errnoField);
            case "SCMP_ACT_LOG" -> RET_LOG;
            case "SCMP_ACT_ALLOW" -> RET_ALLOW;
            case "SCMP_ACT_NOTIFY" -> throw new IllegalArgumentException(field
                    + ": SCMP_ACT_NOTIFY is not supported (berth has no seccomp notify agent)");
            default -> throw new IllegalArgumentException(field + ": unknown action " + quote(action));
        };
    }

    private static int data(Integer errnoRet, String field) {
        if (errnoRet == null) return EPERM;
        if (errnoRet < 0 || errnoRet > 0xFFFF) {
            throw new IllegalArgumentException(field + ": must be 0 to 65535, got " + errnoRet);
        }
        return errnoRet;
    }

    private static <T> List<T> orEmpty(List<T> l) {
        return l == null ? List.of() : l;
    }

    private static String quote(String s) {
        return s == null ? "null" : "\"" + s + "\"";
    }
}
