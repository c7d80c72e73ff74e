package dev.berth.runtime.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * A small classic-BPF interpreter for seccomp programs, for tests. It reads the program exactly as the kernel reads a
 * {@code struct sock_fprog} on x86_64 ({@code struct sock_filter {u16 code; u8 jt; u8 jf; u32 k}}, little-endian),
 * first applying the kernel's static checks ({@code bpf_check_classic} and {@code seccomp_check_filter}), then runs
 * it over a {@code struct seccomp_data {int nr; u32 arch; u64 instruction_pointer; u64 args[6]}}.
 */
final class BpfInterpreter {
    static final int AUDIT_ARCH_X86_64 = 0xC000003E;
    static final int AUDIT_ARCH_I386 = 0x40000003;
    static final int AUDIT_ARCH_AARCH64 = 0xC00000B7;
    static final int X32 = 0x40000000;

    /** A result and how many instructions ran to get it. */
    record Result(int ret, int steps) {}

    private BpfInterpreter() {}

    static int length(byte[] prog) {
        return prog.length / 8;
    }

    /** The kernel's checks: a program it would refuse throws AssertionError. */
    static void check(byte[] prog) {
        if (prog.length % 8 != 0) throw new AssertionError("length " + prog.length + " is not a multiple of 8");
        int n = length(prog);
        if (n == 0 || n > 4096) throw new AssertionError("program length " + n + " is not 1..4096");
        ByteBuffer b = ByteBuffer.wrap(prog).order(ByteOrder.LITTLE_ENDIAN);
        for (int pc = 0; pc < n; pc++) {
            int code = b.getShort(pc * 8) & 0xFFFF;
            int jt = b.get(pc * 8 + 2) & 0xFF;
            int jf = b.get(pc * 8 + 3) & 0xFF;
            int k = b.getInt(pc * 8 + 4);
            switch (code) {
                case 0x20 -> { // LD W ABS
                    if (Integer.compareUnsigned(k, 64) >= 0 || (k & 3) != 0) throw new AssertionError(pc + ": bad load offset " + k);
                }
                case 0x54, 0x06, 0x00, 0x02, 0x60 -> { // AND K, RET K, LD IMM, ST, LD MEM
                    if ((code == 0x02 || code == 0x60) && Integer.compareUnsigned(k, 16) >= 0) throw new AssertionError(pc + ": bad M[] index");
                }
                case 0x05 -> {
                    if (Integer.compareUnsigned(k, n - pc - 1) >= 0) throw new AssertionError(pc + ": JA out of range");
                }
                case 0x15, 0x25, 0x35, 0x45 -> {
                    if (pc + jt + 1 >= n || pc + jf + 1 >= n) throw new AssertionError(pc + ": jump out of range");
                }
                default -> throw new AssertionError(pc + ": opcode 0x" + Integer.toHexString(code) + " not used/allowed");
            }
        }
        int last = b.getShort((n - 1) * 8) & 0xFFFF;
        if (last != 0x06) throw new AssertionError("last instruction is not RET");
    }

    /** How many instructions have this opcode. */
    static int count(byte[] prog, int opcode) {
        ByteBuffer b = ByteBuffer.wrap(prog).order(ByteOrder.LITTLE_ENDIAN);
        int n = 0;
        for (int pc = 0; pc < prog.length / 8; pc++) if ((b.getShort(pc * 8) & 0xFFFF) == opcode) n++;
        return n;
    }

    /** One line per instruction, e.g. {@code 12: jge 0x40000000 jt 14 jf 13}, for failure messages and debugging. */
    static String disassemble(byte[] prog) {
        ByteBuffer b = ByteBuffer.wrap(prog).order(ByteOrder.LITTLE_ENDIAN);
        StringBuilder sb = new StringBuilder();
        for (int pc = 0; pc < prog.length / 8; pc++) {
            int code = b.getShort(pc * 8) & 0xFFFF;
            int jt = b.get(pc * 8 + 2) & 0xFF;
            int jf = b.get(pc * 8 + 3) & 0xFF;
            int k = b.getInt(pc * 8 + 4);
            String name = switch (code) {
                case 0x20 -> "ld [" + k + "]";
                case 0x54 -> "and 0x" + Integer.toHexString(k);
                case 0x05 -> "ja " + (pc + 1 + k);
                case 0x15, 0x25, 0x35, 0x45 -> (code == 0x15 ? "jeq" : code == 0x25 ? "jgt" : code == 0x35 ? "jge" : "jset")
                        + " 0x" + Integer.toHexString(k) + " jt " + (pc + 1 + jt) + " jf " + (pc + 1 + jf);
                case 0x06 -> "ret 0x" + Integer.toHexString(k);
                default -> "op 0x" + Integer.toHexString(code) + " " + jt + " " + jf + " 0x" + Integer.toHexString(k);
            };
            sb.append(pc).append(": ").append(name).append('\n');
        }
        return sb.toString();
    }

    static int run(byte[] prog, int arch, int nr, long... args) {
        return exec(prog, arch, nr, args).ret();
    }

    static Result exec(byte[] prog, int arch, int nr, long... args) {
        check(prog);
        ByteBuffer data = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
        data.putInt(0, nr).putInt(4, arch).putLong(8, 0x7f00_1234_5678L);
        for (int i = 0; i < args.length; i++) data.putLong(16 + 8 * i, args[i]);
        ByteBuffer b = ByteBuffer.wrap(prog).order(ByteOrder.LITTLE_ENDIAN);
        int[] mem = new int[16];
        int a = 0;
        int pc = 0;
        for (int steps = 1; ; steps++, pc++) {
            int code = b.getShort(pc * 8) & 0xFFFF;
            int jt = b.get(pc * 8 + 2) & 0xFF;
            int jf = b.get(pc * 8 + 3) & 0xFF;
            int k = b.getInt(pc * 8 + 4);
            switch (code) {
                case 0x20 -> a = data.getInt(k);
                case 0x00 -> a = k;
                case 0x60 -> a = mem[k];
                case 0x02 -> mem[k] = a;
                case 0x54 -> a &= k;
                case 0x05 -> pc += k;
                case 0x15 -> pc += a == k ? jt : jf;
                case 0x25 -> pc += Integer.compareUnsigned(a, k) > 0 ? jt : jf;
                case 0x35 -> pc += Integer.compareUnsigned(a, k) >= 0 ? jt : jf;
                case 0x45 -> pc += (a & k) != 0 ? jt : jf;
                case 0x06 -> {
                    return new Result(k, steps);
                }
                default -> throw new AssertionError("opcode 0x" + Integer.toHexString(code));
            }
        }
    }
}
