package dev.berth.runtime.cgroup;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static dev.berth.runtime.cgroup.CgroupFixture.files;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** linux.cgroupsPath handling. */
class CgroupPathTest {
    @TempDir
    Path root;

    @Test
    void absoluteRelativeAndUntidyPaths() {
        assertThat(Cgroup.normalize("/berth/abc")).isEqualTo("/berth/abc");
        assertThat(Cgroup.normalize("abc")).isEqualTo("/berth/abc");
        assertThat(Cgroup.normalize("a/b")).isEqualTo("/berth/a/b");
        assertThat(Cgroup.normalize("//x///y/./z/")).isEqualTo("/x/y/z");
    }

    @Test
    void refusesSystemdFormRootAndEscapes() {
        assertThatThrownBy(() -> Cgroup.normalize("system.slice:berth:abc"))
                .isInstanceOf(CgroupException.class)
                .hasMessageContaining("slice:prefix:name").hasMessageContaining("cgroupfs paths");
        assertThatThrownBy(() -> Cgroup.normalize("/")).hasMessageContaining("root cgroup");
        assertThatThrownBy(() -> Cgroup.normalize("")).hasMessageContaining("empty");
        assertThatThrownBy(() -> Cgroup.normalize(null)).hasMessageContaining("empty");
        assertThatThrownBy(() -> Cgroup.normalize("/berth/../etc")).hasMessageContaining("bad component \"..\"");
        assertThatThrownBy(() -> Cgroup.normalize("/berth/a\nb")).hasMessageContaining("bad component");
    }

    @Test
    void directoriesFollowTheLayout() {
        files(root.resolve("sys/fs/cgroup/unified"), "cgroup.controllers=\n");
        CgroupLayout hybrid = CgroupLayout.fromMountinfo(CgroupFixture.HYBRID, root);
        Cgroup cg = Cgroup.of(hybrid, "c9");
        assertThat(cg.path()).isEqualTo("/berth/c9");
        assertThat(cg.unifiedDir()).hasValue(root.resolve("sys/fs/cgroup/unified/berth/c9"));
        assertThat(cg.dir("memory")).hasValue(root.resolve("sys/fs/cgroup/memory/berth/c9"));
        assertThat(cg.dir("cpuacct")).hasValue(root.resolve("sys/fs/cgroup/cpuacct/berth/c9"));
        assertThat(cg.dir("io")).as("blkio is v1 here; io is in neither").isEmpty();
        assertThat(cg.dir("hugetlb")).isEmpty();
        assertThat(cg.hostDirs()).hasSize(10).containsEntry(Cgroup.UNIFIED, root.resolve("sys/fs/cgroup/unified/berth/c9"));
        assertThat(cg.procsFiles()).hasSize(10).last().isEqualTo(root.resolve("sys/fs/cgroup/unified/berth/c9/cgroup.procs"));
    }
}
