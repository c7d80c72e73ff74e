package dev.berth.runtime.cgroup;

import dev.berth.oci.runtime.RuntimeSpec.Cpu;
import dev.berth.oci.runtime.RuntimeSpec.Resources;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Routes each part of the OCI resources to the hierarchy that owns its controller, and there to the v1 or v2
 * writer. This is what lets one {@link Cgroup} serve v1, hybrid and unified hosts: on a hybrid host, memory may
 * go to a v1 hierarchy while {@code unified} keys go to the v2 tree.
 */
final class Limits {
    private Limits() {}

    /** See {@link Cgroup#apply}. */
    static List<String> apply(Cgroup cg, CgroupFiles io, Resources r) {
        List<String> warnings = new ArrayList<>();
        if (r == null) return warnings;
        if (r.memory() != null) {
            switch (cg.layout().ownerOf("memory")) {
                case V1 -> V1Resources.memory(io, cg.dir("memory").orElseThrow(), r.memory(), warnings);
                case V2 -> V2Resources.memory(io, cg.unifiedDir().orElseThrow(), r.memory(), warnings);
                case NONE -> warnings.add("memory limits ignored: no memory controller on this host");
            }
        }
        Cpu c = r.cpu();
        if (c != null && (c.shares() != null || c.quota() != null || c.period() != null || c.idle() != null)) {
            switch (cg.layout().ownerOf("cpu")) {
                case V1 -> V1Resources.cpu(io, cg.dir("cpu").orElseThrow(), c, warnings);
                case V2 -> V2Resources.cpu(io, cg.unifiedDir().orElseThrow(), c);
                case NONE -> warnings.add("cpu limits ignored: no cpu controller on this host");
            }
        }
        if (c != null && (c.cpus() != null || c.mems() != null)) {
            Optional<Path> d = cg.dir("cpuset");
            if (d.isPresent()) V1Resources.cpuset(io, d.get(), c);
            else warnings.add("cpu.cpus/mems ignored: no cpuset controller on this host");
        }
        if (r.pids() != null) {
            Optional<Path> d = cg.dir("pids");
            if (d.isPresent()) V1Resources.pids(io, d.get(), r.pids().limit());
            else warnings.add("pids.limit ignored: no pids controller on this host");
        }
        if (r.blockIO() != null) {
            switch (cg.layout().ownerOf("blkio")) {
                case V1 -> V1Resources.blkio(io, cg.dir("blkio").orElseThrow(), r.blockIO(), warnings);
                case V2 -> V2Resources.io(io, cg.unifiedDir().orElseThrow(), r.blockIO());
                case NONE -> warnings.add("blockIO ignored: no blkio/io controller on this host");
            }
        }
        if (r.devices() != null && !r.devices().isEmpty()) {
            switch (cg.layout().ownerOf("devices")) {
                case V1 -> V1Resources.devices(io, cg.dir("devices").orElseThrow(), r.devices());
                case V2, NONE -> warnings.add("linux.resources.devices ignored: no v1 devices controller, and cgroup v2"
                        + " device rules need an eBPF program, which berth does not load yet");
            }
        }
        if (r.unified() != null && !r.unified().isEmpty()) {
            Path d = cg.unifiedDir().orElseThrow(() -> new CgroupException(
                    "linux.resources.unified needs a cgroup v2 tree; this host has cgroup v1 only"));
            Set<String> need = new LinkedHashSet<>();
            for (String key : r.unified().keySet()) need.add(V2Resources.controllerOf(key));
            need.retainAll(cg.layout().unifiedControllers());
            cg.enableV2(need);
            V2Resources.unified(io, d, r.unified());
        }
        return warnings;
    }
}
