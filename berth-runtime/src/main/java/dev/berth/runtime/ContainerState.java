package dev.berth.runtime;

import dev.berth.oci.json.Json;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The state of a container as the OCI runtime spec defines it (ociVersion, id, status, pid, bundle,
 * annotations), plus what berth knows beyond it: when it was created, the rootfs, and for a stopped container
 * its exit code and whether the kernel's OOM killer struck.
 */
public record ContainerState(
        String ociVersion, String id, Status status, int pid, String bundle, String rootfs, String created,
        Map<String, String> annotations, Integer exitCode, boolean oomKilled) {

    public enum Status {
        CREATING, CREATED, RUNNING, PAUSED, STOPPED;

        public String json() {
            return name().toLowerCase();
        }
    }

    public Map<String, Object> toJson() {
        Map<String, Object> m = new LinkedHashMap<>(Json.obj("ociVersion", ociVersion, "id", id, "status", status.json(),
                "pid", status == Status.STOPPED ? 0 : pid, "bundle", bundle, "rootfs", rootfs, "created", created));
        if (!annotations.isEmpty()) m.put("annotations", annotations);
        if (exitCode != null) m.put("exitCode", exitCode);
        if (status == Status.STOPPED) m.put("oomKilled", oomKilled);
        return m;
    }
}
