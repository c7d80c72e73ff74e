package dev.berth.engine;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import dev.berth.oci.runtime.RuntimeSpec;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.BitSet;
import java.util.List;
import java.util.Map;

/**
 * docker's resource fields of HostConfig (Memory, MemorySwap, MemoryReservation, NanoCpus, CpuShares, CpuQuota,
 * CpuPeriod, CpusetCpus, CpusetMems, PidsLimit, BlkioWeight): checked with moby's rules and messages (a bad
 * value is a 400 naming it), and turned into the OCI linux.resources that create and update write.
 */
final class ResourceLimits {
    static final long MIN_MEMORY = 6 * 1024 * 1024;

    private ResourceLimits() {}

    /** Checks the values as docker does; throws a 400 naming the first bad one. */
    static void validate(JsonObject h) {
        long memory = h.longValue("Memory", 0), swap = h.longValue("MemorySwap", 0);
        if (memory < 0) throw bad("Memory: invalid memory limit " + memory);
        if (memory > 0 && memory < MIN_MEMORY) throw bad("Minimum memory limit allowed is 6MB");
        if (swap > 0 && memory == 0) throw bad("You should always set the Memory limit when using Memoryswap limit, see usage");
        if (swap > 0 && swap < memory) throw bad("Minimum memoryswap limit should be larger than memory limit, see usage");
        if (swap < -1) throw bad("MemorySwap: invalid value " + swap);
        long reservation = h.longValue("MemoryReservation", 0);
        if (reservation < 0 || (reservation > 0 && reservation < MIN_MEMORY)) throw bad("Minimum memory reservation allowed is 6MB");
        if (memory > 0 && reservation > memory) throw bad("Minimum memory limit can not be less than memory reservation limit, see usage");
        long nano = h.longValue("NanoCpus", 0);
        int cpus = Runtime.getRuntime().availableProcessors();
        if (nano < 0 || nano > cpus * 1_000_000_000L) {
            throw bad("Range of CPUs is from 0.01 to " + cpus + ".00, as there are only " + cpus + " CPUs available");
        }
        long period = h.longValue("CpuPeriod", 0), quota = h.longValue("CpuQuota", 0);
        if (nano > 0 && period > 0) throw bad("Conflicting options: Nano CPUs and CPU Period cannot both be set");
        if (nano > 0 && quota > 0) throw bad("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
        if (period != 0 && (period < 1000 || period > 1_000_000)) {
            throw bad("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
        }
        if (quota > 0 && quota < 1000) throw bad("CPU cfs quota can not be less than 1ms (i.e. 1000)");
        if (h.longValue("CpuShares", 0) < 0) throw bad("CpuShares: invalid value " + h.longValue("CpuShares", 0) + ": must be 0 or more");
        long weight = h.longValue("BlkioWeight", 0);
        if (weight > 0 && (weight < 10 || weight > 1000)) throw bad("Range of blkio weight is from 10 to 1000");
        checkCpuset("CpusetCpus", h.string("CpusetCpus", ""), cpus);
        checkCpuset("CpusetMems", h.string("CpusetMems", ""), 1 << 16);
    }

    private static EngineException bad(String message) {
        return new EngineException(400, message);
    }

    /** "0-2,4": a list of ranges, each within the host's CPUs. */
    private static void checkCpuset(String field, String set, int available) {
        if (set.isEmpty()) return;
        BitSet bits = new BitSet();
        for (String part : set.split(",", -1)) {
            String[] r = part.split("-", -1);
            try {
                int lo = Integer.parseInt(r[0].trim()), hi = r.length == 2 ? Integer.parseInt(r[1].trim()) : lo;
                if (r.length > 2 || lo < 0 || hi < lo) throw new NumberFormatException();
                bits.set(lo, hi + 1);
            } catch (NumberFormatException e) {
                throw bad("Invalid value " + set + " for " + field.toLowerCase().replace("cpuset", "cpuset-") + ": a list of CPU numbers and ranges, e.g. 0-2,4");
            }
        }
        if (bits.length() > available) {
            throw bad("Requested CPUs are not available - requested " + set + ", available: " + onlineCpus());
        }
    }

    /** What docker stores at create: MemorySwap 0 with a memory limit means twice the limit. */
    static void defaults(Map<String, Object> hostConfig) {
        long memory = hostConfig.get("Memory") instanceof Number n ? n.longValue() : 0;
        long swap = hostConfig.get("MemorySwap") instanceof Number n ? n.longValue() : 0;
        if (memory > 0 && swap == 0) hostConfig.put("MemorySwap", memory * 2);
    }

    /** linux.resources (without devices) in the OCI config's JSON shape. */
    static Map<String, Object> spec(JsonObject h) {
        Map<String, Object> r = Json.obj();
        long memory = h.longValue("Memory", 0), swap = h.longValue("MemorySwap", 0), reservation = h.longValue("MemoryReservation", 0);
        Map<String, Object> mem = Json.obj();
        if (memory > 0) {
            mem.put("limit", memory);
            mem.put("swap", swap == 0 ? memory * 2 : swap); // docker: 0 means twice the memory; -1 unlimited
        }
        if (reservation > 0) mem.put("reservation", reservation);
        if (!mem.isEmpty()) r.put("memory", mem);
        long nano = h.longValue("NanoCpus", 0), shares = h.longValue("CpuShares", 0);
        long period = h.longValue("CpuPeriod", 0), quota = h.longValue("CpuQuota", 0);
        Map<String, Object> cpu = Json.obj();
        if (nano > 0) {
            cpu.put("period", 100_000L);
            cpu.put("quota", nano * 100_000L / 1_000_000_000L);
        }
        if (period > 0) cpu.put("period", period);
        if (quota != 0) cpu.put("quota", quota);
        if (shares > 0) cpu.put("shares", shares);
        if (!h.string("CpusetCpus", "").isEmpty()) cpu.put("cpus", h.string("CpusetCpus", ""));
        if (!h.string("CpusetMems", "").isEmpty()) cpu.put("mems", h.string("CpusetMems", ""));
        if (!cpu.isEmpty()) r.put("cpu", cpu);
        long pids = h.longValue("PidsLimit", 0);
        if (pids > 0) r.put("pids", Json.obj("limit", pids));
        long weight = h.longValue("BlkioWeight", 0);
        if (weight > 0) r.put("blockIO", Json.obj("weight", weight));
        return r;
    }

    /** The same limits as runtime records, for a live update; pids "max" when the limit was lifted. */
    static RuntimeSpec.Resources runtime(JsonObject h) {
        JsonObject s = Json.parseObject(Json.write(spec(h)), "resources");
        JsonObject m = s.object("memory"), c = s.object("cpu"), b = s.object("blockIO");
        return new RuntimeSpec.Resources(
                m == null ? null : new RuntimeSpec.Memory(m.longOrNull("limit"), m.longOrNull("reservation"), m.longOrNull("swap"), null, null),
                c == null ? null : new RuntimeSpec.Cpu(c.longOrNull("shares"), c.longOrNull("quota"), c.longOrNull("period"), c.string("cpus"),
                        c.string("mems"), null),
                new RuntimeSpec.Pids(h.longValue("PidsLimit", 0)),
                b == null ? null : new RuntimeSpec.BlockIO(b.intOrNull("weight"), List.of(), List.of()),
                List.of(), Map.of());
    }

    /** The host's online CPUs, for messages. */
    static String onlineCpus() {
        try {
            return Files.readString(Path.of("/sys/devices/system/cpu/online")).trim();
        } catch (IOException e) {
            return "0-" + (Runtime.getRuntime().availableProcessors() - 1);
        }
    }
}
