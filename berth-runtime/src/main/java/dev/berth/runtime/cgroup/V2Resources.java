package dev.berth.runtime.cgroup;

import dev.berth.oci.runtime.RuntimeSpec.BlockIO;
import dev.berth.oci.runtime.RuntimeSpec.Cpu;
import dev.berth.oci.runtime.RuntimeSpec.Memory;
import dev.berth.oci.runtime.RuntimeSpec.ThrottleDevice;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes OCI resources into this cgroup's directory in the cgroup v2 tree, converting the spec's v1-shaped
 * values the way runc does (shares → cpu.weight, memory+swap total → memory.swap.max, blkio weight → io.weight).
 */
final class V2Resources {
    private V2Resources() {}

    static void memory(CgroupFiles io, Path dir, Memory m, List<String> warnings) {
        String swapMax = swapMax(m.limit(), m.swap());
        if (swapMax != null) {
            Path f = dir.resolve("memory.swap.max");
            if (io.exists(f)) io.write(f, swapMax);
            else warnings.add("memory.swap " + m.swap() + " ignored: " + f + " does not exist (no swap accounting)");
        }
        if (m.limit() != null) io.write(dir.resolve("memory.max"), maxOrNumber(m.limit()));
        if (m.reservation() != null) io.write(dir.resolve("memory.low"), maxOrNumber(m.reservation()));
        if (m.swappiness() != null) {
            warnings.add("memory.swappiness " + m.swappiness() + " ignored: cgroup v2 has no per-cgroup swappiness");
        }
        if (Boolean.TRUE.equals(m.disableOOMKiller())) {
            warnings.add("memory.disableOOMKiller ignored: cgroup v2 cannot turn the OOM killer off");
        }
    }

    /**
     * memory.swap.max from the spec's memory and swap, or null when nothing should be written. The spec's swap is
     * memory+swap together (the v1 memsw meaning); v2 limits swap alone, so the value is swap - limit. -1 means
     * unlimited ("max"), and unlimited memory with swap unset means unlimited swap too; 0 swap means unset.
     */
    static String swapMax(Long limit, Long swap) {
        long mem = limit == null ? 0 : limit;
        long total = swap == null ? 0 : swap;
        if (mem == -1 && total == 0) return "max";
        if (total == 0) return null;
        if (total == -1) return "max";
        if (mem == 0 || mem == -1) {
            throw new CgroupException("memory.swap " + total + " needs a memory limit (swap is memory+swap together)");
        }
        if (mem < 0 || total < mem) {
            throw new CgroupException("memory.swap " + total + " (memory+swap) is below memory.limit " + mem);
        }
        return Long.toString(total - mem);
    }

    static void cpu(CgroupFiles io, Path dir, Cpu c) {
        if (c.shares() != null && c.shares() != 0) {
            io.write(dir.resolve("cpu.weight"), Long.toString(cpuWeight(c.shares())));
        }
        String max = cpuMax(c.quota(), c.period());
        if (max != null) io.write(dir.resolve("cpu.max"), max);
        if (c.idle() != null) io.write(dir.resolve("cpu.idle"), Long.toString(c.idle()));
    }

    /** cpu.shares [2, 262144] onto cpu.weight [1, 10000], the conversion runc and crun share. */
    static long cpuWeight(long shares) {
        long w = 1 + ((shares - 2) * 9999) / 262142;
        return Math.clamp(w, 1, 10000);
    }

    /**
     * cpu.max: "$QUOTA $PERIOD". A quota of -1 (or none) with a period is "max $PERIOD"; a quota alone leaves the
     * kernel's period as it is; nothing set (null or 0) writes nothing.
     */
    static String cpuMax(Long quota, Long period) {
        boolean hasQuota = quota != null && quota != 0;
        boolean hasPeriod = period != null && period != 0;
        if (!hasQuota && !hasPeriod) return null;
        String s = hasQuota && quota > 0 ? Long.toString(quota) : "max";
        return hasPeriod ? s + " " + period : s;
    }

    static void io(CgroupFiles io, Path dir, BlockIO b) {
        if (b.weight() != null && b.weight() != 0) {
            Path bfq = dir.resolve("io.bfq.weight");
            // BFQ's weight has blkio's range (1..1000); io.weight is 1..10000.
            if (io.exists(bfq)) io.write(bfq, Integer.toString(b.weight()));
            else io.write(dir.resolve("io.weight"), Long.toString(ioWeight(b.weight())));
        }
        Map<String, StringBuilder> perDevice = new LinkedHashMap<>();
        add(perDevice, b.throttleReadBpsDevice(), "rbps");
        add(perDevice, b.throttleWriteBpsDevice(), "wbps");
        for (var e : perDevice.entrySet()) io.write(dir.resolve("io.max"), e.getKey() + e.getValue());
    }

    /** blkio.weight [10, 1000] onto io.weight [1, 10000]. */
    static long ioWeight(long blkioWeight) {
        return Math.clamp(1 + (blkioWeight - 10) * 9999 / 990, 1, 10000);
    }

    private static void add(Map<String, StringBuilder> perDevice, List<ThrottleDevice> devices, String key) {
        if (devices == null) return;
        for (ThrottleDevice d : devices) {
            perDevice.computeIfAbsent(d.major() + ":" + d.minor(), k -> new StringBuilder())
                    .append(' ').append(key).append('=').append(d.rate());
        }
    }

    /** linux.resources.unified: each key is a file name in this cgroup's v2 directory, written verbatim. */
    static void unified(CgroupFiles io, Path dir, Map<String, String> unified) {
        for (var e : unified.entrySet()) {
            String key = e.getKey();
            if (!isUnifiedKey(key)) {
                throw new CgroupException("linux.resources.unified: \"" + key + "\" is not a cgroup v2 file name");
            }
            Path f = dir.resolve(key);
            if (!io.exists(f)) {
                throw new CgroupException("linux.resources.unified: " + f + " does not exist (controller \""
                        + controllerOf(key) + "\" not available here?)");
            }
            io.write(f, e.getValue());
        }
    }

    static boolean isUnifiedKey(String key) {
        return key.matches("[a-z0-9_]+\\.[A-Za-z0-9_.]+") && !key.contains("..");
    }

    /** "memory.high" → "memory". */
    static String controllerOf(String key) {
        int dot = key.indexOf('.');
        return dot < 0 ? key : key.substring(0, dot);
    }

    private static String maxOrNumber(long v) {
        return v < 0 ? "max" : Long.toString(v);
    }
}
