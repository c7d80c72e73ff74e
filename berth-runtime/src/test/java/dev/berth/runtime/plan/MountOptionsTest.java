package dev.berth.runtime.plan;

import org.junit.jupiter.api.Test;

import java.util.List;

import static dev.berth.runtime.plan.MountOptions.*;
import static org.assertj.core.api.Assertions.assertThat;

class MountOptionsTest {
    private static MountOptions parse(String... options) {
        return MountOptions.parse(List.of(options));
    }

    @Test
    void parse_none_allZeroAndEmptyData() {
        assertThat(parse()).isEqualTo(new MountOptions(0, 0, 0, ""));
    }

    @Test
    void parse_constants_matchLinuxValues() {
        assertThat(MS_RDONLY).isEqualTo(0x1);
        assertThat(MS_REMOUNT).isEqualTo(0x20);
        assertThat(MS_BIND).isEqualTo(0x1000);
        assertThat(MS_REC).isEqualTo(0x4000);
        assertThat(MS_PRIVATE).isEqualTo(0x40000);
        assertThat(MS_SLAVE).isEqualTo(0x80000);
        assertThat(MS_SHARED).isEqualTo(0x100000);
        assertThat(MS_RELATIME).isEqualTo(0x200000);
        assertThat(MS_STRICTATIME).isEqualTo(0x1000000);
    }

    @Test
    void parse_eachSettingOption_itsFlag() {
        assertThat(parse("ro").flags()).isEqualTo(MS_RDONLY);
        assertThat(parse("nosuid").flags()).isEqualTo(MS_NOSUID);
        assertThat(parse("nodev").flags()).isEqualTo(MS_NODEV);
        assertThat(parse("noexec").flags()).isEqualTo(MS_NOEXEC);
        assertThat(parse("bind").flags()).isEqualTo(MS_BIND);
        assertThat(parse("rbind").flags()).isEqualTo(MS_BIND | MS_REC);
        assertThat(parse("remount").flags()).isEqualTo(MS_REMOUNT);
        assertThat(parse("relatime").flags()).isEqualTo(MS_RELATIME);
        assertThat(parse("strictatime").flags()).isEqualTo(MS_STRICTATIME);
        assertThat(parse("noatime").flags()).isEqualTo(MS_NOATIME);
        assertThat(parse("sync").flags()).isEqualTo(MS_SYNCHRONOUS);
        assertThat(parse("dirsync").flags()).isEqualTo(MS_DIRSYNC);
        assertThat(parse("defaults")).isEqualTo(new MountOptions(0, 0, 0, ""));
    }

    @Test
    void parse_combined_flagsOred() {
        MountOptions o = parse("nosuid", "noexec", "nodev", "relatime", "ro");
        assertThat(o.flags()).isEqualTo(MS_NOSUID | MS_NOEXEC | MS_NODEV | MS_RELATIME | MS_RDONLY);
        assertThat(o.clearedFlags()).isZero();
        assertThat(o.propagation()).isZero();
        assertThat(o.data()).isEmpty();
    }

    @Test
    void parse_clearingOptions_recordedAsCleared() {
        assertThat(parse("rw")).isEqualTo(new MountOptions(0, MS_RDONLY, 0, ""));
        assertThat(parse("suid")).isEqualTo(new MountOptions(0, MS_NOSUID, 0, ""));
        assertThat(parse("dev")).isEqualTo(new MountOptions(0, MS_NODEV, 0, ""));
        assertThat(parse("exec")).isEqualTo(new MountOptions(0, MS_NOEXEC, 0, ""));
        assertThat(parse("atime")).isEqualTo(new MountOptions(0, MS_NOATIME, 0, ""));
        assertThat(parse("async")).isEqualTo(new MountOptions(0, MS_SYNCHRONOUS, 0, ""));
    }

    @Test
    void parse_clearAfterSet_laterOptionWins() {
        MountOptions o = parse("ro", "nosuid", "rw");
        assertThat(o.flags()).isEqualTo(MS_NOSUID);
        assertThat(o.clearedFlags()).isEqualTo(MS_RDONLY);
    }

    @Test
    void parse_setAfterClear_flagSetAgain() {
        MountOptions o = parse("rw", "ro");
        assertThat(o.flags()).isEqualTo(MS_RDONLY);
        assertThat(o.clearedFlags()).isEqualTo(MS_RDONLY);
    }

    @Test
    void parse_propagationOptions_propagationNotFlags() {
        assertThat(parse("private")).isEqualTo(new MountOptions(0, 0, MS_PRIVATE, ""));
        assertThat(parse("rprivate").propagation()).isEqualTo(MS_PRIVATE | MS_REC);
        assertThat(parse("slave").propagation()).isEqualTo(MS_SLAVE);
        assertThat(parse("rslave").propagation()).isEqualTo(MS_SLAVE | MS_REC);
        assertThat(parse("shared").propagation()).isEqualTo(MS_SHARED);
        assertThat(parse("rshared").propagation()).isEqualTo(MS_SHARED | MS_REC);
        assertThat(parse("unbindable").propagation()).isEqualTo(MS_UNBINDABLE);
        assertThat(parse("runbindable").propagation()).isEqualTo(MS_UNBINDABLE | MS_REC);
        assertThat(parse("rslave").flags()).isZero();
    }

    @Test
    void parse_bindWithPropagation_separated() {
        MountOptions o = parse("rbind", "rprivate", "ro");
        assertThat(o.flags()).isEqualTo(MS_BIND | MS_REC | MS_RDONLY);
        assertThat(o.propagation()).isEqualTo(MS_PRIVATE | MS_REC);
        assertThat(o.bind()).isTrue();
    }

    @Test
    void parse_unknownOptions_dataJoinedInOrder() {
        MountOptions o = parse("nosuid", "strictatime", "mode=755", "size=65536k");
        assertThat(o.flags()).isEqualTo(MS_NOSUID | MS_STRICTATIME);
        assertThat(o.data()).isEqualTo("mode=755,size=65536k");
    }

    @Test
    void parse_devptsOptions_dataKeepsOrderAroundFlags() {
        MountOptions o = parse("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5");
        assertThat(o.flags()).isEqualTo(MS_NOSUID | MS_NOEXEC);
        assertThat(o.data()).isEqualTo("newinstance,ptmxmode=0666,mode=0620,gid=5");
    }

    @Test
    void bind_withoutBindFlag_false() {
        assertThat(parse("ro", "nosuid").bind()).isFalse();
        assertThat(parse("bind").bind()).isTrue();
    }
}
