package dev.berth.runtime.cgroup;

import dev.berth.runtime.cgroup.CgroupLayout.Mode;
import dev.berth.runtime.cgroup.CgroupLayout.Owner;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static dev.berth.runtime.cgroup.CgroupFixture.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class CgroupLayoutTest {
    @TempDir
    Path root;

    @Test
    void hybridHostWithSeparateCpuAndCpuacct() {
        files(root.resolve("sys/fs/cgroup/unified"), "cgroup.controllers=hugetlb\n");
        CgroupLayout l = CgroupLayout.fromMountinfo(CgroupFixture.HYBRID, root);

        assertThat(l.mode()).isEqualTo(Mode.HYBRID);
        assertThat(l.hierarchies()).extracting(CgroupLayout.Hierarchy::name).containsExactly(
                "cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "name=systemd");
        assertThat(l.v1Mounts().get("cpu")).isEqualTo(root.resolve("sys/fs/cgroup/cpu"));
        assertThat(l.v1Mounts().get("cpuacct")).isEqualTo(root.resolve("sys/fs/cgroup/cpuacct"));
        assertThat(l.unified()).isEqualTo(root.resolve("sys/fs/cgroup/unified"));
        assertThat(l.unifiedControllers()).containsExactly("hugetlb");
        assertThat(l.ownerOf("memory")).isEqualTo(Owner.V1);
        assertThat(l.ownerOf("hugetlb")).isEqualTo(Owner.V2);
        assertThat(l.ownerOf("io")).isEqualTo(Owner.NONE);
        assertThat(l.ownerOf("rdma")).isEqualTo(Owner.NONE);
    }

    @Test
    void v1HostWithComountsNamedHierarchyAndDuplicateMount() {
        CgroupLayout l = CgroupLayout.fromMountinfo(CgroupFixture.V1, root);

        assertThat(l.mode()).isEqualTo(Mode.V1);
        assertThat(l.unified()).isNull();
        assertThat(l.hasUnified()).isFalse();
        assertThat(l.hierarchies()).extracting(CgroupLayout.Hierarchy::name).containsExactly(
                "name=systemd", "cpu,cpuacct", "net_cls,net_prio", "memory", "cpuset", "pids", "blkio", "devices", "freezer");
        Path cpu = root.resolve("sys/fs/cgroup/cpu,cpuacct");
        assertThat(l.v1Mounts()).containsEntry("cpu", cpu).containsEntry("cpuacct", cpu)
                .containsEntry("memory", root.resolve("sys/fs/cgroup/memory")); // not the second mount
        assertThat(l.hierarchy("cpuset").orElseThrow().controllers()).containsExactly("cpuset"); // not clone_children
        assertThat(l.ownerOf("blkio")).isEqualTo(Owner.V1);
        assertThat(l.ownerOf("io")).isEqualTo(Owner.NONE);
    }

    @Test
    void unifiedHostReadsRootControllers() {
        files(root.resolve("sys/fs/cgroup"), "cgroup.controllers=cpuset cpu io memory hugetlb pids rdma misc\n");
        CgroupLayout l = CgroupLayout.fromMountinfo(CgroupFixture.UNIFIED, root);

        assertThat(l.mode()).isEqualTo(Mode.UNIFIED);
        assertThat(l.hierarchies()).isEmpty();
        assertThat(l.unified()).isEqualTo(root.resolve("sys/fs/cgroup"));
        assertThat(l.unifiedControllers()).containsExactly("cpuset", "cpu", "io", "memory", "hugetlb", "pids", "rdma", "misc");
        assertThat(l.ownerOf("memory")).isEqualTo(Owner.V2);
        assertThat(l.ownerOf("blkio")).as("v1 name, v2 owner").isEqualTo(Owner.V2);
        assertThat(l.ownerOf("cpuacct")).isEqualTo(Owner.V2);
        assertThat(l.ownerOf("devices")).isEqualTo(Owner.NONE);
        assertThat(l.ownerOf("freezer")).isEqualTo(Owner.NONE);
    }

    @Test
    void namedHierarchyAloneBesideCgroup2IsUnified() {
        String text = CgroupFixture.UNIFIED
                + "50 25 0:40 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd\n";
        CgroupLayout l = CgroupLayout.fromMountinfo(text, root);
        assertThat(l.mode()).isEqualTo(Mode.UNIFIED);
        assertThat(l.unifiedControllers()).as("no cgroup.controllers file in the fixture").isEmpty();
        assertThat(l.hierarchy("name=systemd")).isPresent();
    }

    @Test
    void octalEscapesInMountPointsAndRoots() {
        String text = "32 31 0:29 /docker/a\\040b /sys/fs/cgroup/my\\040mem rw - cgroup cgroup rw,memory\n";
        CgroupLayout l = CgroupLayout.fromMountinfo(text, root);
        CgroupLayout.Hierarchy h = l.hierarchy("memory").orElseThrow();
        assertThat(h.mountPoint()).isEqualTo(root.resolve("sys/fs/cgroup/my mem"));
        assertThat(h.root()).isEqualTo("/docker/a b");
        assertThat(CgroupLayout.unescape("a\\134b\\011c\\12")).isEqualTo("a\\b\tc\\12");
    }

    @Test
    void noCgroupsMountedIsAnError() {
        assertThatThrownBy(() -> CgroupLayout.fromMountinfo("22 27 0:21 / /proc rw - proc proc rw\n", root))
                .isInstanceOf(CgroupException.class).hasMessageContaining("no cgroup filesystem");
    }

    @Test
    void detectReadsThisHostOnceAndAgreesWithMountinfo() throws Exception {
        String mountinfo = Files.readString(Path.of("/proc/self/mountinfo"));
        boolean v2 = mountinfo.contains(" - cgroup2 ");
        boolean v1 = mountinfo.contains(" - cgroup cgroup ");
        org.junit.jupiter.api.Assumptions.assumeTrue(v1 || v2, "no cgroup filesystem mounted on this host");
        CgroupLayout l = CgroupLayout.detect();
        assertThat(CgroupLayout.detect()).isSameAs(l);
        assertThat(l.hasUnified()).isEqualTo(v2);
        if (v2 && v1) assertThat(l.mode()).isIn(Mode.HYBRID, Mode.UNIFIED);
        if (v2 && !v1) assertThat(l.mode()).isEqualTo(Mode.UNIFIED);
        if (!v2) assertThat(l.mode()).isEqualTo(Mode.V1);
        System.out.println("[CgroupLayoutTest] this host: " + l);
    }
}
