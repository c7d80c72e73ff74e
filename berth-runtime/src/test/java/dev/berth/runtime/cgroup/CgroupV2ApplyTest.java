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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.berth.runtime.cgroup.CgroupFixture.files;
import static dev.berth.runtime.cgroup.CgroupFixture.read;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** cgroup v2 writes, on a fake unified host (cgroup2 at /sys/fs/cgroup) in a temporary directory. */
class CgroupV2ApplyTest {
    static final String ALL = "cpuset cpu io memory hugetlb pids rdma misc";

    @TempDir
    Path root;
    Path fs;
    Recording io;
    CgroupLayout layout;

    @BeforeEach
    void fakeHost() {
        fs = root.resolve("sys/fs/cgroup");
        files(fs, "cgroup.controllers=" + ALL + "\n", "cgroup.subtree_control=\n");
        layout = CgroupLayout.fromMountinfo(CgroupFixture.UNIFIED, root);
        io = new Recording(root);
    }

    /** A v2 directory as the kernel would show it with these controllers enabled by the parent. */
    Path fakeDir(String path, String offered) {
        Path d = fs.resolve(path.substring(1));
        files(d, "cgroup.controllers=" + offered + "\n", "cgroup.subtree_control=\n", "cgroup.procs=",
                "cgroup.events=populated 0\nfrozen 0\n", "cgroup.freeze=0\n", "cgroup.kill=", "cpu.stat=usage_usec 0\n");
        if (offered.contains("memory")) {
            files(d, "memory.max=max\n", "memory.low=0\n", "memory.swap.max=max\n", "memory.current=0\n",
                    "memory.events=low 0\nhigh 0\nmax 0\noom 0\noom_kill 0\n", "memory.high=max\n");
        }
        if (offered.contains("cpu ") || offered.endsWith("cpu")) files(d, "cpu.weight=100\n", "cpu.max=max 100000\n", "cpu.idle=0\n");
        if (offered.contains("cpuset")) files(d, "cpuset.cpus=\n", "cpuset.mems=\n");
        if (offered.contains("pids")) files(d, "pids.max=max\n", "pids.current=0\n");
        if (offered.contains("io")) files(d, "io.weight=default 100\n", "io.max=", "io.stat=");
        return d;
    }

    @Test
    void createEnablesNeededControllersInEveryAncestorButNotTheLeaf() {
        fakeDir("/berth", ALL);
        Path leaf = fakeDir("/berth/c1", "");
        Cgroup.of(layout, "/berth/c1", io).create();
        assertThat(io.writes).containsExactly(
                "sys/fs/cgroup/cgroup.subtree_control=+cpu +cpuset +io +memory +pids",
                "sys/fs/cgroup/berth/cgroup.subtree_control=+cpu +cpuset +io +memory +pids");
        assertThat(read(leaf.resolve("cgroup.subtree_control"))).isBlank();
    }

    @Test
    void createEnablesOnlyWhatIsMissingAndOfferedAndSkipsRefusals() throws Exception {
        Files.writeString(fs.resolve("cgroup.subtree_control"), "cpu memory\n");
        Path berth = fakeDir("/berth", "cpu memory pids");
        fakeDir("/berth/c1", "");
        io.rule = (f, v) -> f.startsWith(berth) && v.contains("+pids") ? "Device or resource busy" : null;
        Cgroup.of(layout, "/berth/c1", io).create();
        assertThat(io.writes).containsExactly(
                "sys/fs/cgroup/cgroup.subtree_control=+cpuset +io +pids",
                "sys/fs/cgroup/berth/cgroup.subtree_control=+cpu",
                "sys/fs/cgroup/berth/cgroup.subtree_control=+memory");
    }

    @Test
    void applyWritesEveryV2FileAndConvertsV1Values() {
        Path d = fakeDir("/berth/c1", ALL);
        Cgroup cg = Cgroup.of(layout, "/berth/c1", io);
        Map<String, String> unified = new LinkedHashMap<>();
        unified.put("memory.high", "50000000");
        unified.put("pids.max", "7");
        Resources r = new Resources(
                new Memory(64L << 20, 32L << 20, 96L << 20, 10L, true),
                new Cpu(1024L, 50_000L, 100_000L, "1-2", "0", 0L),
                new Pids(32),
                new BlockIO(500, List.of(new ThrottleDevice(8, 0, 1_000_000), new ThrottleDevice(8, 16, 3)),
                        List.of(new ThrottleDevice(8, 0, 500_000))),
                List.of(new DeviceRule(false, "a", null, null, "rwm")),
                unified);

        List<String> warnings = cg.apply(r);

        assertThat(io.writesIn(d)).containsExactly(
                "memory.swap.max=33554432", "memory.max=67108864", "memory.low=33554432",
                "cpu.weight=39", "cpu.max=50000 100000", "cpu.idle=0",
                "cpuset.cpus=1-2", "cpuset.mems=0",
                "pids.max=32",
                "io.weight=4950", "io.max=8:0 rbps=1000000 wbps=500000", "io.max=8:16 rbps=3",
                "memory.high=50000000", "pids.max=7");
        assertThat(warnings).hasSize(3);
        assertThat(warnings.get(0)).contains("swappiness");
        assertThat(warnings.get(1)).contains("disableOOMKiller");
        assertThat(warnings.get(2)).contains("devices").contains("eBPF");
    }

    @Test
    void bfqWeightKeepsBlkioRangeAndMissingSwapFileWarns() throws Exception {
        Path d = fakeDir("/berth/c1", ALL);
        files(d, "io.bfq.weight=100\n");
        Files.delete(d.resolve("memory.swap.max"));
        List<String> w = Cgroup.of(layout, "/berth/c1", io).apply(new Resources(
                new Memory(100L, null, 200L, null, null), null, null, new BlockIO(500, null, null), List.of(), Map.of()));
        assertThat(io.writesIn(d)).containsExactly("memory.max=100", "io.bfq.weight=500");
        assertThat(w).singleElement().asString().contains("memory.swap.max does not exist");
    }

    @Test
    void cpuWeightFromShares() {
        assertThat(V2Resources.cpuWeight(2)).isEqualTo(1);
        assertThat(V2Resources.cpuWeight(1024)).isEqualTo(39);
        assertThat(V2Resources.cpuWeight(512)).isEqualTo(20);
        assertThat(V2Resources.cpuWeight(262144)).isEqualTo(10000);
        assertThat(V2Resources.cpuWeight(1)).isEqualTo(1);
        assertThat(V2Resources.cpuWeight(1_000_000)).isEqualTo(10000);
        assertThat(V2Resources.ioWeight(10)).isEqualTo(1);
        assertThat(V2Resources.ioWeight(1000)).isEqualTo(10000);
    }

    @Test
    void cpuMaxFormats() {
        assertThat(V2Resources.cpuMax(50_000L, 100_000L)).isEqualTo("50000 100000");
        assertThat(V2Resources.cpuMax(-1L, 100_000L)).isEqualTo("max 100000");
        assertThat(V2Resources.cpuMax(null, 100_000L)).isEqualTo("max 100000");
        assertThat(V2Resources.cpuMax(50_000L, null)).isEqualTo("50000");
        assertThat(V2Resources.cpuMax(-1L, null)).isEqualTo("max");
        assertThat(V2Resources.cpuMax(null, null)).isNull();
        assertThat(V2Resources.cpuMax(0L, 0L)).isNull();
    }

    @Test
    void swapMaxIsTotalMinusMemory() {
        long g = 1L << 30;
        assertThat(V2Resources.swapMax(g, 2 * g)).isEqualTo(Long.toString(g));
        assertThat(V2Resources.swapMax(g, g)).isEqualTo("0");
        assertThat(V2Resources.swapMax(g, -1L)).isEqualTo("max");
        assertThat(V2Resources.swapMax(-1L, null)).isEqualTo("max");
        assertThat(V2Resources.swapMax(-1L, -1L)).isEqualTo("max");
        assertThat(V2Resources.swapMax(g, null)).isNull();
        assertThat(V2Resources.swapMax(g, 0L)).isNull();
        assertThat(V2Resources.swapMax(null, null)).isNull();
        assertThatThrownBy(() -> V2Resources.swapMax(null, 2 * g)).hasMessageContaining("needs a memory limit");
        assertThatThrownBy(() -> V2Resources.swapMax(-1L, 2 * g)).hasMessageContaining("needs a memory limit");
        assertThatThrownBy(() -> V2Resources.swapMax(2 * g, g)).hasMessageContaining("below memory.limit");
    }

    @Test
    void unifiedKeysAreCheckedAndEnableTheirController() {
        fakeDir("/berth", ALL);
        Path d = fakeDir("/berth/c1", "cpu memory");
        files(d, "hugetlb.2MB.max=max\n");
        Cgroup cg = Cgroup.of(layout, "/berth/c1", io);
        cg.apply(new Resources(null, null, null, null, List.of(), Map.of("hugetlb.2MB.max", "4194304")));
        assertThat(io.writes).containsExactly(
                "sys/fs/cgroup/cgroup.subtree_control=+hugetlb", "sys/fs/cgroup/berth/cgroup.subtree_control=+hugetlb",
                "sys/fs/cgroup/berth/c1/hugetlb.2MB.max=4194304");
        assertThatThrownBy(() -> cg.apply(new Resources(null, null, null, null, List.of(), Map.of("../../x.y", "1"))))
                .hasMessageContaining("not a cgroup v2 file name");
        assertThatThrownBy(() -> cg.apply(new Resources(null, null, null, null, List.of(), Map.of("rdma.max", "1"))))
                .hasMessageContaining("rdma.max does not exist").hasMessageContaining("controller \"rdma\"");
    }

    @Test
    void statsAndOomFromV2Files() {
        Path d = fakeDir("/berth/c1", ALL);
        files(d, "cpu.stat=usage_usec 1500\nuser_usec 1000\nsystem_usec 500\n", "memory.current=8192\n",
                "memory.max=67108864\n", "memory.events=low 0\nhigh 0\nmax 4\noom 2\noom_kill 2\n",
                "pids.current=3\n", "io.stat=8:0 rbytes=100 wbytes=10 rios=1 wios=1 dbytes=0 dios=0\n"
                        + "8:16 rbytes=5 wbytes=7 rios=1 wios=1 dbytes=0 dios=0\n", "cgroup.procs=7\n8\n");
        Cgroup cg = Cgroup.of(layout, "/berth/c1", io);
        Cgroup.Stats s = cg.stats();
        assertThat(s).isEqualTo(new Cgroup.Stats(1_500_000, 8192, java.util.OptionalLong.of(67108864), 3,
                java.util.OptionalLong.empty(), 105, 17));
        assertThat(cg.oomKillCount()).isEqualTo(2);
        assertThat(cg.pids()).containsExactly(7L, 8L);
        assertThat(cg.hostDirs()).containsExactly(Map.entry(Cgroup.UNIFIED, d));
        assertThat(cg.procsFiles()).containsExactly(d.resolve("cgroup.procs"));
    }

    @Test
    void freezeWaitsForCgroupEventsAndKillUsesCgroupKill() {
        Path d = fakeDir("/berth/c1", "");
        // The fake kernel: cgroup.freeze takes effect in cgroup.events at once.
        Recording kernel = new Recording(root) {
            @Override
            void write(Path file, String value) {
                super.write(file, value);
                if (file.getFileName().toString().equals("cgroup.freeze")) {
                    super.write(d.resolve("cgroup.events"), "populated 1\nfrozen " + value + "\n");
                }
            }
        };
        Cgroup cg = Cgroup.of(layout, "/berth/c1", kernel);
        cg.freeze();
        assertThat(cg.isFrozen()).isTrue();
        cg.thaw();
        assertThat(cg.isFrozen()).isFalse();
        kernel.writes.clear();
        cg.killAll(dev.berth.runtime.linux.Signals.SIGKILL); // the fake's pids are never signalled: cgroup.kill exists
        assertThat(kernel.writes).containsExactly("sys/fs/cgroup/berth/c1/cgroup.kill=1");
    }

    @Test
    void freezeTimesOutWhenTheKernelNeverSaysFrozen() {
        fakeDir("/berth/c1", "");
        Cgroup cg = Cgroup.of(layout, "/berth/c1", io);
        long t0 = System.nanoTime();
        assertThatThrownBy(cg::freeze).hasMessageContaining("cgroup.events: no \"frozen 1\"");
        assertThat(System.nanoTime() - t0).isGreaterThan(4_000_000_000L);
        assertThat(io.writes).containsExactly("sys/fs/cgroup/berth/c1/cgroup.freeze=1", "sys/fs/cgroup/berth/c1/cgroup.freeze=0");
    }
}
