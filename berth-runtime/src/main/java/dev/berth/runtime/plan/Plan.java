package dev.berth.runtime.plan;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The resolved plan the C shim carries out: a list of numbered ops (codes mirror src/main/c/shim.h). Each op
 * keeps a human description so that "op #7 failed, errno 2" from the shim becomes
 * {@code mount /proc: No such file or directory (proc on /b/rootfs/proc)}.
 *
 * <p>Wire format (little-endian): magic "BRTH", version; then per op: u32 code, u32 nnum, u32 nstr, u32 len,
 * u64 num[nnum], len bytes of NUL-terminated strings (or raw data), padded to 8 bytes.
 */
public final class Plan {
    public enum Op {
        P_MODE(1), P_STATE_DIR(2), P_CLONE(3), P_UIDMAP(4), P_GIDMAP(5), P_CGROUP(6), P_CONSOLE(7), P_JOIN_PID(8),
        P_HOOK(9), P_STATE(10), P_LOG(11), P_ATTACH(12), P_STDIN(13), P_CONTROL(14),
        C_JOIN(20), C_MOUNT(21), C_MKNOD(22), C_SYMLINK(23), C_MKDIR(24), C_PIVOT(25), C_MASK(26), C_HOSTNAME(27),
        C_DOMAINNAME(28), C_WRITE(29), C_RLIMIT(30), C_TTY(31), C_BOUNDING(32), C_CREDS(33), C_CAPS(34), C_CHDIR(35),
        C_UMASK(36), C_NNP(37), C_SECCOMP(38), C_READY(39), C_HOOK(40), C_EXEC(41);

        final int code;

        Op(int code) {
            this.code = code;
        }
    }

    /** One op; {@code step} names what it does, {@code context} what it was applied to (may be null). */
    public record Entry(Op op, long[] nums, List<String> strs, byte[] data, String step, String context) {}

    private static final int MAGIC = 0x48545242, VERSION = 1;
    private final List<Entry> entries = new ArrayList<>();

    public Plan add(Op op, String step, String context, long[] nums, String... strs) {
        entries.add(new Entry(op, nums, List.of(strs), null, step, context));
        return this;
    }

    public Plan add(Op op, String step, String context, long[] nums, List<String> strs) {
        entries.add(new Entry(op, nums, List.copyOf(strs), null, step, context));
        return this;
    }

    public Plan addData(Op op, String step, long[] nums, byte[] data) {
        entries.add(new Entry(op, nums, List.of(), data, step, null));
        return this;
    }

    public List<Entry> entries() {
        return List.copyOf(entries);
    }

    /** Turns the shim's report about op {@code index} into a sentence naming the step and the cause. */
    public String explain(int index, String cause, String detail) {
        if (index < 0 || index >= entries.size()) return detail + ": " + cause;
        Entry e = entries.get(index);
        String ctx = e.context() != null ? e.context() : detail != null && !detail.isEmpty() && !detail.equals(e.step()) ? detail : null;
        return e.step() + ": " + cause + (ctx == null ? "" : " (" + ctx + ")");
    }

    public byte[] encode() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(4096);
        ByteBuffer hdr = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putInt(MAGIC).putInt(VERSION);
        out.writeBytes(hdr.array());
        for (Entry e : entries) {
            byte[] payload = e.data() != null ? e.data() : strings(e.strs());
            int padded = (payload.length + 7) & ~7;
            ByteBuffer b = ByteBuffer.allocate(16 + 8 * e.nums().length + padded).order(ByteOrder.LITTLE_ENDIAN);
            b.putInt(e.op().code).putInt(e.nums().length).putInt(e.data() != null ? 0 : e.strs().size()).putInt(payload.length);
            for (long n : e.nums()) b.putLong(n);
            b.put(payload);
            out.writeBytes(b.array());
        }
        return out.toByteArray();
    }

    private static byte[] strings(List<String> strs) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        for (String s : strs) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            for (byte x : bytes) {
                if (x == 0) throw new IllegalArgumentException("string contains a NUL byte: " + s.replace('\0', '?'));
            }
            b.writeBytes(bytes);
            b.write(0);
        }
        return b.toByteArray();
    }
}
