package dev.berth.runtime.cgroup;

import dev.berth.oci.runtime.RuntimeSpec.BlockIO;
import dev.berth.oci.runtime.RuntimeSpec.Cpu;
import dev.berth.oci.runtime.RuntimeSpec.DeviceRule;
import dev.berth.oci.runtime.RuntimeSpec.Memory;
import dev.berth.oci.runtime.RuntimeSpec.Pids;
import dev.berth.oci.runtime.RuntimeSpec.Resources;
import dev.berth.oci.runtime.RuntimeSpec.ThrottleDevice;
import dev.berth.runtime.cgroup.CgroupLayout.Owner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real cgroups on this host, as root: a cgroup under /berth-test/&lt;random&gt; in every hierarchy, with real
 * processes in it. Everything made here (processes, directories, the /berth-test parents) is removed afterwards,
 * pass or fail.
 */
class CgroupHostTest {
    static final String PARENT = "/berth-test";

    @TempDir
    Path tmp;
    CgroupLayout layout;
    String path;
    final List<Cgroup> cgroups = new ArrayList<>();
    final List<Process> processes = new ArrayList<>();

    @BeforeEach
    void requireRootAndCgroups() throws IOException {
        String uid = Files.readAllLines(Path.of("/proc/self/status")).stream()
                .filter(l -> l.startsWith("Uid:")).findFirst().orElse("Uid: -1").split("\\s+")[1];
        assumeTrue(uid.equals("0"), "skipped: needs root to create cgroups (uid " + uid + ")");
        try {
            layout = CgroupLayout.detect();
        } catch (CgroupException e) {
            assumeTrue(false, "skipped: " + e.getMessage());
        }
        path = PARENT + "/" + Long.toHexString(ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE);
    }

    @AfterEach
    void cleanUp() {
        for (Cgroup cg : cgroups) {
            try {
                if (cg.isFrozen()) cg.thaw(); // a v1-frozen process would not die
            } catch (RuntimeException e) {
                System.err.println("[CgroupHostTest] cleanup thaw: " + e.getMessage());
            }
        }
        for (Process p : processes) {
            p.destroyForcibly(); // SIGKILL to this one pid, which this test started
            try {
                p.waitFor(5, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        for (Cgroup cg : cgroups) {
            try {
                cg.destroy();
            } catch (RuntimeException e) {
                System.err.println("[CgroupHostTest] cleanup destroy: " + e.getMessage());
            }
            for (Path mount : mounts(cg.layout())) {
                try {
                    Files.deleteIfExists(mount.resolve(PARENT.substring(1))); // only if empty: others may use it
                } catch (IOException e) {
                    System.err.println("[CgroupHostTest] cleanup " + PARENT + ": " + e.getMessage());
                }
            }
        }
    }

    static List<Path> mounts(CgroupLayout l) {
        List<Path> m = new ArrayList<>(l.hierarchies().stream().map(CgroupLayout.Hierarchy::mountPoint).toList());
        if (l.hasUnified()) m.add(l.unified());
        return m;
    }

    Cgroup made(CgroupLayout l, String p) {
        Cgroup cg = Cgroup.of(l, p);
        cgroups.add(cg);
        cg.create();
        return cg;
    }

    Process start(String... command) throws IOException {
        Process p = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(tmp.resolve("out").toFile()).start();
        processes.add(p);
        return p;
    }

    /**
     * Starts a shell that execs command once released: it can join the cgroup first, so the memory of the new
     * program is charged there (v1 does not move a process's existing charges when it changes cgroup).
     */
    Process startGated(String command) throws IOException {
        return start("/bin/sh", "-c", "read go; exec " + command);
    }

    static void release(Process p, String comm) throws Exception {
        p.getOutputStream().write('\n');
        p.getOutputStream().flush();
        Path file = Path.of("/proc/" + p.pid() + "/comm");
        await(comm + " to run", () -> CgroupFixture.read(file).strip().equals(comm));
    }

    /** A shell that appends to a file as fast as it can: the file stops growing exactly when it is frozen. */
    Process counter(Path file) throws IOException {
        return start("/bin/sh", "-c", "while :; do echo x >> '" + file + "'; done");
    }

    /** /proc/PID/cgroup as controllers → path; the v2 line has controllers "". */
    static Map<Set<String>, String> procCgroup(long pid) throws IOException {
        Map<Set<String>, String> m = new LinkedHashMap<>();
        for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/cgroup"))) {
            String[] f = line.split(":", 3);
            m.put(f[1].isEmpty() ? Set.of() : Set.of(f[1].split(",")), f[2]);
        }
        return m;
    }

    static char procState(long pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return stat.charAt(stat.lastIndexOf(')') + 2);
    }

    static long size(Path f) throws IOException {
        return Files.exists(f) ? Files.size(f) : 0;
    }

    static void await(String what, BooleanSupplier done) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (!done.getAsBoolean()) {
            assertThat(System.nanoTime()).as("waiting for " + what).isLessThan(deadline);
            Thread.sleep(10);
        }
    }

    @Test
    void processJoinsEveryHierarchy() throws Exception {
        Cgroup cg = made(layout, path);
        Process p = start("/bin/sleep", "60");
        cg.addProcess(p.pid());

        Map<Set<String>, String> in = procCgroup(p.pid());
        for (CgroupLayout.Hierarchy h : layout.hierarchies()) {
            assertThat(in.get(h.controllers())).as("/proc/pid/cgroup for " + h.name()).isEqualTo(path);
        }
        if (layout.hasUnified()) assertThat(in.get(Set.of())).as("/proc/pid/cgroup v2 line").isEqualTo(path);
        assertThat(cg.pids()).containsExactly(p.pid());
        assertThat(cg.hostDirs().values()).allMatch(Files::isDirectory);
        assertThat(cg.procsFiles()).hasSize(layout.hierarchies().size() + (layout.hasUnified() ? 1 : 0));
        System.out.println("[CgroupHostTest] " + p.pid() + " in " + in);
    }

    @Test
    void limitsAreWrittenAndReadBackInTheKernelsOrder() throws Exception {
        assumeTrue(layout.ownerOf("memory") != Owner.NONE && layout.ownerOf("pids") != Owner.NONE, "no memory/pids controller");
        Cgroup cg = made(layout, path);
        Process p = startGated("/bin/sleep 60");
        cg.addProcess(p.pid());
        release(p, "sleep");
        long m = 1 << 20;

        List<String> warnings = cg.apply(new Resources(new Memory(64 * m, null, 128 * m, null, null),
                new Cpu(512L, 50_000L, 100_000L, "0", "0", null), new Pids(16), null, List.of(), Map.of()));
        System.out.println("[CgroupHostTest] warnings: " + warnings);
        assertThat(memoryLimit(cg)).isEqualTo(64 * m);
        Path pids = cg.dir("pids").orElseThrow();
        assertThat(Files.readString(pids.resolve("pids.max")).strip()).isEqualTo("16");
        if (layout.ownerOf("cpu") == Owner.V1) {
            Path cpu = cg.dir("cpu").orElseThrow();
            assertThat(Files.readString(cpu.resolve("cpu.shares")).strip()).isEqualTo("512");
            assertThat(Files.readString(cpu.resolve("cpu.cfs_quota_us")).strip()).isEqualTo("50000");
        } else if (layout.ownerOf("cpu") == Owner.V2) {
            Path cpu = cg.dir("cpu").orElseThrow();
            assertThat(Files.readString(cpu.resolve("cpu.weight")).strip()).isEqualTo("20");
            assertThat(Files.readString(cpu.resolve("cpu.max")).strip()).isEqualTo("50000 100000");
        }
        cg.dir("cpuset").ifPresent(d -> assertThat(CgroupFixture.read(d.resolve("cpuset.cpus")).strip()).isEqualTo("0"));

        // Up, then down: on v1 each needs the other memory/memsw order, or the kernel says EINVAL.
        cg.apply(new Resources(new Memory(256 * m, null, 512 * m, null, null), null, null, null, List.of(), Map.of()));
        assertThat(memoryLimit(cg)).isEqualTo(256 * m);
        cg.apply(new Resources(new Memory(32 * m, null, 48 * m, null, null), null, null, null, List.of(), Map.of()));
        assertThat(memoryLimit(cg)).isEqualTo(32 * m);
        Path memsw = cg.dir("memory").orElseThrow().resolve("memory.memsw.limit_in_bytes");
        if (layout.ownerOf("memory") == Owner.V1 && Files.exists(memsw)) {
            assertThat(Files.readString(memsw).strip()).isEqualTo(Long.toString(48 * m));
        }

        Cgroup.Stats s = cg.stats();
        System.out.println("[CgroupHostTest] " + s);
        assertThat(s.memoryLimitBytes()).hasValue(32 * m);
        assertThat(s.memoryUsageBytes()).isPositive();
        assertThat(s.pidsCurrent()).isEqualTo(1);
        assertThat(s.pidsLimit()).hasValue(16);
        assertThat(cg.oomKillCount()).isZero();
    }

    @Test
    void v1DeviceRulesAndBlkioGoInAndDenyTheContainer() throws Exception {
        assumeTrue(layout.ownerOf("devices") == Owner.V1, "no v1 devices controller (v2 needs eBPF, not done)");
        Cgroup cg = made(layout, path);
        String disk = wholeDisk();
        List<ThrottleDevice> throttle = disk == null ? null : List.of(new ThrottleDevice(
                Long.parseLong(disk.split(":")[0]), Long.parseLong(disk.split(":")[1]), 1 << 20));
        List<String> warnings = cg.apply(new Resources(null, null, null,
                layout.ownerOf("blkio") == Owner.NONE ? null : new BlockIO(300, throttle, null),
                List.of(new DeviceRule(false, "a", null, null, "rwm"), new DeviceRule(true, "c", 1L, 3L, "rwm"),
                        new DeviceRule(true, "c", 1L, 5L, "r")),
                Map.of()));
        System.out.println("[CgroupHostTest] devices/blkio warnings: " + warnings);
        Path devices = cg.dir("devices").orElseThrow();
        assertThat(Files.readAllLines(devices.resolve("devices.list"))).containsExactly("c 1:3 rwm", "c 1:5 r");
        if (disk != null && layout.ownerOf("blkio") == Owner.V1) {
            assertThat(CgroupFixture.read(cg.dir("blkio").orElseThrow().resolve("blkio.throttle.read_bps_device")))
                    .contains(disk + " " + (1 << 20));
        }

        // A process in the cgroup may read /dev/zero (1:5 r) but not write it, and /dev/full (1:7) not at all.
        Process p = startGated("/bin/sh -c 'head -c1 /dev/zero >/dev/null && echo read-ok; echo x >/dev/zero"
                + " || echo write-denied; cat /dev/full || echo full-denied'");
        cg.addProcess(p.pid());
        p.getOutputStream().write('\n');
        p.getOutputStream().flush();
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
        String out = Files.readString(tmp.resolve("out"));
        assertThat(out).contains("read-ok").contains("write-denied").contains("full-denied")
                .contains("Operation not permitted");
    }

    /** "MAJ:MIN" of a whole disk (not loop, ram or zram), or null. */
    static String wholeDisk() throws IOException {
        try (var ds = Files.list(Path.of("/sys/block"))) {
            for (Path b : ds.sorted().toList()) {
                String n = b.getFileName().toString();
                if (n.startsWith("loop") || n.startsWith("ram") || n.startsWith("zram")) continue;
                if (Files.exists(b.resolve("dev"))) return Files.readString(b.resolve("dev")).strip();
            }
        }
        return null;
    }

    static long memoryLimit(Cgroup cg) throws IOException {
        Path d = cg.dir("memory").orElseThrow();
        Path v1 = d.resolve("memory.limit_in_bytes");
        return Long.parseLong(Files.readString(Files.exists(v1) ? v1 : d.resolve("memory.max")).strip());
    }

    @Test
    void kernelRefusalsNameTheFileAndTheValue() throws Exception {
        assumeTrue(layout.ownerOf("memory") == Owner.V1, "v1 memory controller only: v2 OOM-kills instead of refusing");
        Cgroup cg = made(layout, path);
        Process p = startGated("/bin/sleep 60");
        cg.addProcess(p.pid());
        release(p, "sleep");
        Path mem = cg.dir("memory").orElseThrow();
        // Below what the process already uses, with no swap to push it to: the kernel cannot reclaim, EBUSY.
        assertThatThrownBy(() -> cg.apply(new Resources(new Memory(4096L, null, null, null, null), null, null, null,
                List.of(), Map.of())))
                .isInstanceOf(CgroupException.class)
                .hasMessage("cgroup " + mem.resolve("memory.limit_in_bytes") + ": cannot write \"4096\": Device or resource busy");
        if (Files.exists(mem.resolve("memory.memsw.limit_in_bytes"))) {
            // memory+swap below memory: EINVAL on the memsw file, after the limit went in.
            assertThatThrownBy(() -> cg.apply(new Resources(new Memory(64L << 20, null, 32L << 20, null, null), null,
                    null, null, List.of(), Map.of())))
                    .hasMessage("cgroup " + mem.resolve("memory.memsw.limit_in_bytes") + ": cannot write \""
                            + (32L << 20) + "\": Invalid argument");
        }
        assertThat(p.isAlive()).isTrue();
    }

    @Test
    void freezeStopsProgressAndThawResumesIt() throws Exception {
        Cgroup cg = made(layout, path);
        Path file = tmp.resolve("count");
        Process p = counter(file);
        cg.addProcess(p.pid());
        await("the counter to run", () -> sizeQuietly(file) > 0);

        cg.freeze();
        assertThat(cg.isFrozen()).isTrue();
        long frozenAt = size(file);
        char state = procState(p.pid());
        Thread.sleep(300);
        assertThat(size(file)).as("no progress while frozen").isEqualTo(frozenAt);
        assertThat(state).as("/proc/pid/stat state while frozen").isNotEqualTo('R');
        layout.hierarchy("freezer").ifPresent(h ->
                assertThat(CgroupFixture.read(cg.dir("freezer").orElseThrow().resolve("freezer.state")).strip()).isEqualTo("FROZEN"));

        cg.thaw();
        assertThat(cg.isFrozen()).isFalse();
        await("the counter to move again", () -> sizeQuietly(file) > frozenAt);
        System.out.println("[CgroupHostTest] frozen process state: " + state + ", thawed: " + procState(p.pid()));

        Cgroup.Stats s = cg.stats();
        assertThat(s.cpuUsageNanos()).isPositive();
    }

    static long sizeQuietly(Path f) {
        try {
            return size(f);
        } catch (IOException e) {
            return 0;
        }
    }

    @Test
    void killAllWithSigkillEvenWhenFrozenThenDestroyRemovesEveryDirectory() throws Exception {
        Cgroup cg = made(layout, path);
        Process a = start("/bin/sleep", "60");
        Process b = counter(tmp.resolve("count"));
        cg.addProcess(a.pid());
        cg.addProcess(b.pid());
        assertThat(new HashSet<>(cg.pids())).containsExactlyInAnyOrder(a.pid(), b.pid());

        assertThatThrownBy(cg::destroy).as("processes still inside")
                .isInstanceOf(CgroupException.class).hasMessageContaining("Device or resource busy");
        assertThat(cg.hostDirs().values()).allMatch(Files::isDirectory);

        cg.freeze(); // a paused container being killed
        cg.killAll(dev.berth.runtime.linux.Signals.SIGKILL);
        assertThat(a.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(b.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(a.exitValue()).isEqualTo(128 + 9);
        assertThat(cg.isFrozen()).isFalse();
        await("an empty cgroup", () -> cg.pids().isEmpty());

        cg.destroy();
        for (Path d : cg.hostDirs().values()) {
            assertThat(d).doesNotExist();
            assertThat(d.getParent()).as("parents stay").isDirectory();
        }
        cg.destroy(); // again: nothing to do
    }

    @Test
    void killAllWithSigtermReachesSubCgroupsAndDestroyRemovesThemFirst() throws Exception {
        Cgroup cg = made(layout, path);
        Cgroup sub = Cgroup.of(layout, path + "/sub"); // as a container with its own cgroup namespace might make
        sub.create();
        Process p = start("/bin/sleep", "60");
        Process q = start("/bin/sleep", "60");
        cg.addProcess(p.pid());
        sub.addProcess(q.pid());
        assertThat(cg.pids()).containsExactly(p.pid());

        cg.killAll(dev.berth.runtime.linux.Signals.SIGTERM); // freeze, kill(2) each pid, thaw
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(q.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(128 + 15);
        assertThat(q.exitValue()).isEqualTo(128 + 15);
        assertThat(cg.isFrozen()).isFalse();

        cg.destroy();
        assertThat(cg.hostDirs().values()).noneMatch(Files::exists);
        cg.killAll(dev.berth.runtime.linux.Signals.SIGTERM); // a cgroup that is gone: nothing to do
    }

    /** The cgroup2 tree alone: on a hybrid host it has no controllers, yet membership, freeze and kill work. */
    @Test
    void unifiedTreeAloneFreezesAndKillsWithoutControllers() throws Exception {
        assumeTrue(layout.hasUnified(), "no cgroup2 tree on this host");
        String only = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream()
                .filter(l -> l.contains(" - cgroup2 ")).findFirst().orElseThrow();
        CgroupLayout v2 = CgroupLayout.fromMountinfo(only, Path.of("/"));
        assertThat(v2.mode()).isEqualTo(CgroupLayout.Mode.UNIFIED);
        Cgroup cg = made(v2, path + "-v2");
        Path dir = cg.unifiedDir().orElseThrow();
        try (var files = Files.list(dir)) {
            System.out.println("[CgroupHostTest] files in a v2 cgroup here: "
                    + files.map(f -> f.getFileName().toString()).sorted().toList());
        }
        assertThat(dir.resolve("cgroup.freeze")).exists();
        assertThat(dir.resolve("cgroup.kill")).exists();

        Path file = tmp.resolve("count");
        Process p = counter(file);
        cg.addProcess(p.pid());
        assertThat(procCgroup(p.pid()).get(Set.of())).isEqualTo(path + "-v2");
        assertThat(cg.pids()).containsExactly(p.pid());
        await("the counter to run", () -> sizeQuietly(file) > 0);

        cg.freeze();
        assertThat(Files.readString(dir.resolve("cgroup.events"))).contains("frozen 1");
        long frozenAt = size(file);
        Thread.sleep(300);
        assertThat(size(file)).isEqualTo(frozenAt);
        System.out.println("[CgroupHostTest] v2-frozen process state: " + procState(p.pid()));
        cg.thaw();
        assertThat(Files.readString(dir.resolve("cgroup.events"))).contains("frozen 0");
        await("the counter to move again", () -> sizeQuietly(file) > frozenAt);

        Cgroup.Stats s = cg.stats();
        System.out.println("[CgroupHostTest] v2-only " + s);
        assertThat(s.cpuUsageNanos()).as("cpu.stat is a core file").isPositive();

        cg.killAll(dev.berth.runtime.linux.Signals.SIGKILL); // cgroup.kill
        assertThat(p.waitFor(5, TimeUnit.SECONDS)).isTrue();
        assertThat(p.exitValue()).isEqualTo(128 + 9);
        await("populated 0", () -> CgroupFixture.read(dir.resolve("cgroup.events")).contains("populated 0"));
        cg.destroy();
        assertThat(dir).doesNotExist();
    }
}
