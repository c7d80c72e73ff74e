package dev.berth.runtime.plan;

import dev.berth.runtime.plan.Plan.Entry;
import dev.berth.runtime.plan.Plan.Op;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static dev.berth.runtime.plan.CompileFixture.*;
import static dev.berth.runtime.plan.MountOptions.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Rootfs steps of a create plan: mounts, devices, pivot_root, masks, sysctls. */
class PlanCompilerMountsTest {
    private static final long S_IFCHR = 0020000;
    private static final String DEFAULT_MOUNTS = """
            "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
              {"destination":"/dev","type":"tmpfs","source":"tmpfs","options":["nosuid","strictatime","mode=755","size=65536k"]},
              {"destination":"/dev/pts","type":"devpts","source":"devpts","options":["nosuid","noexec","newinstance","ptmxmode=0666"]},
              {"destination":"/sys","type":"sysfs","source":"sysfs","options":["nosuid","noexec","nodev","ro"]}]""";
    private static final String CGROUP_MOUNT = """
            "mounts":[{"destination":"/sys/fs/cgroup","type":"cgroup","source":"cgroup","options":["nosuid","noexec","nodev","relatime","ro"]}]""";

    @TempDir
    Path bundle;
    CompileFixture f;
    Path rootfs;

    @BeforeEach
    void setUp() throws IOException {
        f = new CompileFixture(bundle);
        rootfs = f.rootfs();
    }

    private Plan compile(String linux, String top) throws IOException {
        return f.compile(config("", RUNC_NAMESPACES, linux, top));
    }

    @Test
    void create_mounts_rootMadeSlaveThenRootfsBoundThenConfigOrder() throws IOException {
        Plan p = compile("", DEFAULT_MOUNTS);
        List<Entry> m = all(p, Op.C_MOUNT);
        assertThat(m).extracting(Entry::step).containsExactly("make / rslave", "bind rootfs", "mount /proc", "mount /dev", "mount /dev/pts", "mount /sys");
        assertThat(m.get(0).nums()).containsExactly(MS_SLAVE | MS_REC, 0, 0);
        assertThat(m.get(0).strs()).containsExactly("", "/", "", "");
        assertThat(m.get(1).strs()).containsExactly(rootfs.toString(), rootfs.toString(), "", "");
        assertThat(m.get(1).nums()).containsExactly(MS_BIND | MS_REC, 0, 0);
        assertThat(m.get(2).strs()).containsExactly("proc", rootfs.resolve("proc").toString(), "proc", "");
        assertThat(m.get(2).context()).isEqualTo("proc on " + rootfs.resolve("proc"));
        assertThat(m.get(3).strs()).containsExactly("tmpfs", rootfs.resolve("dev").toString(), "tmpfs", "mode=755,size=65536k");
        assertThat(m.get(3).nums()).containsExactly(MS_NOSUID | MS_STRICTATIME, 1, 0);
        assertThat(m.get(5).nums()).containsExactly(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RDONLY, 1, 0);
    }

    @Test
    void create_pivot_afterAllPrePivotMountsAndDevicesBeforeMasks() throws IOException {
        Plan p = compile("\"maskedPaths\":[\"/proc/kcore\",\"/sys/firmware\"],\"readonlyPaths\":[\"/proc/sys\"]",
                DEFAULT_MOUNTS + ",\"root\":{\"path\":\"rootfs\",\"readonly\":true}");
        int pivot = first(p, Op.C_PIVOT);
        assertThat(indexes(p, Op.C_PIVOT)).hasSize(1);
        assertThat(entry(p, Op.C_PIVOT).strs()).containsExactly(rootfs.toString());
        for (Entry e : mounts(p, "mount ")) assertThat(p.entries().indexOf(e)).as(e.step()).isLessThan(pivot);
        assertThat(last(p, Op.C_MKNOD)).isLessThan(pivot);
        assertThat(last(p, Op.C_SYMLINK)).isLessThan(pivot);
        assertThat(first(p, Op.C_MASK)).isGreaterThan(pivot);
        assertThat(all(p, Op.C_MASK)).extracting(e -> e.strs().getFirst()).containsExactly("/proc/kcore", "/sys/firmware");
        List<Entry> ro = mounts(p, "make /proc/sys read-only");
        assertThat(ro).extracting(Entry::nums).containsExactly(
                new long[]{MS_BIND | MS_REC, 0, 1}, new long[]{MS_BIND | MS_REC | MS_REMOUNT | MS_RDONLY, 0, 1});
        assertThat(p.entries().indexOf(ro.getFirst())).isGreaterThan(pivot);
        Entry rootRo = mounts(p, "make / read-only").getFirst();
        assertThat(rootRo.nums()).containsExactly(MS_BIND | MS_REMOUNT | MS_RDONLY, 0, 0);
        assertThat(p.entries().indexOf(rootRo)).isGreaterThan(pivot);
    }

    @Test
    void create_defaultDevices_mknodForEach() throws IOException {
        Plan p = compile("", DEFAULT_MOUNTS);
        List<Entry> nodes = all(p, Op.C_MKNOD);
        assertThat(nodes).extracting(e -> e.strs().getFirst()).containsExactly(
                rootfs.resolve("dev/null").toString(), rootfs.resolve("dev/zero").toString(), rootfs.resolve("dev/full").toString(),
                rootfs.resolve("dev/tty").toString(), rootfs.resolve("dev/urandom").toString(), rootfs.resolve("dev/random").toString());
        Entry devNull = nodes.getFirst();
        assertThat(devNull.nums()).containsExactly(S_IFCHR | 0666, 1, 3, 0, 0);
        assertThat(devNull.context()).isEqualTo("c 1:3");
        assertThat(devNull.strs().get(1)).isEqualTo(Files.exists(Path.of("/dev/null")) ? "/dev/null" : "");
        assertThat(nodes.get(3).nums()).containsExactly(S_IFCHR | 0666, 5, 0, 0, 0);
        assertThat(all(p, Op.C_SYMLINK)).extracting(e -> e.strs().getFirst()).startsWith(
                "/proc/self/fd", "/proc/self/fd/0", "/proc/self/fd/1", "/proc/self/fd/2").contains("pts/ptmx");
        assertThat(all(p, Op.C_SYMLINK).getFirst().strs().get(1)).isEqualTo(rootfs.resolve("dev/fd").toString());
    }

    @Test
    void create_configuredDevices_replaceDefaultAndMkdirParent() throws IOException {
        Plan p = compile("""
                "devices":[{"type":"c","path":"/dev/null","major":1,"minor":3,"fileMode":384},
                           {"type":"c","path":"/dev/net/tun","major":10,"minor":200,"uid":5,"gid":6},
                           {"type":"b","path":"/dev/loop0","major":7,"minor":0}]""", "");
        List<Entry> nodes = all(p, Op.C_MKNOD);
        assertThat(nodes).hasSize(8);
        assertThat(nodes.stream().filter(e -> e.strs().getFirst().endsWith("/dev/null"))).singleElement()
                .satisfies(e -> assertThat(e.nums()).containsExactly(S_IFCHR | 0600, 1, 3, 0, 0));
        Entry tun = nodes.get(6);
        assertThat(tun.strs().getFirst()).isEqualTo(rootfs.resolve("dev/net/tun").toString());
        assertThat(tun.nums()).containsExactly(S_IFCHR | 0666, 10, 200, 5, 6);
        Entry mkdir = p.entries().get(p.entries().indexOf(tun) - 1);
        assertThat(mkdir.op()).isEqualTo(Op.C_MKDIR);
        assertThat(mkdir.strs()).containsExactly(rootfs.resolve("dev/net").toString());
        assertThat(nodes.get(7).nums()[0]).isEqualTo(0060000 | 0666);
    }

    @Test
    void create_devBindMounted_noDeviceNodes() throws IOException {
        Files.createDirectories(bundle.resolve("hostdev"));
        Plan p = compile("", "\"mounts\":[{\"destination\":\"/dev\",\"type\":\"bind\",\"source\":\"hostdev\",\"options\":[\"rbind\"]}]");
        assertThat(ops(p)).doesNotContain(Op.C_MKNOD, Op.C_SYMLINK);
    }

    @Test
    void create_bindMissingSource_errorNamesMountIndex() {
        assertThatThrownBy(() -> compile("", """
                "mounts":[{"destination":"/proc","type":"proc","source":"proc"},
                          {"destination":"/data","type":"bind","source":"nosuch","options":["rbind"]}]"""))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("mounts[1].source: " + bundle.resolve("nosuch") + ": no such file or directory");
        assertThatThrownBy(() -> compile("", "\"mounts\":[{\"destination\":\"/data\",\"options\":[\"bind\"]}]"))
                .hasMessage("mounts[0].source: a bind mount needs a source");
    }

    @Test
    void create_bindDirectoryReadOnly_bindThenRemountThenPropagation() throws IOException {
        Files.createDirectories(bundle.resolve("data"));
        Plan p = compile("", "\"mounts\":[{\"destination\":\"/data\",\"type\":\"bind\",\"source\":\"data\",\"options\":[\"rbind\",\"ro\",\"nosuid\",\"rprivate\"]}]");
        List<Entry> m = mounts(p, "mount /data");
        String target = rootfs.resolve("data").toString();
        assertThat(m).extracting(Entry::step).containsExactly("mount /data", "mount /data (remount)", "mount /data propagation");
        assertThat(m.get(0).strs()).containsExactly(bundle.resolve("data").toString(), target, "", "");
        assertThat(m.get(0).nums()).containsExactly(MS_BIND | MS_REC, 1, 0);
        assertThat(m.get(1).strs()).containsExactly("", target, "", "");
        assertThat(m.get(1).nums()).containsExactly(MS_BIND | MS_REC | MS_REMOUNT | MS_RDONLY | MS_NOSUID, 0, 0);
        assertThat(m.get(2).nums()).containsExactly(MS_PRIVATE | MS_REC, 0, 0);
    }

    @Test
    void create_bindFile_mkdirModeFileAndSymlinkedTargetResolvedInRootfs() throws IOException {
        Files.writeString(bundle.resolve("hosts"), "127.0.0.1 localhost\n");
        Files.createSymbolicLink(rootfs.resolve("etc"), Path.of("/"));
        Plan p = compile("", "\"mounts\":[{\"destination\":\"/etc/hosts\",\"type\":\"none\",\"source\":\"hosts\",\"options\":[\"bind\"]}]");
        Entry m = mounts(p, "mount /etc/hosts").getFirst();
        assertThat(m.strs()).containsExactly(bundle.resolve("hosts").toString(), rootfs.resolve("hosts").toString(), "", "");
        assertThat(m.nums()).containsExactly(MS_BIND, 2, 0);
        assertThat(mounts(p, "mount /etc/hosts")).hasSize(1);
    }

    @Test
    void create_cgroupMountNonUnified_tmpfsPlusBindPerDirectory() throws IOException {
        Map<String, Path> dirs = new LinkedHashMap<>();
        dirs.put("memory", Path.of("/sys/fs/cgroup/memory/berth/c1"));
        dirs.put("cpu,cpuacct", Path.of("/sys/fs/cgroup/cpu,cpuacct/berth/c1"));
        f.cgroupDirs = dirs;
        f.cgroupUnified = false;
        Plan p = compile("", CGROUP_MOUNT);
        Path target = rootfs.resolve("sys/fs/cgroup");
        long flags = MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME;
        List<Entry> m = mounts(p, "mount /sys/fs/cgroup");
        assertThat(m).extracting(Entry::step).containsExactly("mount /sys/fs/cgroup",
                "mount /sys/fs/cgroup/memory", "mount /sys/fs/cgroup/memory (remount)",
                "mount /sys/fs/cgroup/cpu,cpuacct", "mount /sys/fs/cgroup/cpu,cpuacct (remount)", "mount /sys/fs/cgroup (remount)");
        assertThat(m.get(0).strs()).containsExactly("tmpfs", target.toString(), "tmpfs", "mode=755");
        assertThat(m.get(0).nums()).containsExactly(flags, 1, 0);
        assertThat(m.get(1).strs()).containsExactly("/sys/fs/cgroup/memory/berth/c1", target.resolve("memory").toString(), "", "");
        assertThat(m.get(1).nums()).containsExactly(MS_BIND | MS_REC, 1, 0);
        assertThat(m.get(2).nums()).containsExactly(MS_BIND | MS_REMOUNT | MS_RDONLY | flags, 0, 0);
        assertThat(m.get(3).strs().getFirst()).isEqualTo("/sys/fs/cgroup/cpu,cpuacct/berth/c1");
        assertThat(m.get(5).nums()).containsExactly(MS_REMOUNT | MS_RDONLY | flags, 0, 0);
    }

    @Test
    void create_cgroupMountUnifiedNoCgroupNs_bindOwnCgroupReadOnly() throws IOException {
        List<Entry> m = mounts(compile("", CGROUP_MOUNT), "mount /sys/fs/cgroup");
        assertThat(m).hasSize(2);
        assertThat(m.get(0).strs()).containsExactly(CGROUP.toString(), rootfs.resolve("sys/fs/cgroup").toString(), "", "");
        assertThat(m.get(0).nums()).containsExactly(MS_BIND | MS_REC, 1, 0);
        assertThat(m.get(1).nums()).containsExactly(MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME, 0, 0);
    }

    @Test
    void create_cgroupMountUnifiedWithCgroupNs_cgroup2Mount() throws IOException {
        Plan p = f.compile(config("", "[{\"type\":\"mount\"},{\"type\":\"cgroup\"}]", "", CGROUP_MOUNT));
        List<Entry> m = mounts(p, "mount /sys/fs/cgroup");
        assertThat(m).hasSize(1);
        assertThat(m.get(0).strs()).containsExactly("cgroup2", rootfs.resolve("sys/fs/cgroup").toString(), "cgroup2", "");
        assertThat(m.get(0).nums()).containsExactly(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY, 1, 0);
    }

    @Test
    void create_rootfsPropagationPrivate_rootMadePrivate() throws IOException {
        Entry first = all(compile("\"rootfsPropagation\":\"private\"", ""), Op.C_MOUNT).getFirst();
        assertThat(first.step()).isEqualTo("make / private");
        assertThat(first.nums()).containsExactly(MS_PRIVATE, 0, 0);
    }

    @Test
    void create_rootfsPropagationShared_slaveFirstSharedAfterPivot() throws IOException {
        Plan p = compile("\"rootfsPropagation\":\"rshared\"", "");
        assertThat(all(p, Op.C_MOUNT).getFirst().nums()).containsExactly(MS_SLAVE | MS_REC, 0, 0);
        Entry shared = mounts(p, "make / rshared").getLast();
        assertThat(shared.nums()).containsExactly(MS_SHARED | MS_REC, 0, 0);
        assertThat(p.entries().indexOf(shared)).isGreaterThan(first(p, Op.C_PIVOT));
    }

    @Test
    void create_sysctl_writesProcSysAfterPivot() throws IOException {
        Plan p = compile("\"sysctl\":{\"net.ipv4.ip_forward\":\"1\",\"kernel.msgmax\":\"8192\"}", "");
        assertThat(all(p, Op.C_WRITE)).extracting(Entry::strs).containsExactly(
                List.of("/proc/sys/net/ipv4/ip_forward", "1"), List.of("/proc/sys/kernel/msgmax", "8192"));
        assertThat(first(p, Op.C_WRITE)).isGreaterThan(first(p, Op.C_PIVOT));
    }

    @Test
    void create_sysctlNullValue_skipped() throws IOException {
        Plan p = compile("\"sysctl\":{\"net.ipv4.ip_forward\":null,\"kernel.msgmax\":\"8192\"}", "");
        assertThat(all(p, Op.C_WRITE)).extracting(Entry::strs).containsExactly(List.of("/proc/sys/kernel/msgmax", "8192"));
        assertThat(p.encode()).isNotEmpty();
    }
}
