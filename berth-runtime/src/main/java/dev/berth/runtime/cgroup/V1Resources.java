package dev.berth.runtime.cgroup;

import dev.berth.oci.runtime.RuntimeSpec.BlockIO;
import dev.berth.oci.runtime.RuntimeSpec.Cpu;
import dev.berth.oci.runtime.RuntimeSpec.DeviceRule;
import dev.berth.oci.runtime.RuntimeSpec.Memory;
import dev.berth.oci.runtime.RuntimeSpec.ThrottleDevice;

import java.nio.file.Path;
import java.util.List;

/**
 * Writes OCI resources into cgroup v1 controller directories, in the orders runc uses so the kernel's
 * cross-file checks (memsw ≥ memory limit, quota/period against the parent) do not reject a valid request.
 * Each method takes the directory of this cgroup in the hierarchy that holds the controller.
 */
final class V1Resources {
    static final String MEM_LIMIT = "memory.limit_in_bytes";
    static final String MEMSW_LIMIT = "memory.memsw.limit_in_bytes";

    private V1Resources() {}

    static void memory(CgroupFiles io, Path dir, Memory m, List<String> warnings) {
        Long limit = m.limit();
        Long swap = m.swap() != null && m.swap() == 0 ? null : m.swap(); // 0 means "not set", as in runc
        Path memsw = dir.resolve(MEMSW_LIMIT);
        boolean hasMemsw = io.exists(memsw);
        // Unlimited memory with swap unset means both unlimited: otherwise an old memsw limit would still cap it.
        if (limit != null && limit == -1 && swap == null && hasMemsw) swap = -1L;
        if (swap != null && !hasMemsw) {
            warnings.add("memory.swap " + swap + " ignored: " + memsw
                    + " does not exist (swap accounting is off; boot with swapaccount=1)");
            swap = null;
        }
        Path limitFile = dir.resolve(MEM_LIMIT);
        if (limit != null && swap != null) {
            long current = io.readLong(limitFile).orElse(Long.MAX_VALUE);
            if (swapFirst(current, swap)) {
                io.write(memsw, Long.toString(swap));
                io.write(limitFile, Long.toString(limit));
            } else {
                io.write(limitFile, Long.toString(limit));
                io.write(memsw, Long.toString(swap));
            }
        } else if (limit != null) {
            io.write(limitFile, Long.toString(limit));
        } else if (swap != null) {
            io.write(memsw, Long.toString(swap));
        }
        if (m.reservation() != null) {
            io.write(dir.resolve("memory.soft_limit_in_bytes"), Long.toString(m.reservation()));
        }
        if (m.swappiness() != null) {
            Path f = dir.resolve("memory.swappiness");
            if (io.exists(f)) io.write(f, Long.toString(m.swappiness()));
            else warnings.add("memory.swappiness ignored: " + f + " does not exist");
        }
        if (m.disableOOMKiller() != null) io.write(dir.resolve("memory.oom_control"), m.disableOOMKiller() ? "1" : "0");
    }

    /**
     * The kernel keeps memory.memsw.limit_in_bytes ≥ memory.limit_in_bytes at every moment. Raising memsw above
     * the current memory limit (or to unlimited) is always allowed, so write it first; otherwise lower the memory
     * limit first. Same rule as runc's setMemoryAndSwap.
     */
    static boolean swapFirst(long currentLimit, long newSwap) {
        return newSwap == -1 || currentLimit < newSwap;
    }

    /** The cpu hierarchy: shares, CFS quota and period, idle. */
    static void cpu(CgroupFiles io, Path dir, Cpu c, List<String> warnings) {
        if (c.shares() != null && c.shares() != 0) {
            Path f = dir.resolve("cpu.shares");
            io.write(f, Long.toString(c.shares()));
            long got = io.readLong(f).orElse(c.shares());
            if (got != c.shares()) warnings.add("cpu.shares: kernel set " + got + " instead of " + c.shares());
        }
        Long quota = c.quota() != null && c.quota() != 0 ? c.quota() : null;
        Long period = c.period() != null && c.period() != 0 ? c.period() : null;
        boolean periodAgain = false;
        if (period != null) {
            try {
                io.write(dir.resolve("cpu.cfs_period_us"), Long.toString(period));
            } catch (CgroupException e) {
                // A smaller period can be refused while the old quota/new period exceeds the parent's limit:
                // when a quota is coming too, retry the period after it (runc does the same).
                if (quota == null) throw e;
                periodAgain = true;
            }
        }
        if (quota != null) {
            io.write(dir.resolve("cpu.cfs_quota_us"), Long.toString(quota));
            if (periodAgain) io.write(dir.resolve("cpu.cfs_period_us"), Long.toString(period));
        }
        if (c.idle() != null) io.write(dir.resolve("cpu.idle"), Long.toString(c.idle()));
    }

    /** cpuset.cpus and cpuset.mems (same file names in v1 and v2). */
    static void cpuset(CgroupFiles io, Path dir, Cpu c) {
        if (c.cpus() != null && !c.cpus().isEmpty()) io.write(dir.resolve("cpuset.cpus"), c.cpus());
        if (c.mems() != null && !c.mems().isEmpty()) io.write(dir.resolve("cpuset.mems"), c.mems());
    }

    /** pids.max (same in v1 and v2): a limit of 0 or less means no limit. */
    static void pids(CgroupFiles io, Path dir, long limit) {
        io.write(dir.resolve("pids.max"), limit > 0 ? Long.toString(limit) : "max");
    }

    static void blkio(CgroupFiles io, Path dir, BlockIO b, List<String> warnings) {
        if (b.weight() != null && b.weight() != 0) {
            Path weight = dir.resolve("blkio.weight");
            Path bfq = dir.resolve("blkio.bfq.weight");
            if (io.exists(weight)) io.write(weight, Integer.toString(b.weight()));
            else if (io.exists(bfq)) io.write(bfq, Integer.toString(b.weight()));
            else warnings.add("blockIO.weight " + b.weight() + " ignored: neither " + weight + " nor " + bfq
                    + " exists (no CFQ/BFQ I/O scheduler)");
        }
        throttle(io, dir.resolve("blkio.throttle.read_bps_device"), b.throttleReadBpsDevice());
        throttle(io, dir.resolve("blkio.throttle.write_bps_device"), b.throttleWriteBpsDevice());
    }

    private static void throttle(CgroupFiles io, Path file, List<ThrottleDevice> devices) {
        if (devices == null) return;
        for (ThrottleDevice d : devices) io.write(file, d.major() + ":" + d.minor() + " " + d.rate());
    }

    /**
     * devices.allow / devices.deny, in the spec's order. When the first rule denies everything it is written as
     * "a" to devices.deny, which resets the cgroup to deny-by-default with no exceptions; later rules punch holes.
     */
    static void devices(CgroupFiles io, Path dir, List<DeviceRule> rules) {
        for (DeviceRule r : rules) {
            io.write(dir.resolve(r.allow() ? "devices.allow" : "devices.deny"), deviceRule(r));
        }
    }

    /** "c 1:3 rwm"; type "a" is always written as plain "a" (the kernel ignores the rest for it). */
    static String deviceRule(DeviceRule r) {
        String type = r.type() == null || r.type().isEmpty() ? "a" : r.type();
        if (!type.equals("a") && !type.equals("b") && !type.equals("c")) {
            throw new CgroupException("device rule " + r + ": type must be a, b or c, not \"" + type + "\"");
        }
        String access = r.access() == null || r.access().isEmpty() ? "rwm" : r.access();
        if (!access.matches("[rwm]{1,3}")) {
            throw new CgroupException("device rule " + r + ": access must be letters of rwm, not \"" + access + "\"");
        }
        if (type.equals("a")) return "a";
        return type + " " + number(r.major()) + ":" + number(r.minor()) + " " + access;
    }

    private static String number(Long n) {
        return n == null || n < 0 ? "*" : Long.toString(n);
    }
}
