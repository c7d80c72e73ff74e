package dev.berth.engine;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import dev.berth.runtime.cgroup.CgroupException;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * docker update: new resource limits and restart policy, saved in HostConfig and, for a running (or paused)
 * container, written into its cgroup at once as runc update does. Only the fields the request sets (non-zero;
 * PidsLimit when present) change, as in moby; the result is checked as a create would be.
 */
public final class ContainerUpdate {
    private static final List<String> FIELDS = List.of("Memory", "MemorySwap", "MemoryReservation", "NanoCpus", "CpuShares", "CpuQuota",
            "CpuPeriod", "CpusetCpus", "CpusetMems", "BlkioWeight");

    private final Engine engine;

    public ContainerUpdate(Engine engine) {
        this.engine = engine;
    }

    /** Returns {Warnings}. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> update(String ref, JsonObject body) throws IOException {
        Map<String, Object> c = engine.find(ref);
        String id = (String) c.get("Id");
        List<String> warnings = new ArrayList<>();
        synchronized (engine.lock(id)) {
            c = engine.find(id);
            Map<String, Object> host = new LinkedHashMap<>((Map<String, Object>) c.get("HostConfig"));
            boolean resources = false;
            for (String f : FIELDS) {
                Object v = body.map().get(f);
                if (v == null || (v instanceof Number n && n.longValue() == 0) || (v instanceof String s && s.isEmpty())) continue;
                if ((f.equals("NanoCpus") && (num(host, "CpuPeriod") != 0 || num(host, "CpuQuota") != 0))
                        || ((f.equals("CpuPeriod") || f.equals("CpuQuota")) && num(host, "NanoCpus") != 0)) {
                    throw new EngineException(409, "Conflicting options: CPU Quota or CPU Period cannot be updated with NanoCPUs, or the reverse");
                }
                if (f.equals("Memory") && num(host, "MemorySwap") > 0 && ((Number) v).longValue() > num(host, "MemorySwap") && num(body.map(), "MemorySwap") == 0) {
                    throw new EngineException(409, "Memory limit should be smaller than already set memoryswap limit, update the memoryswap at the same time");
                }
                host.put(f, v);
                resources = true;
            }
            if (body.map().get("PidsLimit") instanceof Number n) {
                host.put("PidsLimit", n.longValue() <= 0 ? 0 : n.longValue()); // 0 and -1: no limit
                resources = true;
            }
            JsonObject rp = body.object("RestartPolicy");
            if (rp != null && !rp.string("Name", "").isEmpty()) {
                String name = rp.string("Name", "");
                if (!List.of("no", "always", "unless-stopped", "on-failure").contains(name)) {
                    throw new EngineException(400, "invalid restart policy '" + name + "'");
                }
                if (Boolean.TRUE.equals(host.get("AutoRemove")) && !name.equals("no")) {
                    throw new EngineException(409, "Restart policy cannot be updated because AutoRemove is enabled for the container");
                }
                if (!name.equals("on-failure") && rp.longValue("MaximumRetryCount", 0) != 0) {
                    throw new EngineException(400, "invalid restart policy: maximum retry count can only be used with 'on-failure'");
                }
                host.put("RestartPolicy", Json.obj("Name", name, "MaximumRetryCount", rp.longValue("MaximumRetryCount", 0)));
            }
            JsonObject h = Json.parseObject(Json.write(host), "HostConfig");
            ResourceLimits.validate(h);
            Map<?, ?> st = (Map<?, ?>) c.get("State");
            if (resources && Boolean.TRUE.equals(st.get("Running"))) {
                try {
                    warnings.addAll(engine.runtime().update(id, ResourceLimits.runtime(h)));
                } catch (CgroupException | IllegalStateException e) {
                    throw new EngineException(400, "Cannot update container " + id + ": " + e.getMessage());
                }
            }
            c.put("HostConfig", host);
            engine.save(c);
        }
        engine.event(c, "update", Map.of());
        return Json.obj("Warnings", warnings);
    }

    private static long num(Map<String, Object> m, String key) {
        return m.get(key) instanceof Number n ? n.longValue() : 0;
    }
}
