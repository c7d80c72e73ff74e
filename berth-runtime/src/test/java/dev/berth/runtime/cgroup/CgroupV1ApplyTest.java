package dev.berth.runtime.cgroup;

import dev.berth.oci.runtime.RuntimeSpec.BlockIO;
import dev.berth.oci.runtime.RuntimeSpec.Cpu;
import dev.berth.oci.runtime.RuntimeSpec.DeviceRule;
import dev.berth.oci.runtime.RuntimeSpec.Memory;
import dev.berth.oci.runtime.RuntimeSpec.Pids;
import dev.berth.oci.runtime.RuntimeSpec.Resources;
import dev.berth.oci.runtime.RuntimeSpec.ThrottleDevice;
import dev.berth.runtime.cgroup.CgroupFixture.Recording;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static dev.berth.runtime.cgroup.CgroupFixture.files;
import static dev.berth.runtime.cgroup.CgroupFixture.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** cgroup v1 writes, on a fake v1 host (comounted cpu,cpuacct; no cgroup2) in a temporary directory. */
class CgroupV1ApplyTest {
    static final String UNLIMITED = "9223372036854771712";

    @TempDir
    Path root;
    Path fs;
    Recording io;
    CgroupLayout layout;

    @BeforeEach
    void fakeHost() {
        fs = root.resolve("sys/fs/cgroup");
        files(fs.resolve("cpuset"), "cpuset.cpus=0-3\n", "cpuset.mems=0\n");
        layout = CgroupLayout.fromMountinfo(CgroupFixture.V1, root);
        io = new Recording(root);
    }

    /** The files the kernel would put in a new cgroup at path, with their defaults. */
    void fakeKernelFiles(String path) {
        String rel = path.substring(1);
        files(fs.resolve("memory").resolve(rel), "memory.limit_in_bytes=" + UNLIMITED + "\n",
                "memory.memsw.limit_in_bytes=" + UNLIMITED + "\n", "memory.soft_limit_in_bytes=" + UNLIMITED + "\n",
                "memory.swappiness=60\n", "memory.oom_control=oom_kill_disable 0\nunder_oom 0\noom_kill 0\n",
                "memory.usage_in_bytes=0\n", "cgroup.procs=");
        files(fs.resolve("cpu,cpuacct").resolve(rel), "cpu.shares=1024\n", "cpu.cfs_quota_us=-1\n",
                "cpu.cfs_period_us=100000\n", "cpu.idle=0\n", "cpuacct.usage=0\n", "cgroup.procs=");
        files(fs.resolve("cpuset").resolve(rel), "cpuset.cpus=\n", "cpuset.mems=\n", "cgroup.procs=");
        files(fs.resolve("pids").resolve(rel), "pids.max=max\n", "pids.current=0\n", "cgroup.procs=");
        files(fs.resolve("blkio").resolve(rel), "blkio.weight=500\n", "blkio.throttle.read_bps_device=",
                "blkio.throttle.write_bps_device=", "blkio.throttle.io_service_bytes=Total 0\n", "cgroup.procs=");
        files(fs.resolve("devices").resolve(rel), "devices.allow=", "devices.deny=", "cgroup.procs=");
        files(fs.resolve("freezer").resolve(rel), "freezer.state=THAWED\n", "cgroup.procs=");
        files(fs.resolve("net_cls,net_prio").resolve(rel), "cgroup.procs=");
        files(fs.resolve("systemd").resolve(rel), "cgroup.procs=");
    }

    Cgroup cgroup(String path) {
        fakeKernelFiles(path);
        return Cgroup.of(layout, path, io);
    }

    @Test
    void createCopiesCpusetFromParentIntoEveryEmptyLevel() {
        Cgroup cg = cgroup("/berth/c1");
        files(fs.resolve("cpuset/berth"), "cpuset.cpus=\n", "cpuset.mems=\n"); // new, empty, like the kernel makes it
        cg.create();
        assertThat(io.writes).containsExactly(
                "sys/fs/cgroup/cpuset/berth/cpuset.cpus=0-3", "sys/fs/cgroup/cpuset/berth/cpuset.mems=0",
                "sys/fs/cgroup/cpuset/berth/c1/cpuset.cpus=0-3", "sys/fs/cgroup/cpuset/berth/c1/cpuset.mems=0");
        assertThat(Files.isDirectory(fs.resolve("net_cls,net_prio/berth/c1"))).isTrue();
        assertThat(Files.isDirectory(fs.resolve("systemd/berth/c1"))).isTrue();
    }

    @Test
    void createKeepsAParentsOwnCpuset() {
        Cgroup cg = cgroup("/berth/c1");
        files(fs.resolve("cpuset/berth"), "cpuset.cpus=2-3\n", "cpuset.mems=0\n");
        cg.create();
        assertThat(io.writes).containsExactly(
                "sys/fs/cgroup/cpuset/berth/c1/cpuset.cpus=2-3", "sys/fs/cgroup/cpuset/berth/c1/cpuset.mems=0");
    }

    @Test
    void applyWritesEveryV1File() {
        Cgroup cg = cgroup("/berth/c1");
        Resources r = new Resources(
                new Memory(64L << 20, 32L << 20, 128L << 20, 10L, true),
                new Cpu(512L, 50_000L, 100_000L, "1-2", "0", 1L),
                new Pids(32),
                new BlockIO(300, List.of(new ThrottleDevice(8, 0, 1_000_000), new ThrottleDevice(8, 16, 2_000_000)),
                        List.of(new ThrottleDevice(8, 0, 500_000))),
                List.of(new DeviceRule(false, "a", null, null, "rwm"), new DeviceRule(true, "c", 1L, 3L, "rwm"),
                        new DeviceRule(true, "c", null, null, "m"), new DeviceRule(false, "b", 8L, null, "w")),
                Map.of());

        List<String> warnings = cg.apply(r);

        assertThat(warnings).isEmpty();
        assertThat(io.writesIn(fs.resolve("memory/berth/c1"))).containsExactly(
                "memory.limit_in_bytes=67108864", "memory.memsw.limit_in_bytes=134217728",
                "memory.soft_limit_in_bytes=33554432", "memory.swappiness=10", "memory.oom_control=1");
        assertThat(io.writesIn(fs.resolve("cpu,cpuacct/berth/c1"))).containsExactly(
                "cpu.shares=512", "cpu.cfs_period_us=100000", "cpu.cfs_quota_us=50000", "cpu.idle=1");
        assertThat(io.writesIn(fs.resolve("cpuset/berth/c1"))).containsExactly("cpuset.cpus=1-2", "cpuset.mems=0");
        assertThat(io.writesIn(fs.resolve("pids/berth/c1"))).containsExactly("pids.max=32");
        assertThat(io.writesIn(fs.resolve("blkio/berth/c1"))).containsExactly(
                "blkio.weight=300", "blkio.throttle.read_bps_device=8:0 1000000",
                "blkio.throttle.read_bps_device=8:16 2000000", "blkio.throttle.write_bps_device=8:0 500000");
        assertThat(io.writesIn(fs.resolve("devices/berth/c1"))).containsExactly(
                "devices.deny=a", "devices.allow=c 1:3 rwm", "devices.allow=c *:* m", "devices.deny=b 8:* w");
        assertThat(read(fs.resolve("memory/berth/c1/memory.limit_in_bytes"))).isEqualTo("67108864");
    }

    @Test
    void memswOrderFollowsTheKernelRule() {
        Cgroup cg = cgroup("/berth/c1");
        Path mem = fs.resolve("memory/berth/c1");
        // The kernel's check: memory.limit_in_bytes <= memory.memsw.limit_in_bytes at all times.
        io.rule = (file, value) -> {
            long v = Long.parseLong(value);
            long limit = Long.parseLong(read(mem.resolve("memory.limit_in_bytes")).strip());
            long memsw = Long.parseLong(read(mem.resolve("memory.memsw.limit_in_bytes")).strip());
            if (memsw == -1) memsw = Long.MAX_VALUE; // the fake keeps what was written; the kernel shows a huge number
            if (v == -1) return null;
            if (file.endsWith("memory.limit_in_bytes") && v > memsw) return "Invalid argument";
            if (file.endsWith("memory.memsw.limit_in_bytes") && v < limit) return "Invalid argument";
            return null;
        };
        cg.apply(memory(100, 100));
        assertThat(io.writesIn(mem)).containsExactly("memory.limit_in_bytes=100", "memory.memsw.limit_in_bytes=100");
        io.writes.clear();
        cg.apply(memory(200, 300)); // raising: memsw first
        assertThat(io.writesIn(mem)).containsExactly("memory.memsw.limit_in_bytes=300", "memory.limit_in_bytes=200");
        io.writes.clear();
        cg.apply(memory(50, 60)); // lowering: memory first
        assertThat(io.writesIn(mem)).containsExactly("memory.limit_in_bytes=50", "memory.memsw.limit_in_bytes=60");
        io.writes.clear();
        cg.apply(memory(80, -1)); // unlimited swap: memsw first
        assertThat(io.writesIn(mem)).containsExactly("memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=80");

        assertThat(V1Resources.swapFirst(Long.MAX_VALUE, 100)).isFalse();
        assertThat(V1Resources.swapFirst(100, 100)).isFalse();
        assertThat(V1Resources.swapFirst(99, 100)).isTrue();
    }

    static Resources memory(long limit, long swap) {
        return new Resources(new Memory(limit, null, swap, null, null), null, null, null, List.of(), Map.of());
    }

    @Test
    void unlimitedMemoryWithSwapUnsetLiftsSwapToo() {
        Cgroup cg = cgroup("/berth/c1");
        cg.apply(new Resources(new Memory(-1L, null, null, null, false), null, null, null, List.of(), Map.of()));
        assertThat(io.writesIn(fs.resolve("memory/berth/c1"))).containsExactly(
                "memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=-1", "memory.oom_control=0");
    }

    @Test
    void missingSwapAccountingAndWeightFilesAreWarningsNotFailures() throws Exception {
        Cgroup cg = cgroup("/berth/c1");
        Files.delete(fs.resolve("memory/berth/c1/memory.memsw.limit_in_bytes"));
        Files.delete(fs.resolve("blkio/berth/c1/blkio.weight"));

        List<String> warnings = cg.apply(new Resources(new Memory(64L << 20, null, 128L << 20, null, null), null, null,
                new BlockIO(300, null, null), List.of(), Map.of()));

        assertThat(io.writes).containsExactly("sys/fs/cgroup/memory/berth/c1/memory.limit_in_bytes=67108864");
        assertThat(warnings).hasSize(2);
        assertThat(warnings.get(0)).contains("memory.swap 134217728 ignored").contains("memory.memsw.limit_in_bytes")
                .contains("swapaccount=1");
        assertThat(warnings.get(1)).contains("blockIO.weight 300 ignored").contains("blkio.bfq.weight");
    }

    @Test
    void bfqWeightIsUsedWhenThatIsWhatExists() throws Exception {
        Cgroup cg = cgroup("/berth/c1");
        Files.delete(fs.resolve("blkio/berth/c1/blkio.weight"));
        files(fs.resolve("blkio/berth/c1"), "blkio.bfq.weight=100\n");
        assertThat(cg.apply(new Resources(null, null, null, new BlockIO(300, null, null), List.of(), Map.of()))).isEmpty();
        assertThat(io.writes).containsExactly("sys/fs/cgroup/blkio/berth/c1/blkio.bfq.weight=300");
    }

    @Test
    void refusedPeriodIsRetriedAfterTheQuota() {
        Cgroup cg = cgroup("/berth/c1");
        int[] periodWrites = {0};
        io.rule = (file, value) -> file.endsWith("cpu.cfs_period_us") && periodWrites[0]++ == 0 ? "Invalid argument" : null;
        cg.apply(new Resources(null, new Cpu(null, 20_000L, 50_000L, null, null, null), null, null, List.of(), Map.of()));
        assertThat(io.writesIn(fs.resolve("cpu,cpuacct/berth/c1"))).containsExactly(
                "cpu.cfs_quota_us=20000", "cpu.cfs_period_us=50000");

        io.writes.clear();
        periodWrites[0] = 0;
        assertThatThrownBy(() -> cg.apply(new Resources(null, new Cpu(null, null, 50_000L, null, null, null), null,
                null, List.of(), Map.of()))).hasMessageContaining("cpu.cfs_period_us: cannot write \"50000\": Invalid argument");
    }

    @Test
    void writeFailureNamesFileValueAndReason() throws Exception {
        Cgroup cg = cgroup("/berth/c1");
        Path limit = fs.resolve("memory/berth/c1/memory.limit_in_bytes");
        Files.delete(limit);
        Files.createDirectory(limit); // opening a directory for writing fails like a kernel refusal would
        assertThatThrownBy(() -> cg.apply(memory(12, 0)))
                .isInstanceOf(CgroupException.class)
                .hasMessage("cgroup " + limit + ": cannot write \"12\": Is a directory");
        Files.delete(limit);
        assertThatThrownBy(() -> cg.apply(memory(12, 0)))
                .hasMessage("cgroup " + limit + ": cannot write \"12\": No such file or directory");
        assertThat(Files.exists(limit)).as("a missing control file is never created").isFalse();
    }

    @Test
    void pidsZeroOrLessIsUnlimitedAndUnifiedNeedsV2() {
        Cgroup cg = cgroup("/berth/c1");
        cg.apply(new Resources(null, null, new Pids(-1), null, List.of(), Map.of()));
        assertThat(io.writes).containsExactly("sys/fs/cgroup/pids/berth/c1/pids.max=max");
        assertThatThrownBy(() -> cg.apply(new Resources(null, null, null, null, List.of(), Map.of("memory.high", "1"))))
                .hasMessageContaining("needs a cgroup v2 tree");
    }

    @Test
    void deviceRuleText() {
        assertThat(V1Resources.deviceRule(new DeviceRule(true, null, null, null, null))).isEqualTo("a");
        assertThat(V1Resources.deviceRule(new DeviceRule(true, "c", 10L, 200L, "rw"))).isEqualTo("c 10:200 rw");
        assertThat(V1Resources.deviceRule(new DeviceRule(true, "b", -1L, -1L, ""))).isEqualTo("b *:* rwm");
        assertThatThrownBy(() -> V1Resources.deviceRule(new DeviceRule(true, "x", 1L, 1L, "r"))).hasMessageContaining("type");
        assertThatThrownBy(() -> V1Resources.deviceRule(new DeviceRule(true, "c", 1L, 1L, "rx"))).hasMessageContaining("access");
    }

    @Test
    void hostDirsProcsFilesAndStats() throws Exception {
        Cgroup cg = cgroup("/berth/c1");
        Path cpu = fs.resolve("cpu,cpuacct/berth/c1");
        assertThat(cg.hostDirs()).containsEntry("cpu", cpu).containsEntry("cpuacct", cpu)
                .containsEntry("name=systemd", fs.resolve("systemd/berth/c1")).doesNotContainKey(Cgroup.UNIFIED)
                .hasSize(11);
        assertThat(cg.procsFiles()).hasSize(9).contains(cpu.resolve("cgroup.procs"))
                .doesNotHaveDuplicates();

        files(cpu, "cpuacct.usage=123456789\n");
        files(fs.resolve("memory/berth/c1"), "memory.usage_in_bytes=4096\n",
                "memory.oom_control=oom_kill_disable 0\nunder_oom 0\noom_kill 3\n");
        files(fs.resolve("pids/berth/c1"), "pids.current=2\n", "pids.max=32\n", "cgroup.procs=10\n11\n");
        files(fs.resolve("blkio/berth/c1"), "blkio.throttle.io_service_bytes=8:0 Read 100\n8:0 Write 10\n8:0 Sync 110\n"
                + "8:0 Total 110\n8:16 Read 5\n8:16 Write 7\nTotal 122\n");
        Cgroup.Stats s = cg.stats();
        assertThat(s.cpuUsageNanos()).isEqualTo(123456789);
        assertThat(s.memoryUsageBytes()).isEqualTo(4096);
        assertThat(s.memoryLimitBytes()).as("unlimited").isEmpty();
        assertThat(s.pidsCurrent()).isEqualTo(2);
        assertThat(s.pidsLimit()).hasValue(32);
        assertThat(s.ioReadBytes()).isEqualTo(105);
        assertThat(s.ioWriteBytes()).isEqualTo(17);
        assertThat(cg.oomKillCount()).isEqualTo(3);
        assertThat(cg.pids()).as("from the pids hierarchy: no v2 tree here").containsExactly(10L, 11L);
    }

    @Test
    void freezerStateAndAddProcess() {
        Cgroup cg = cgroup("/berth/c1");
        cg.freeze();
        assertThat(cg.isFrozen()).isTrue();
        cg.thaw();
        assertThat(cg.isFrozen()).isFalse();
        assertThat(io.writes).containsExactly("sys/fs/cgroup/freezer/berth/c1/freezer.state=FROZEN",
                "sys/fs/cgroup/freezer/berth/c1/freezer.state=THAWED");
        io.writes.clear();
        cg.addProcess(4242);
        assertThat(io.writes).hasSize(9).allMatch(w -> w.endsWith("/berth/c1/cgroup.procs=4242"));
    }

    @Test
    void destroyRemovesOnlyThisCgroupAndItsChildrenAndIsIdempotent() throws Exception {
        Cgroup cg = Cgroup.of(layout, "/berth/c1", io);
        for (Path d : cg.hostDirs().values()) Files.createDirectories(d.resolve("sub/deeper"));
        cg.destroy();
        for (Path d : cg.hostDirs().values()) {
            assertThat(d).doesNotExist();
            assertThat(d.getParent()).isDirectory();
        }
        cg.destroy();
    }
}
