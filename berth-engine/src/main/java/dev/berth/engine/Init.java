package dev.berth.engine;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * docker run --init (HostConfig.Init): a small init as PID 1 that forwards signals to the command and reaps
 * zombies. As docker does, the host's static init binary is bind-mounted read-only at /sbin/docker-init and
 * the process becomes {@code /sbin/docker-init -- CMD...}. The binary is tini's static build (Debian's tini
 * package), or -Dberth.init / $BERTH_INIT.
 */
final class Init {
    static final String PATH_IN_CONTAINER = "/sbin/docker-init";
    private static final List<String> CANDIDATES = List.of("/usr/bin/tini-static", "/usr/libexec/docker/docker-init", "/usr/bin/docker-init");

    private Init() {}

    /** The host's init binary; a 400 naming what was looked for when there is none. */
    static Path binary() {
        String p = System.getProperty("berth.init", System.getenv("BERTH_INIT"));
        if (p != null) {
            if (!Files.isExecutable(Path.of(p))) throw new EngineException(400, "--init: " + p + " (berth.init) is not an executable file");
            return Path.of(p);
        }
        for (String c : CANDIDATES) if (Files.isExecutable(Path.of(c))) return Path.of(c);
        throw new EngineException(400, "--init: no init binary found (looked for " + String.join(", ", CANDIDATES)
                + "; install Debian's tini package or set BERTH_INIT)");
    }

    /** Applies HostConfig.Init to an OCI spec made by SpecBuilder: the mount and the prepended args. */
    @SuppressWarnings("unchecked")
    static void apply(Map<String, Object> spec, Map<?, ?> hostConfig) {
        if (!Boolean.TRUE.equals(hostConfig.get("Init"))) return;
        Path bin = binary();
        Map<String, Object> proc = (Map<String, Object>) spec.get("process");
        List<Object> args = new ArrayList<>(List.of(PATH_IN_CONTAINER, "--"));
        args.addAll((List<Object>) proc.get("args"));
        proc.put("args", args);
        List<Object> mounts = new ArrayList<>((List<Object>) spec.get("mounts"));
        mounts.add(new java.util.LinkedHashMap<>(Map.of("destination", PATH_IN_CONTAINER, "type", "bind", "source", bin.toString(),
                "options", List.of("rbind", "ro"))));
        spec.put("mounts", mounts);
    }
}
