package dev.berth.runtime.cgroup;

import java.nio.file.Path;
import java.util.Optional;
import java.util.OptionalLong;

/**
 * Reads {@link Cgroup.Stats} from whichever hierarchy owns each controller. Hybrid hosts have gaps (a controller
 * in neither tree); those counters read 0 and those limits empty. On v2, cpu.stat's usage_usec comes from the
 * core even without the cpu controller, so CPU time is known whenever the cgroup has a v2 directory.
 */
final class StatsReader {
    /** v1 reports "no limit" as the largest page-aligned count (9223372036854771712 on 4 KiB pages). */
    static final long V1_UNLIMITED = Long.MAX_VALUE & ~0xFFFFL;

    private StatsReader() {}

    static Cgroup.Stats read(CgroupFiles io, Cgroup cg) {
        CgroupLayout layout = cg.layout();
        Optional<Path> unified = cg.unifiedDir();

        long cpu = 0;
        if (layout.hierarchy("cpuacct").isPresent()) {
            cpu = io.readLong(cg.dir("cpuacct").orElseThrow().resolve("cpuacct.usage")).orElse(0);
        } else if (unified.isPresent()) {
            cpu = io.readKeyed(unified.get().resolve("cpu.stat"), "usage_usec").orElse(0) * 1000;
        }

        long memUsage = 0;
        OptionalLong memLimit = OptionalLong.empty();
        Optional<Path> mem = cg.dir("memory");
        if (mem.isPresent() && layout.ownerOf("memory") == CgroupLayout.Owner.V1) {
            memUsage = io.readLong(mem.get().resolve("memory.usage_in_bytes")).orElse(0);
            memLimit = limit(io.readLong(mem.get().resolve("memory.limit_in_bytes")));
        } else if (mem.isPresent()) {
            memUsage = io.readLong(mem.get().resolve("memory.current")).orElse(0);
            memLimit = io.readLong(mem.get().resolve("memory.max"));
        }

        long pidsCurrent = 0;
        OptionalLong pidsLimit = OptionalLong.empty();
        Optional<Path> pids = cg.dir("pids");
        if (pids.isPresent()) {
            pidsCurrent = io.readLong(pids.get().resolve("pids.current")).orElse(0);
            pidsLimit = io.readLong(pids.get().resolve("pids.max"));
        }

        long[] rw = {0, 0};
        Optional<Path> blk = cg.dir("blkio");
        if (blk.isPresent() && layout.ownerOf("blkio") == CgroupLayout.Owner.V1) {
            Optional<String> s = io.readIfExists(blk.get().resolve("blkio.throttle.io_service_bytes"));
            if (s.isEmpty()) s = io.readIfExists(blk.get().resolve("blkio.bfq.io_service_bytes"));
            s.ifPresent(text -> blkioBytes(text, rw));
        } else if (blk.isPresent()) {
            io.readIfExists(blk.get().resolve("io.stat")).ifPresent(text -> ioStatBytes(text, rw));
        }
        return new Cgroup.Stats(cpu, memUsage, memLimit, pidsCurrent, pidsLimit, rw[0], rw[1]);
    }

    private static OptionalLong limit(OptionalLong v1) {
        return v1.isPresent() && v1.getAsLong() >= V1_UNLIMITED ? OptionalLong.empty() : v1;
    }

    /** "8:0 Read 4096" lines (plus Write, Sync, Async, Discard, Total; and a last "Total N" line). */
    static void blkioBytes(String text, long[] rw) {
        for (String line : text.split("\n")) {
            String[] f = line.strip().split("\\s+");
            if (f.length != 3) continue;
            if (f[1].equals("Read")) rw[0] += parseOrZero(f[2]);
            else if (f[1].equals("Write")) rw[1] += parseOrZero(f[2]);
        }
    }

    /** "8:0 rbytes=4096 wbytes=0 rios=1 wios=0 dbytes=0 dios=0" lines. */
    static void ioStatBytes(String text, long[] rw) {
        for (String line : text.split("\n")) {
            for (String kv : line.strip().split("\\s+")) {
                if (kv.startsWith("rbytes=")) rw[0] += parseOrZero(kv.substring(7));
                else if (kv.startsWith("wbytes=")) rw[1] += parseOrZero(kv.substring(7));
            }
        }
    }

    private static long parseOrZero(String s) {
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }
}
