package dev.berth.runtime.cgroup;

import dev.berth.runtime.linux.Libc;
import dev.berth.runtime.linux.Signals;

import dev.berth.oci.runtime.RuntimeSpec.Resources;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.stream.Stream;

/**
 * One container's cgroup, across every hierarchy of the host: a directory of the same relative path under each
 * v1 hierarchy and under the cgroup2 tree. Each resource goes to the hierarchy that owns its controller
 * ({@link CgroupLayout#ownerOf}), so one code path serves v1, hybrid and unified hosts.
 *
 * <p>Not thread-safe; one runtime process drives one container's cgroup.
 */
public final class Cgroup {
    /** The key of the cgroup2 directory in {@link #hostDirs()}. */
    public static final String UNIFIED = "unified";
    /** Relative cgroupsPath values are taken under this parent. */
    public static final String DEFAULT_PARENT = "/berth";
    /** Controllers create() enables for this cgroup in a v2 tree (each only if the tree offers it). */
    static final List<String> V2_CONTROLLERS = List.of("cpu", "cpuset", "io", "memory", "pids");
    /** How long destroy() waits for exiting processes to leave (rmdir says EBUSY meanwhile). */
    static final long DESTROY_WAIT_MS = 2_000;

    private final CgroupLayout layout;
    private final String path;
    private final CgroupFiles io;

    private Cgroup(CgroupLayout layout, String path, CgroupFiles io) {
        this.layout = layout;
        this.path = path;
        this.io = io;
    }

    /** The cgroup at {@code cgroupsPath} (OCI linux.cgroupsPath) on this host's detected layout. */
    public static Cgroup of(String cgroupsPath) {
        return of(CgroupLayout.detect(), cgroupsPath);
    }

    /**
     * The cgroup at {@code cgroupsPath}: absolute ("/berth/abc") or relative (taken under {@value DEFAULT_PARENT}).
     * The systemd form "slice:prefix:name" is refused: berth manages cgroupfs directly.
     */
    public static Cgroup of(CgroupLayout layout, String cgroupsPath) {
        return new Cgroup(layout, normalize(cgroupsPath), CgroupFiles.REAL);
    }

    /** For tests: the same cgroup with file access going through {@code io}. */
    static Cgroup of(CgroupLayout layout, String cgroupsPath, CgroupFiles io) {
        return new Cgroup(layout, normalize(cgroupsPath), io);
    }

    /** "/a/b" for "/a//b/", "/berth/x" for "x"; refuses "..", the root, and systemd's colon form. */
    public static String normalize(String cgroupsPath) {
        if (cgroupsPath == null || cgroupsPath.isBlank()) throw new CgroupException("cgroupsPath is empty");
        if (cgroupsPath.indexOf(':') >= 0) {
            throw new CgroupException("cgroupsPath \"" + cgroupsPath + "\" looks like systemd's \"slice:prefix:name\";"
                    + " berth uses cgroupfs paths such as \"/berth/<id>\"");
        }
        String p = cgroupsPath.startsWith("/") ? cgroupsPath : DEFAULT_PARENT + "/" + cgroupsPath;
        List<String> parts = new ArrayList<>();
        for (String s : p.split("/")) {
            if (s.isEmpty() || s.equals(".")) continue;
            if (s.equals("..") || s.chars().anyMatch(ch -> ch < 0x20 || ch == 0x7f)) {
                throw new CgroupException("cgroupsPath \"" + cgroupsPath + "\": bad component \"" + s + "\"");
            }
            parts.add(s);
        }
        if (parts.isEmpty()) throw new CgroupException("cgroupsPath \"" + cgroupsPath + "\" is the root cgroup");
        return "/" + String.join("/", parts);
    }

    public String path() {
        return path;
    }

    public CgroupLayout layout() {
        return layout;
    }

    private List<String> segments() {
        return Arrays.asList(path.substring(1).split("/"));
    }

    private static Path under(Path mount, String cgroupPath) {
        return mount.resolve(cgroupPath.substring(1));
    }

    /** This cgroup's directory in the cgroup2 tree, if the host has one. */
    public Optional<Path> unifiedDir() {
        return layout.hasUnified() ? Optional.of(under(layout.unified(), path)) : Optional.empty();
    }

    /** This cgroup's directory holding a controller's files (v1 hierarchy, or the v2 tree), if any. */
    public Optional<Path> dir(String controller) {
        return switch (layout.ownerOf(controller)) {
            case V1 -> layout.hierarchy(controller).map(h -> under(h.mountPoint(), path));
            case V2 -> unifiedDir();
            case NONE -> Optional.empty();
        };
    }

    /** Every directory of this cgroup, one per hierarchy: v1 hierarchies in mount order, then the v2 tree. */
    private List<Path> dirs() {
        List<Path> dirs = new ArrayList<>();
        for (CgroupLayout.Hierarchy h : layout.hierarchies()) dirs.add(under(h.mountPoint(), path));
        unifiedDir().ifPresent(dirs::add);
        return dirs;
    }

    /**
     * Controller (or "name=systemd", or {@value #UNIFIED}) → this cgroup's directory, for bind-mounting into the
     * container's /sys/fs/cgroup. Comounted controllers share a directory.
     */
    public Map<String, Path> hostDirs() {
        Map<String, Path> m = new LinkedHashMap<>();
        for (CgroupLayout.Hierarchy h : layout.hierarchies()) {
            for (String c : h.controllers()) m.put(c, under(h.mountPoint(), path));
        }
        unifiedDir().ifPresent(d -> m.put(UNIFIED, d));
        return Collections.unmodifiableMap(m);
    }

    /** The cgroup.procs files a new process is written into to join this cgroup everywhere. */
    public List<Path> procsFiles() {
        return dirs().stream().map(d -> d.resolve("cgroup.procs")).toList();
    }

    /**
     * Makes the directories (mkdir -p) in every hierarchy. In the v1 cpuset hierarchy every level whose
     * cpuset.cpus or cpuset.mems is empty gets its parent's, or no task could join. In the v2 tree, each ancestor
     * enables (cgroup.subtree_control) the controllers this cgroup needs and its parent offers.
     */
    public void create() {
        for (Path d : dirs()) mkdirs(d);
        layout.hierarchy("cpuset").ifPresent(h -> copyCpusetDown(h.mountPoint()));
        if (layout.hasUnified()) {
            Set<String> wanted = new LinkedHashSet<>(V2_CONTROLLERS);
            wanted.retainAll(layout.unifiedControllers());
            enableV2(wanted);
        }
    }

    private static void mkdirs(Path d) {
        try {
            Files.createDirectories(d);
        } catch (IOException e) {
            throw new CgroupException("cgroup " + d + ": cannot create: " + CgroupFiles.reason(e), e);
        }
    }

    private void copyCpusetDown(Path mount) {
        Path parent = mount;
        for (String seg : segments()) {
            Path dir = parent.resolve(seg);
            for (String f : List.of("cpuset.cpus", "cpuset.mems")) {
                if (io.read(dir.resolve(f)).isEmpty()) io.write(dir.resolve(f), io.read(parent.resolve(f)));
            }
            parent = dir;
        }
    }

    /**
     * Enables controllers in cgroup.subtree_control of every ancestor (the v2 root down to this cgroup's parent),
     * so this cgroup gets their files. One write for all, else one at a time, skipping any the kernel refuses
     * (as runc): a missing controller shows later as a missing file, with a clear message.
     */
    void enableV2(Set<String> controllers) {
        if (controllers.isEmpty()) return;
        Path dir = layout.unified();
        for (String seg : segments()) {
            Set<String> offered = words(io.readIfExists(dir.resolve("cgroup.controllers")).orElse(""));
            Set<String> enabled = words(io.readIfExists(dir.resolve("cgroup.subtree_control")).orElse(""));
            List<String> add = controllers.stream()
                    .filter(offered::contains).filter(c -> !enabled.contains(c)).toList();
            if (!add.isEmpty()) {
                Path f = dir.resolve("cgroup.subtree_control");
                try {
                    io.write(f, String.join(" ", add.stream().map(c -> "+" + c).toList()));
                } catch (CgroupException all) {
                    for (String c : add) {
                        try {
                            io.write(f, "+" + c);
                        } catch (CgroupException one) {
                            // skipped; see above
                        }
                    }
                }
            }
            dir = dir.resolve(seg);
        }
    }

    private static Set<String> words(String s) {
        return s.isBlank() ? Set.of() : new LinkedHashSet<>(Arrays.asList(s.strip().split("\\s+")));
    }

    /**
     * Writes the limits, each into the hierarchy that owns its controller. Returns warnings for what was asked
     * but cannot be done here (no swap accounting, no such controller, device rules on v2, ...). A value the
     * kernel refuses is a {@link CgroupException} naming the file and the value.
     */
    public List<String> apply(Resources r) {
        return Limits.apply(this, io, r);
    }

    /** Moves a process (all its threads) into this cgroup in every hierarchy. */
    public void addProcess(long pid) {
        if (pid <= 0) throw new IllegalArgumentException("not a process id: " + pid);
        for (Path f : procsFiles()) io.write(f, Long.toString(pid));
    }

    /**
     * The processes in this cgroup (not in sub-cgroups): from the v2 tree when there is one, else from the pids,
     * freezer or first v1 hierarchy. Empty when the cgroup does not exist.
     */
    public List<Long> pids() {
        return readProcs(membershipDir());
    }

    private Path membershipDir() {
        return unifiedDir()
                .or(() -> layout.ownerOf("pids") == CgroupLayout.Owner.V1 ? dir("pids") : Optional.empty())
                .or(() -> layout.ownerOf("freezer") == CgroupLayout.Owner.V1 ? dir("freezer") : Optional.empty())
                .orElseGet(() -> dirs().getFirst());
    }

    private List<Long> readProcs(Path dir) {
        String procs = io.readIfExists(dir.resolve("cgroup.procs")).orElse("");
        return procs.isBlank() ? List.of() : procs.lines().map(String::strip).map(Long::parseLong).toList();
    }

    /** pids() of this cgroup and every sub-cgroup the container may have made. */
    private List<Long> pidsWithDescendants() {
        Path top = membershipDir();
        if (!Files.isDirectory(top)) return List.of();
        List<Long> all = new ArrayList<>();
        try (Stream<Path> s = Files.walk(top)) {
            s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS)).forEach(d -> all.addAll(readProcs(d)));
        } catch (IOException | java.io.UncheckedIOException e) {
            all.addAll(readProcs(top));
        }
        return all;
    }

    /**
     * Freezes every process. With a v1 freezer hierarchy (v1 and hybrid hosts) that is freezer.state, which is
     * what v1 tools look at; otherwise the v2 core file cgroup.freeze. Returns once the kernel reports frozen.
     */
    public void freeze() {
        Optional<Path> v1 = v1Freezer();
        if (v1.isPresent()) Freezer.freezeV1(io, v1.get());
        else Freezer.freezeV2(io, v2Freezer());
    }

    public void thaw() {
        Optional<Path> v1 = v1Freezer();
        if (v1.isPresent()) Freezer.thawV1(io, v1.get());
        else Freezer.thawV2(io, v2Freezer());
    }

    public boolean isFrozen() {
        Optional<Path> v1 = v1Freezer();
        if (v1.isPresent()) return Freezer.isFrozenV1(io, v1.get());
        return unifiedDir().filter(d -> Freezer.isFrozenV2(io, d)).isPresent();
    }

    private Optional<Path> v1Freezer() {
        return layout.hierarchy("freezer").map(h -> under(h.mountPoint(), path));
    }

    private Path v2Freezer() {
        return unifiedDir().filter(d -> io.exists(d.resolve("cgroup.freeze"))).orElseThrow(() -> new CgroupException(
                "cannot freeze " + path + ": no v1 freezer and no cgroup.freeze (cgroup2 needs kernel 5.2+)"));
    }

    /** Usage counters; see {@link Stats}. */
    public Stats stats() {
        return StatsReader.read(io, this);
    }

    /** How many processes the OOM killer has killed in this cgroup (0 when the kernel does not say). */
    public long oomKillCount() {
        return switch (layout.ownerOf("memory")) {
            case V1 -> io.readKeyed(dir("memory").orElseThrow().resolve("memory.oom_control"), "oom_kill").orElse(0);
            case V2 -> io.readKeyed(unifiedDir().orElseThrow().resolve("memory.events"), "oom_kill").orElse(0);
            case NONE -> 0;
        };
    }

    /**
     * Sends a signal to every process, sub-cgroups included. SIGKILL goes through cgroup.kill when the v2 tree
     * has it (kernel 5.14+; it also works on hybrid hosts, in a v2 directory without controllers). Otherwise the
     * cgroup is frozen, each process signalled, and thawed, so none can fork past the signal; a cgroup that was
     * already frozen stays frozen unless the signal is SIGKILL.
     */
    public void killAll(int signal) {
        Optional<Path> kill = unifiedDir().map(d -> d.resolve("cgroup.kill")).filter(io::exists);
        if (signal == Signals.SIGKILL && kill.isPresent()) {
            io.write(kill.get(), "1");
            // A v1 freezer would hold the killed processes until thawed (a paused container being killed).
            if (v1Freezer().isPresent() && isFrozen()) thaw();
            return;
        }
        if (pidsWithDescendants().isEmpty()) return; // nothing to signal, or no such cgroup
        boolean canFreeze = v1Freezer().isPresent()
                || unifiedDir().map(d -> io.exists(d.resolve("cgroup.freeze"))).orElse(false);
        boolean wasFrozen = canFreeze && isFrozen();
        if (canFreeze && !wasFrozen) freeze();
        try {
            for (long pid : pidsWithDescendants()) {
                int err = Libc.kill(pid, signal);
                if (err != 0 && err != Libc.ESRCH) {
                    throw new CgroupException("kill(" + pid + ", " + signal + ") in cgroup " + path + ": errno " + err);
                }
            }
        } finally {
            if (canFreeze && (!wasFrozen || signal == Signals.SIGKILL)) thaw();
        }
    }

    /**
     * Removes this cgroup's directories (with any sub-cgroups, deepest first) in every hierarchy; parents such as
     * /berth stay. Waits up to {@value #DESTROY_WAIT_MS} ms while exiting processes still count (EBUSY). Missing
     * directories are fine, so it may be called twice. Does not kill anything: see {@link #killAll}.
     */
    public void destroy() {
        List<Path> todo = new ArrayList<>();
        for (Path d : dirs()) {
            if (!Files.isDirectory(d, LinkOption.NOFOLLOW_LINKS)) continue;
            try (Stream<Path> s = Files.walk(d)) {
                s.filter(p -> Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS))
                        .sorted(Comparator.comparingInt(Path::getNameCount).reversed()).forEach(todo::add);
            } catch (IOException | java.io.UncheckedIOException e) {
                todo.add(d);
            }
        }
        // One deadline for all hierarchies: exiting processes leave every hierarchy at the same moment.
        long deadline = System.nanoTime() + DESTROY_WAIT_MS * 1_000_000;
        long pause = 5;
        while (true) {
            List<String> busy = new ArrayList<>();
            List<String> failed = new ArrayList<>();
            List<Path> left = new ArrayList<>();
            for (Path p : todo) {
                String err = rmdir(p);
                if (err == null) continue;
                left.add(p);
                (err.contains("busy") ? busy : failed).add(p + ": " + err);
            }
            todo = left;
            if (todo.isEmpty()) return;
            if (!failed.isEmpty() || System.nanoTime() > deadline) {
                failed.addAll(busy);
                throw new CgroupException("cannot remove cgroup " + path + ": " + String.join("; ", failed));
            }
            Freezer.sleep(pause);
            pause = Math.min(pause * 2, 100);
        }
    }

    /** rmdir; null on success or when already gone, else the reason. */
    private static String rmdir(Path dir) {
        try {
            Files.delete(dir);
            return null;
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            return CgroupFiles.reason(e);
        }
    }

    /**
     * Usage counters. Limits are empty when unlimited or unknown; counters a hierarchy lacks are 0.
     *
     * @param cpuUsageNanos    total CPU time (v1 cpuacct.usage; v2 cpu.stat usage_usec × 1000)
     * @param memoryUsageBytes v1 memory.usage_in_bytes; v2 memory.current
     * @param memoryLimitBytes v1 memory.limit_in_bytes; v2 memory.max
     * @param pidsCurrent      pids.current
     * @param pidsLimit        pids.max
     * @param ioReadBytes      v1 blkio.throttle.io_service_bytes "Read" total; v2 io.stat rbytes total
     * @param ioWriteBytes     the same for writes
     */
    public record Stats(long cpuUsageNanos, long memoryUsageBytes, OptionalLong memoryLimitBytes,
                        long pidsCurrent, OptionalLong pidsLimit, long ioReadBytes, long ioWriteBytes) {}
}
