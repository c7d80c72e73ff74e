package dev.berth.runtime.plan;

import dev.berth.oci.runtime.RuntimeSpec;
import dev.berth.runtime.plan.Plan.Entry;
import dev.berth.runtime.plan.Plan.Op;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static dev.berth.runtime.plan.CompileFixture.*;
import static dev.berth.runtime.plan.Namespaces.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Process, security and namespace steps of a create plan. */
class PlanCompilerTest {
    @TempDir
    Path bundle;
    CompileFixture f;

    @BeforeEach
    void setUp() throws IOException {
        f = new CompileFixture(bundle);
    }

    @Test
    void create_runcLike_monitorOpsFirstThenChildOps() throws IOException {
        Plan p = f.compile(config(""));
        assertThat(ops(p).subList(0, 4)).containsExactly(Op.P_MODE, Op.P_STATE_DIR, Op.P_CLONE, Op.P_CGROUP);
        assertThat(entry(p, Op.P_MODE).nums()).containsExactly(0);
        assertThat(entry(p, Op.P_STATE_DIR).strs()).containsExactly(bundle.resolve("state").toString());
        assertThat(entry(p, Op.P_CGROUP).strs()).containsExactly(CGROUP.resolve("cgroup.procs").toString());
        assertThat(ops(p).getLast()).isEqualTo(Op.C_EXEC);
        assertThat(f.warnings).isEmpty();
    }

    @Test
    void create_securitySteps_boundingCredsCapsThenReadyThenExec() throws IOException {
        Plan p = f.compile(config("\"noNewPrivileges\":true"));
        assertThat(first(p, Op.C_BOUNDING)).isLessThan(first(p, Op.C_CREDS));
        assertThat(first(p, Op.C_CREDS)).isLessThan(first(p, Op.C_CAPS));
        assertThat(first(p, Op.C_CAPS)).isLessThan(first(p, Op.C_NNP));
        assertThat(first(p, Op.C_NNP)).isLessThan(first(p, Op.C_READY));
        assertThat(first(p, Op.C_READY)).isLessThan(first(p, Op.C_EXEC));
        assertThat(first(p, Op.C_PIVOT)).isLessThan(first(p, Op.C_BOUNDING));
        assertThat(entry(p, Op.C_READY).context()).isEqualTo(bundle.resolve("state/exec.fifo").toString());
    }

    @Test
    void create_seccompWithNoNewPrivileges_loadedAfterNnpJustBeforeExec() throws IOException {
        f.seccomp = new byte[]{1, 2, 3, 4, 5, 6, 7, 8};
        f.seccompFlags = 2;
        Plan p = f.compile(config("\"noNewPrivileges\":true"));
        assertThat(indexes(p, Op.C_SECCOMP)).hasSize(1);
        assertThat(first(p, Op.C_SECCOMP)).isGreaterThan(first(p, Op.C_NNP)).isGreaterThan(first(p, Op.C_READY))
                .isEqualTo(first(p, Op.C_EXEC) - 1);
        Entry s = entry(p, Op.C_SECCOMP);
        assertThat(s.data()).isEqualTo(f.seccomp);
        assertThat(s.nums()).containsExactly(2);
        assertThat(s.strs()).isEmpty();
    }

    @Test
    void create_seccompWithoutNoNewPrivileges_loadedBeforeCredsAndNoNnp() throws IOException {
        f.seccomp = new byte[8];
        Plan p = f.compile(config("\"noNewPrivileges\":false"));
        assertThat(indexes(p, Op.C_SECCOMP)).hasSize(1);
        assertThat(first(p, Op.C_SECCOMP)).isLessThan(first(p, Op.C_BOUNDING)).isLessThan(first(p, Op.C_CREDS));
        assertThat(ops(p)).doesNotContain(Op.C_NNP);
    }

    @Test
    void create_noSeccompFilter_noSeccompOp() throws IOException {
        assertThat(ops(f.compile(config("\"noNewPrivileges\":true")))).doesNotContain(Op.C_SECCOMP);
    }

    @Test
    void create_capabilities_masksInEffectivePermittedInheritableAmbientOrder() throws IOException {
        Plan p = f.compile(config("""
                "capabilities":{"bounding":["CAP_CHOWN","CAP_KILL"],"effective":["CAP_KILL"],"permitted":["CAP_CHOWN"],
                "inheritable":["CAP_SETUID"],"ambient":["CAP_NET_BIND_SERVICE"]}"""));
        assertThat(entry(p, Op.C_BOUNDING).nums()).containsExactly(0x21L);
        assertThat(entry(p, Op.C_CAPS).nums()).containsExactly(1L << 5, 1L, 1L << 7, 1L << 10);
    }

    @Test
    void create_unknownCapability_warningNotError() throws IOException {
        Plan p = f.compile(config("\"capabilities\":{\"bounding\":[\"CAP_KILL\",\"CAP_BOGUS\"]}"));
        assertThat(entry(p, Op.C_BOUNDING).nums()).containsExactly(1L << 5);
        assertThat(f.warnings).containsExactly("process.capabilities.bounding: ignoring unknown or unavailable capability CAP_BOGUS");
    }

    @Test
    void create_user_credsUmaskAndChdir() throws IOException {
        Plan p = f.compile(config("\"cwd\":\"/work\",\"user\":{\"uid\":1000,\"gid\":100,\"umask\":63,\"additionalGids\":[5,6]}"));
        assertThat(entry(p, Op.C_CREDS).nums()).containsExactly(1000, 100, 5, 6);
        assertThat(entry(p, Op.C_CREDS).context()).isEqualTo("uid 1000, gid 100");
        assertThat(entry(p, Op.C_UMASK).nums()).containsExactly(63);
        assertThat(entry(p, Op.C_CHDIR).strs()).containsExactly("/work");
        Entry mkdir = all(p, Op.C_MKDIR).stream().filter(e -> e.step().equals("create cwd")).findFirst().orElseThrow();
        assertThat(mkdir.strs()).containsExactly(f.rootfs().resolve("work").toString());
        assertThat(mkdir.nums()).containsExactly(0755);
    }

    @Test
    void create_noUmask_default022() throws IOException {
        assertThat(entry(f.compile(config("")), Op.C_UMASK).nums()).containsExactly(022);
    }

    @Test
    void create_exec_argvThenEnvWithArgc() throws IOException {
        Plan p = f.compile(config("\"env\":[\"PATH=/bin\",\"HOME=/srv\",\"A=b c\"]"));
        Entry e = entry(p, Op.C_EXEC);
        assertThat(e.nums()).containsExactly(3);
        assertThat(e.strs()).containsExactly("sh", "-c", "echo hi", "PATH=/bin", "HOME=/srv", "A=b c");
    }

    @Test
    void create_envWithoutHome_homeFromRootfsPasswd() throws IOException {
        Files.createDirectories(f.rootfs().resolve("etc"));
        Files.writeString(f.rootfs().resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\nuser:x:1000:1000::/home/user:/bin/sh\n");
        assertThat(entry(f.compile(config("\"user\":{\"uid\":1000,\"gid\":1000}")), Op.C_EXEC).strs())
                .containsExactly("sh", "-c", "echo hi", "PATH=/bin", "HOME=/home/user");
        assertThat(entry(f.compile(config("")), Op.C_EXEC).strs()).endsWith("HOME=/root");
        assertThat(entry(f.compile(config("\"user\":{\"uid\":42}")), Op.C_EXEC).strs()).endsWith("HOME=/");
    }

    @Test
    void create_envWithoutHomeNoPasswd_homeSlash() throws IOException {
        assertThat(entry(f.compile(config("")), Op.C_EXEC).strs()).containsExactly("sh", "-c", "echo hi", "PATH=/bin", "HOME=/");
    }

    @Test
    void create_rlimits_resourceSoftHard() throws IOException {
        Plan p = f.compile(config("\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":4096,\"soft\":1024},{\"type\":\"RLIMIT_CORE\",\"hard\":0,\"soft\":0}]"));
        assertThat(all(p, Op.C_RLIMIT)).extracting(e -> List.of(e.nums()[0], e.nums()[1], e.nums()[2]))
                .containsExactly(List.of(7L, 1024L, 4096L), List.of(4L, 0L, 0L));
    }

    @Test
    void create_unknownRlimit_error() {
        assertThatThrownBy(() -> f.compile(config("\"rlimits\":[{\"type\":\"RLIMIT_BOGUS\",\"hard\":1,\"soft\":1}]")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("process.rlimits: unknown rlimit RLIMIT_BOGUS");
    }

    @Test
    void create_terminal_consoleAndTty() throws IOException {
        Plan p = f.compile(config("\"terminal\":true,\"user\":{\"uid\":7,\"gid\":8}"));
        assertThat(entry(p, Op.P_CONSOLE).strs()).containsExactly("");
        assertThat(entry(p, Op.C_TTY).nums()).containsExactly(7, 8);
        assertThat(first(p, Op.C_TTY)).isLessThan(first(p, Op.C_CREDS));
    }

    @Test
    void create_namespaces_cloneFlags() throws IOException {
        Plan p = f.compile(config(""));
        assertThat(entry(p, Op.P_CLONE).nums()).containsExactly(CLONE_NEWPID | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWUTS | CLONE_NEWNS, 0);
        assertThat(ops(p)).doesNotContain(Op.C_JOIN, Op.P_JOIN_PID, Op.P_UIDMAP);
    }

    @Test
    void create_cgroupNamespace_unsharedAfterGoNotCloneFlag() throws IOException {
        Plan p = f.compile(config("", "[{\"type\":\"mount\"},{\"type\":\"cgroup\"}]", "", ""));
        assertThat(entry(p, Op.P_CLONE).nums()).containsExactly(CLONE_NEWNS, 1);
    }

    @Test
    void create_userNamespace_idMapsWritten() throws IOException {
        Plan p = f.compile(config("", "[{\"type\":\"user\"},{\"type\":\"mount\"}]",
                "\"uidMappings\":[{\"containerID\":0,\"hostID\":100000,\"size\":65536}],"
                        + "\"gidMappings\":[{\"containerID\":0,\"hostID\":200000,\"size\":1},{\"containerID\":5,\"hostID\":5,\"size\":1}]", ""));
        assertThat(entry(p, Op.P_CLONE).nums()).containsExactly(CLONE_NEWUSER | CLONE_NEWNS, 0);
        assertThat(entry(p, Op.P_UIDMAP).strs()).containsExactly("0 100000 65536\n");
        assertThat(entry(p, Op.P_GIDMAP).strs()).containsExactly("0 200000 1\n5 5 1\n");
    }

    @Test
    void create_namespacesByPath_joinedUserFirstPidByMonitor() throws IOException {
        Plan p = f.compile(config("", """
                [{"type":"network","path":"/var/run/netns/a"},{"type":"user","path":"/proc/7/ns/user"},{"type":"mount"},
                 {"type":"pid","path":"/proc/7/ns/pid"},{"type":"ipc"},{"type":"uts","path":"/proc/7/ns/uts"}]""", "", ""));
        assertThat(entry(p, Op.P_CLONE).nums()).containsExactly(CLONE_NEWNS | CLONE_NEWIPC, 0);
        assertThat(entry(p, Op.P_JOIN_PID).strs()).containsExactly("/proc/7/ns/pid");
        assertThat(first(p, Op.P_JOIN_PID)).isGreaterThan(first(p, Op.P_CLONE));
        assertThat(all(p, Op.C_JOIN)).extracting(e -> e.strs().getFirst())
                .containsExactly("/proc/7/ns/user", "/var/run/netns/a", "/proc/7/ns/uts");
        assertThat(all(p, Op.C_JOIN)).extracting(e -> e.nums()[0]).containsExactly(CLONE_NEWUSER, CLONE_NEWNET, CLONE_NEWUTS);
        assertThat(last(p, Op.C_JOIN)).isLessThan(first(p, Op.C_MOUNT));
        assertThat(ops(p)).doesNotContain(Op.P_UIDMAP);
    }

    @Test
    void exec_namespaces_joinedUserFirstMountLast() {
        List<RuntimeSpec.Namespace> ns = List.of(new RuntimeSpec.Namespace("mount", null), new RuntimeSpec.Namespace("network", null),
                new RuntimeSpec.Namespace("pid", null), new RuntimeSpec.Namespace("user", null), new RuntimeSpec.Namespace("uts", null));
        RuntimeSpec.Process proc = new RuntimeSpec.Process(false, new RuntimeSpec.User(0, 0, null, List.of()), List.of("ls"),
                List.of("HOME=/"), "/", RuntimeSpec.Capabilities.NONE, List.of(), false, null, null, null);
        Plan p = PlanCompiler.exec(new PlanCompiler.ExecInput(42, bundle, ns, proc, bundle.resolve("state"), null, List.of(), null, 0),
                f.warnings::add);
        assertThat(entry(p, Op.P_MODE).nums()).containsExactly(1);
        assertThat(entry(p, Op.P_JOIN_PID).strs()).containsExactly("/proc/42/ns/pid");
        assertThat(all(p, Op.C_JOIN)).extracting(e -> e.strs().getFirst())
                .containsExactly("/proc/42/ns/user", "/proc/42/ns/uts", "/proc/42/ns/net", "/proc/42/ns/mnt");
        assertThat(ops(p)).doesNotContain(Op.C_READY);
        assertThat(entry(p, Op.C_EXEC).strs()).containsExactly("ls", "HOME=/");
    }

    @Test
    void create_hostnameWithoutUts_error() {
        assertThatThrownBy(() -> f.compile(config("", "[{\"type\":\"mount\"}]", "", "\"hostname\":\"box\"")))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("hostname: setting it needs a new uts namespace");
    }

    @Test
    void create_hostnameWithUts_sethostnameAfterPivot() throws IOException {
        Plan p = f.compile(config("", RUNC_NAMESPACES, "", "\"hostname\":\"box\",\"domainname\":\"example\""));
        assertThat(entry(p, Op.C_HOSTNAME).strs()).containsExactly("box");
        assertThat(entry(p, Op.C_DOMAINNAME).strs()).containsExactly("example");
        assertThat(first(p, Op.C_HOSTNAME)).isGreaterThan(first(p, Op.C_PIVOT));
    }

    @Test
    void create_noMountNamespace_error() {
        assertThatThrownBy(() -> f.compile(config("", "[{\"type\":\"pid\"}]", "", "")))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage("linux.namespaces: berth needs a new mount namespace to set up the rootfs");
    }

    @Test
    void create_timeNamespace_error() {
        assertThatThrownBy(() -> f.compile(config("", "[{\"type\":\"mount\"},{\"type\":\"time\"}]", "", "")))
                .hasMessage("linux.namespaces: creating a time namespace is not supported");
    }

    @Test
    void create_noProcessOrNoLinux_errorNamesField() {
        String cfg = bundle.resolve("config.json").toString();
        assertThatThrownBy(() -> f.compile("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"linux\":{}}"))
                .hasMessage(cfg + ": process: required to create a container");
        assertThatThrownBy(() -> f.compile("{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"},\"process\":{\"args\":[\"sh\"],\"cwd\":\"/\"}}"))
                .hasMessage(cfg + ": linux: required on Linux");
    }

    @Test
    void create_missingRootfs_error() throws IOException {
        Files.delete(bundle.resolve("rootfs"));
        assertThatThrownBy(() -> f.compile(config("")))
                .hasMessage(bundle.resolve("config.json") + ": root.path: " + bundle.resolve("rootfs") + ": no such directory");
    }

    @Test
    void create_apparmorAndSelinux_warnings() throws IOException {
        f.compile(config("\"apparmorProfile\":\"docker-default\",\"selinuxLabel\":\"system_u\",\"oomScoreAdj\":100"));
        assertThat(f.warnings).containsExactly("process.apparmorProfile: AppArmor is not supported by berth; ignored",
                "process.selinuxLabel: SELinux is not supported by berth; ignored");
    }
}
