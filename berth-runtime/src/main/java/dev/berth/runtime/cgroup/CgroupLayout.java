package dev.berth.runtime.cgroup;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The cgroup filesystems this host has mounted, read from {@code /proc/self/mountinfo}: every cgroup v1 hierarchy
 * (its mount point and the controllers bound to it; comounts such as {@code cpu,cpuacct} are one hierarchy), and the
 * cgroup v2 ("unified") mount, if any, with the controllers its root offers ({@code cgroup.controllers}).
 *
 * <p>A controller is bound to at most one hierarchy: if it is mounted in v1 it is absent from the unified root's
 * {@code cgroup.controllers}. {@link #ownerOf(String)} says where a controller's files are.
 *
 * @param mode               V1, HYBRID (v1 controllers and a cgroup2 mount) or UNIFIED (cgroup2 only)
 * @param hierarchies        the v1 hierarchies in mount order, one per distinct hierarchy (named ones such as
 *                           {@code name=systemd} included)
 * @param unified            the cgroup2 mount point, or null when there is none
 * @param unifiedControllers controllers listed in the unified root's cgroup.controllers (empty without cgroup2)
 */
public record CgroupLayout(Mode mode, List<Hierarchy> hierarchies, Path unified, Set<String> unifiedControllers) {

    /** How the host mounts cgroups. */
    public enum Mode {
        /** cgroup v1 only (legacy). */
        V1,
        /** v1 controller hierarchies plus a cgroup2 tree (systemd "hybrid", often at /sys/fs/cgroup/unified). */
        HYBRID,
        /** cgroup v2 only, normally mounted at /sys/fs/cgroup. */
        UNIFIED
    }

    /** Where a controller's files live. */
    public enum Owner { V1, V2, NONE }

    /**
     * One v1 hierarchy.
     *
     * @param mountPoint  where it is mounted
     * @param root        the mountinfo root field: the cgroup this mount shows ("/" on a host; a container's own
     *                    cgroup when the hierarchy was bind-mounted into one). Cgroup paths are taken under the
     *                    mount point, that is, relative to this root.
     * @param controllers the controllers bound to it, e.g. [cpu, cpuacct]; a named hierarchy is "name=systemd"
     */
    public record Hierarchy(Path mountPoint, String root, Set<String> controllers) {
        public Hierarchy {
            controllers = Collections.unmodifiableSet(new LinkedHashSet<>(controllers));
        }

        /** "cpu,cpuacct", the usual directory name of the mount. */
        public String name() {
            return String.join(",", controllers);
        }
    }

    /** Known v1 controllers; any other super option (rw, noprefix, xattr, release_agent=...) is not one. */
    static final Set<String> V1_CONTROLLERS = Set.of(
            "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "net_cls", "net_prio", "blkio",
            "perf_event", "hugetlb", "pids", "rdma", "misc", "debug");

    private static volatile CgroupLayout detected;

    public CgroupLayout {
        hierarchies = List.copyOf(hierarchies);
        unifiedControllers = Collections.unmodifiableSet(new LinkedHashSet<>(unifiedControllers));
    }

    /** This host's layout, read once from /proc/self/mountinfo and cached. */
    public static CgroupLayout detect() {
        CgroupLayout l = detected;
        if (l == null) {
            synchronized (CgroupLayout.class) {
                l = detected;
                if (l == null) {
                    l = fromMountinfo(Path.of("/proc/self/mountinfo"), Path.of("/"));
                    detected = l;
                }
            }
        }
        return l;
    }

    /**
     * Reads a mountinfo file. Every mount point in it is taken under {@code root} (pass "/" for the real
     * system, a temporary directory for a fixture tree); the unified root's cgroup.controllers is read there too.
     */
    public static CgroupLayout fromMountinfo(Path mountinfo, Path root) {
        try {
            return fromMountinfo(Files.readString(mountinfo, StandardCharsets.UTF_8), root);
        } catch (IOException e) {
            throw new CgroupException("cannot read " + mountinfo + ": " + CgroupFiles.reason(e), e);
        }
    }

    /** As {@link #fromMountinfo(Path, Path)}, from mountinfo text. */
    public static CgroupLayout fromMountinfo(String mountinfo, Path root) {
        List<Hierarchy> hierarchies = new ArrayList<>();
        Set<String> seen = new LinkedHashSet<>();
        Path unified = null;
        for (String line : mountinfo.split("\n")) {
            if (line.isBlank()) continue;
            int dash = line.indexOf(" - ");
            if (dash < 0) continue;
            String[] pre = line.substring(0, dash).split(" ");
            String[] post = line.substring(dash + 3).split(" ");
            if (pre.length < 5 || post.length < 3) continue;
            String fstype = post[0];
            Path mountPoint = under(root, unescape(pre[4]));
            if (fstype.equals("cgroup2")) {
                if (unified == null) unified = mountPoint;
            } else if (fstype.equals("cgroup")) {
                Set<String> controllers = new LinkedHashSet<>();
                for (String opt : post[2].split(",")) {
                    if (V1_CONTROLLERS.contains(opt) || opt.startsWith("name=")) controllers.add(opt);
                }
                // The same hierarchy may be mounted twice (bind mounts): keep the first mount only.
                if (controllers.isEmpty() || !Collections.disjoint(seen, controllers)) continue;
                seen.addAll(controllers);
                hierarchies.add(new Hierarchy(mountPoint, unescape(pre[3]), controllers));
            }
        }
        Set<String> unifiedControllers = Set.of();
        if (unified != null) unifiedControllers = readControllers(unified.resolve("cgroup.controllers"));
        boolean v1Controllers = hierarchies.stream()
                .anyMatch(h -> h.controllers().stream().anyMatch(c -> !c.startsWith("name=")));
        Mode mode;
        if (unified != null) mode = v1Controllers ? Mode.HYBRID : Mode.UNIFIED;
        else if (!hierarchies.isEmpty()) mode = Mode.V1;
        else throw new CgroupException("no cgroup filesystem is mounted (none in mountinfo)");
        return new CgroupLayout(mode, hierarchies, unified, unifiedControllers);
    }

    private static Set<String> readControllers(Path file) {
        try {
            String s = Files.readString(file, StandardCharsets.US_ASCII).strip();
            return s.isEmpty() ? Set.of() : new LinkedHashSet<>(Arrays.asList(s.split("\\s+")));
        } catch (NoSuchFileException e) {
            return Set.of();
        } catch (IOException e) {
            throw new CgroupException("cgroup " + file + ": cannot read: " + CgroupFiles.reason(e), e);
        }
    }

    private static Path under(Path root, String absolute) {
        String rel = absolute.replaceFirst("^/+", "");
        return rel.isEmpty() ? root : root.resolve(rel);
    }

    /** mountinfo escapes space, tab, newline and backslash as \ooo octal. */
    static String unescape(String s) {
        if (s.indexOf('\\') < 0) return s;
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '\\' && i + 3 < s.length() && s.substring(i + 1, i + 4).matches("[0-7]{3}")) {
                b.append((char) Integer.parseInt(s.substring(i + 1, i + 4), 8));
                i += 3;
            } else {
                b.append(c);
            }
        }
        return b.toString();
    }

    /** The v1 hierarchy a controller (or "name=systemd") is bound to. */
    public Optional<Hierarchy> hierarchy(String controller) {
        for (Hierarchy h : hierarchies) {
            if (h.controllers().contains(controller)) return Optional.of(h);
        }
        return Optional.empty();
    }

    /** Controller → v1 mount point, one entry per controller (comounted ones share a path). */
    public Map<String, Path> v1Mounts() {
        Map<String, Path> m = new LinkedHashMap<>();
        for (Hierarchy h : hierarchies) {
            for (String c : h.controllers()) m.put(c, h.mountPoint());
        }
        return Collections.unmodifiableMap(m);
    }

    /**
     * Where a controller's files are: V1 when a v1 hierarchy has it, V2 when the unified root offers it, else NONE.
     * Use v2 names for v2 ("io", not "blkio"); a v1 name is translated when asked about v2 (blkio → io,
     * cpuacct → cpu).
     */
    public Owner ownerOf(String controller) {
        if (hierarchy(controller).isPresent()) return Owner.V1;
        String v2 = switch (controller) {
            case "blkio" -> "io";
            case "cpuacct" -> "cpu";
            default -> controller;
        };
        return unified != null && unifiedControllers.contains(v2) ? Owner.V2 : Owner.NONE;
    }

    public boolean hasUnified() {
        return unified != null;
    }
}
