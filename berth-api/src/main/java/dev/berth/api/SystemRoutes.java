package dev.berth.api;

import dev.berth.api.http.EngineVersion;
import dev.berth.api.http.Response;
import dev.berth.api.http.Router;
import java.time.OffsetDateTime;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * The endpoints every client calls first: {@code HEAD}/{@code GET /_ping} (the docker CLI negotiates its API
 * version from the ping's {@code Api-Version} header), {@code GET /version} (docker-py and compose cannot start
 * without its {@code ApiVersion}) and {@code GET /info}. Versions come from the router's {@link EngineVersion};
 * host facts are read once.
 */
public final class SystemRoutes {
    private SystemRoutes() {
    }

    /**
     * Registers the three endpoints. {@code infoExtras} is asked on every {@code /info} for the engine's live
     * fields (container and image counts, {@code DockerRootDir}, ...); its entries replace the defaults.
     */
    public static void register(Router router, Supplier<Map<String, Object>> infoExtras) {
        HostFacts host = HostFacts.read();
        EngineVersion v = router.version();
        router.head("/_ping", (req, res) -> ping(res).empty(200));
        router.get("/_ping", (req, res) -> ping(res).text(200, "OK"));
        Map<String, Object> version = version(v, host);
        router.get("/version", (req, res) -> res.json(200, version));
        router.get("/info", (req, res) -> {
            Map<String, Object> info = info(v, host);
            Map<String, Object> extras = infoExtras == null ? null : infoExtras.get();
            if (extras != null) info.putAll(extras);
            res.json(200, info);
        });
    }

    /** The ping headers of moby's ping route. */
    private static Response ping(Response res) {
        return res.header("Builder-Version", "1")
                .header("Swarm", "inactive")
                .header("Cache-Control", "no-cache, no-store, must-revalidate")
                .header("Pragma", "no-cache");
    }

    static Map<String, Object> version(EngineVersion v, HostFacts host) {
        String gitCommit = "unknown", buildTime = "unknown";
        Map<String, Object> details = new LinkedHashMap<>();
        details.put("ApiVersion", v.apiVersion());
        details.put("Arch", host.goArch());
        details.put("BuildTime", buildTime);
        details.put("Experimental", "false");
        details.put("GitCommit", gitCommit);
        details.put("GoVersion", "n/a");
        details.put("KernelVersion", host.kernelVersion());
        details.put("MinAPIVersion", v.minApiVersion());
        details.put("Os", "linux");
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Platform", Map.of("Name", "berth"));
        m.put("Components", List.of(Map.of("Name", "Engine", "Version", v.version(), "Details", details)));
        m.put("Version", v.version());
        m.put("ApiVersion", v.apiVersion());
        m.put("MinAPIVersion", v.minApiVersion());
        m.put("GitCommit", gitCommit);
        m.put("GoVersion", "n/a");
        m.put("Os", "linux");
        m.put("Arch", host.goArch());
        m.put("KernelVersion", host.kernelVersion());
        m.put("Experimental", false);
        m.put("BuildTime", buildTime);
        return Collections.unmodifiableMap(m);
    }

    static Map<String, Object> info(EngineVersion v, HostFacts host) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("ID", host.id());
        m.put("Containers", 0);
        m.put("ContainersRunning", 0);
        m.put("ContainersPaused", 0);
        m.put("ContainersStopped", 0);
        m.put("Images", 0);
        m.put("Driver", "overlay2");
        m.put("DriverStatus", List.of());
        m.put("Plugins", Map.of("Volume", List.of("local"), "Network", List.of("bridge", "host", "null"),
                "Log", List.of("json-file")));
        m.put("MemoryLimit", true);
        m.put("SwapLimit", false);
        m.put("CpuCfsPeriod", true);
        m.put("CpuCfsQuota", true);
        m.put("CPUShares", true);
        m.put("PidsLimit", true);
        m.put("IPv4Forwarding", true);
        m.put("Debug", false);
        m.put("NFd", 0);
        m.put("NGoroutines", 0);
        m.put("SystemTime", OffsetDateTime.now().toString());
        m.put("LoggingDriver", "json-file");
        m.put("CgroupDriver", "cgroupfs");
        m.put("CgroupVersion", host.cgroupVersion());
        m.put("NEventsListener", 0);
        m.put("KernelVersion", host.kernelVersion());
        m.put("OperatingSystem", host.operatingSystem());
        m.put("OSVersion", "");
        m.put("OSType", "linux");
        m.put("Architecture", host.machine());
        m.put("IndexServerAddress", "https://index.docker.io/v1/");
        m.put("NCPU", host.cpus());
        m.put("MemTotal", host.memTotal());
        m.put("DockerRootDir", "/var/lib/berth");
        m.put("Name", host.hostname());
        m.put("Labels", List.of());
        m.put("ExperimentalBuild", false);
        m.put("ServerVersion", v.version());
        m.put("Runtimes", Map.of("berth", Map.of("path", "berth")));
        m.put("DefaultRuntime", "berth");
        m.put("Swarm", Map.of("NodeID", "", "NodeAddr", "", "LocalNodeState", "inactive", "ControlAvailable", false,
                "Error", "", "RemoteManagers", List.of()));
        m.put("LiveRestoreEnabled", false);
        m.put("Isolation", "");
        m.put("InitBinary", "");
        m.put("SecurityOptions", List.of());
        m.put("Warnings", List.of());
        return m;
    }
}
