package dev.berth.engine;

import dev.berth.oci.json.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * docker run --mount (HostConfig.Mounts): bind, volume and tmpfs mounts, in the container's Mounts (inspect's
 * shape, which SpecBuilder turns into OCI mounts). Unlike -v, a bind source must exist.
 */
final class MountSpecs {
    private static final Set<String> PROPAGATION = Set.of("private", "rprivate", "shared", "rshared", "slave", "rslave");

    private MountSpecs() {}

    /** Adds HostConfig.Mounts to {@code out} and their targets to {@code covered}. */
    static void add(Map<String, Object> hostConfig, Volumes volumes, List<Object> out, Set<String> covered) throws IOException {
        if (!(hostConfig.get("Mounts") instanceof List<?> list)) return;
        for (Object o : list) {
            Map<?, ?> m = (Map<?, ?>) o;
            String type = String.valueOf(m.get("Type"));
            String target = m.get("Target") == null ? "" : String.valueOf(m.get("Target"));
            Object src = m.get("Source");
            String source = src == null ? "" : String.valueOf(src);
            boolean rw = !Boolean.TRUE.equals(m.get("ReadOnly"));
            if (!target.startsWith("/")) throw new EngineException(400, "invalid mount config for type \"" + type + "\": invalid mount path: '" + target + "' mount path must be absolute");
            if (!covered.add(target)) throw new EngineException(400, "Duplicate mount point: " + target);
            switch (type) {
                case "bind" -> {
                    if (!source.startsWith("/")) throw new EngineException(400, "invalid mount config for type \"bind\": invalid mount path: '" + source + "' mount path must be absolute");
                    if (!Files.exists(Path.of(source))) throw new EngineException(400, "invalid mount config for type \"bind\": bind source path does not exist: " + source);
                    String prop = "rprivate";
                    if (m.get("BindOptions") instanceof Map<?, ?> bo && bo.get("Propagation") instanceof String p && !p.isEmpty()) {
                        if (!PROPAGATION.contains(p)) throw new EngineException(400, "invalid mount config for type \"bind\": invalid propagation mode: " + p);
                        prop = p;
                    }
                    out.add(Json.obj("Type", "bind", "Source", source, "Destination", target, "Mode", "", "RW", rw, "Propagation", prop));
                }
                case "volume" -> {
                    Map<String, Object> v = volumes.create(source.isEmpty() ? null : source, Map.of(), source.isEmpty());
                    out.add(Json.obj("Type", "volume", "Name", v.get("Name"), "Source", v.get("Mountpoint"), "Destination", target, "Driver", "local",
                            "Mode", "z", "RW", rw, "Propagation", ""));
                }
                case "tmpfs" -> {
                    if (!source.isEmpty()) throw new EngineException(400, "invalid mount config for type \"tmpfs\": source must not be specified");
                    List<String> opts = new ArrayList<>();
                    if (m.get("TmpfsOptions") instanceof Map<?, ?> to) {
                        if (to.get("SizeBytes") instanceof Number n && n.longValue() > 0) opts.add("size=" + n.longValue());
                        if (to.get("Mode") instanceof Number n && n.longValue() > 0) opts.add("mode=" + Long.toOctalString(n.longValue()));
                    }
                    out.add(Json.obj("Type", "tmpfs", "Source", "", "Destination", target, "Mode", String.join(",", opts), "RW", rw, "Propagation", ""));
                }
                default -> throw new EngineException(400, "invalid mount config: mount type unknown: \"" + type + "\"");
            }
        }
    }
}
