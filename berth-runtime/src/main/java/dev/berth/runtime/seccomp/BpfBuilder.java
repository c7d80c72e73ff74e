package dev.berth.runtime.seccomp;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * Builds a classic BPF program back to front, so that every jump target already exists when the jump is emitted
 * (classic BPF only jumps forward).
 *
 * <p>A <em>label</em> is an instruction's index counted from the end of the program (the first instruction emitted,
 * which will be the program's last, is label 0). A jump at label {@code r} to label {@code t} has offset
 * {@code r - t - 1}. Conditional jumps carry 8-bit offsets; when a target is further than 255 instructions away the
 * builder first emits a {@code JA} trampoline (32-bit offset) that sits right after the jump, and reuses a trampoline
 * to the same target while it is still within reach. Straight-line instructions (loads, ALU) fall through to the
 * instruction emitted just before them; the {@code next} argument says where control must go after them, and a
 * {@code JA} is inserted if that is not the fall-through.
 */
final class BpfBuilder {
    /** The kernel's limit on a classic BPF program (BPF_MAXINSNS). */
    static final int MAX_INSNS = 4096;

    static final int LD_W_ABS = 0x20; // BPF_LD | BPF_W | BPF_ABS
    static final int ALU_AND_K = 0x54; // BPF_ALU | BPF_AND | BPF_K
    static final int JA = 0x05; // BPF_JMP | BPF_JA
    static final int JEQ_K = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
    static final int JGT_K = 0x25; // BPF_JMP | BPF_JGT | BPF_K
    static final int JGE_K = 0x35; // BPF_JMP | BPF_JGE | BPF_K
    static final int JSET_K = 0x45; // BPF_JMP | BPF_JSET | BPF_K
    static final int RET_K = 0x06; // BPF_RET | BPF_K

    private short[] code = new short[256];
    private byte[] jt = new byte[256];
    private byte[] jf = new byte[256];
    private int[] k = new int[256];
    private int size;
    /** target label to the most recent JA trampoline that jumps there. */
    private final Map<Integer, Integer> trampolines = new HashMap<>();

    /** Instructions emitted so far. */
    int size() {
        return size;
    }

    /** {@code RET k}. */
    int ret(int value) {
        return emit(RET_K, 0, 0, value);
    }

    /** {@code LD W ABS offset} (a 32-bit word of struct seccomp_data), then continue at {@code next}. */
    int load(int offset, int next) {
        fallThroughTo(next);
        return emit(LD_W_ABS, 0, 0, offset);
    }

    /** {@code A &= mask}, then continue at {@code next}. */
    int and(int mask, int next) {
        fallThroughTo(next);
        return emit(ALU_AND_K, 0, 0, mask);
    }

    /**
     * A conditional jump comparing A with {@code value}: {@code op} is {@link #JEQ_K}, {@link #JGT_K}, {@link #JGE_K}
     * or {@link #JSET_K}. When both targets are the same no instruction is needed and that target is returned.
     */
    int jump(int op, int value, int ifTrue, int ifFalse) {
        if (ifTrue == ifFalse) return ifTrue;
        for (;;) {
            if (size - ifTrue - 1 > 255) {
                ifTrue = trampoline(ifTrue);
            } else if (size - ifFalse - 1 > 255) {
                ifFalse = trampoline(ifFalse);
            } else {
                return emit(op, size - ifTrue - 1, size - ifFalse - 1, value);
            }
        }
    }

    private void fallThroughTo(int next) {
        if (next != size - 1) ja(next);
    }

    private int trampoline(int target) {
        Integer t = trampolines.get(target);
        if (t != null && size - t - 1 <= 255) return t;
        return ja(target);
    }

    private int ja(int target) {
        int label = emit(JA, 0, 0, size - target - 1);
        trampolines.put(target, label);
        return label;
    }

    private int emit(int op, int t, int f, int value) {
        if (size == code.length) {
            int n = size * 2;
            code = Arrays.copyOf(code, n);
            jt = Arrays.copyOf(jt, n);
            jf = Arrays.copyOf(jf, n);
            k = Arrays.copyOf(k, n);
        }
        code[size] = (short) op;
        jt[size] = (byte) t;
        jf[size] = (byte) f;
        k[size] = value;
        return size++;
    }

    /**
     * The program in execution order as an array of {@code struct sock_filter {__u16 code; __u8 jt; __u8 jf; __u32 k;}},
     * 8 bytes each, in the host's (little-endian) byte order, ready for {@code struct sock_fprog}.
     */
    byte[] toBytes() {
        ByteBuffer b = ByteBuffer.allocate(size * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = size - 1; i >= 0; i--) {
            b.putShort(code[i]).put(jt[i]).put(jf[i]).putInt(k[i]);
        }
        return b.array();
    }
}
