package dev.berth.oci.runtime;

import dev.berth.oci.runtime.RuntimeSpec.*;
import dev.berth.oci.runtime.RuntimeSpec.Process;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parsing: runc's default spec, resources, seccomp, hooks and the other optional sections. */
class RuntimeSpecReaderTest {
    /** What `runc spec` writes (runtime-spec 1.0.2). */
    static final String RUNC_DEFAULT = """
            {
              "ociVersion": "1.0.2",
              "process": {
                "terminal": true,
                "user": {"uid": 0, "gid": 0},
                "args": ["sh"],
                "env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"],
                "cwd": "/",
                "capabilities": {
                  "bounding": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                  "effective": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                  "permitted": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"],
                  "ambient": ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
                },
                "rlimits": [{"type": "RLIMIT_NOFILE", "hard": 1024, "soft": 1024}],
                "noNewPrivileges": true
              },
              "root": {"path": "rootfs", "readonly": true},
              "hostname": "runc",
              "mounts": [
                {"destination": "/proc", "type": "proc", "source": "proc"},
                {"destination": "/dev", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "strictatime", "mode=755", "size=65536k"]},
                {"destination": "/dev/pts", "type": "devpts", "source": "devpts",
                 "options": ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]},
                {"destination": "/dev/shm", "type": "tmpfs", "source": "shm", "options": ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]},
                {"destination": "/dev/mqueue", "type": "mqueue", "source": "mqueue", "options": ["nosuid", "noexec", "nodev"]},
                {"destination": "/sys", "type": "sysfs", "source": "sysfs", "options": ["nosuid", "noexec", "nodev", "ro"]},
                {"destination": "/sys/fs/cgroup", "type": "cgroup", "source": "cgroup", "options": ["nosuid", "noexec", "nodev", "relatime", "ro"]}
              ],
              "linux": {
                "resources": {"devices": [{"allow": false, "access": "rwm"}]},
                "namespaces": [{"type": "pid"}, {"type": "network"}, {"type": "ipc"}, {"type": "uts"}, {"type": "mount"}, {"type": "cgroup"}],
                "maskedPaths": ["/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
                                "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"],
                "readonlyPaths": ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
              }
            }
            """;

    static RuntimeSpec parse(String json) {
        return RuntimeSpecReader.parse(json, "config.json");
    }

    /** A minimal valid config with extra top-level fields spliced in. */
    static String config(String extra) {
        return "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"rootfs\"}" + (extra.isEmpty() ? "" : "," + extra) + "}";
    }

    @Test
    void parse_runcDefault_process() {
        RuntimeSpec s = parse(RUNC_DEFAULT);
        assertThat(s.ociVersion()).isEqualTo("1.0.2");
        Process p = s.process();
        assertThat(p.terminal()).isTrue();
        assertThat(p.user()).isEqualTo(new User(0, 0, null, List.of()));
        assertThat(p.args()).containsExactly("sh");
        assertThat(p.env()).containsExactly("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm");
        assertThat(p.cwd()).isEqualTo("/");
        List<String> caps = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
        assertThat(p.capabilities()).isEqualTo(new Capabilities(caps, caps, List.of(), caps, caps));
        assertThat(p.rlimits()).containsExactly(new Rlimit("RLIMIT_NOFILE", 1024, 1024));
        assertThat(p.noNewPrivileges()).isTrue();
        assertThat(p.apparmorProfile()).isNull();
        assertThat(p.oomScoreAdj()).isNull();
        assertThat(p.selinuxLabel()).isNull();
    }

    @Test
    void parse_runcDefault_rootHostnameMounts() {
        RuntimeSpec s = parse(RUNC_DEFAULT);
        assertThat(s.root()).isEqualTo(new Root("rootfs", true));
        assertThat(s.hostname()).isEqualTo("runc");
        assertThat(s.domainname()).isNull();
        assertThat(s.mounts()).extracting(Mount::destination).containsExactly(
                "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup");
        assertThat(s.mounts().get(0)).isEqualTo(new Mount("/proc", "proc", "proc", List.of()));
        assertThat(s.mounts().get(1)).isEqualTo(new Mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")));
        assertThat(s.mounts().get(6).options()).containsExactly("nosuid", "noexec", "nodev", "relatime", "ro");
        assertThat(s.hooks()).isEqualTo(Hooks.NONE);
        assertThat(s.annotations()).isEmpty();
    }

    @Test
    void parse_runcDefault_linux() {
        Linux l = parse(RUNC_DEFAULT).linux();
        assertThat(l.namespaces()).containsExactly(new Namespace("pid", null), new Namespace("network", null), new Namespace("ipc", null),
                new Namespace("uts", null), new Namespace("mount", null), new Namespace("cgroup", null));
        assertThat(l.resources().devices()).containsExactly(new DeviceRule(false, "a", null, null, "rwm"));
        assertThat(l.resources().memory()).isNull();
        assertThat(l.resources().cpu()).isNull();
        assertThat(l.resources().pids()).isNull();
        assertThat(l.maskedPaths()).hasSize(10).startsWith("/proc/acpi").endsWith("/proc/scsi");
        assertThat(l.readonlyPaths()).containsExactly("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger");
        assertThat(l.rootfsPropagation()).isEmpty();
        assertThat(l.uidMappings()).isEmpty();
        assertThat(l.seccomp()).isNull();
        assertThat(l.devices()).isEmpty();
        assertThat(l.sysctl()).isEmpty();
        assertThat(l.cgroupsPath()).isNull();
    }

    @Test
    void parse_minimal_defaults() {
        RuntimeSpec s = parse(config(""));
        assertThat(s.process()).isNull();
        assertThat(s.linux()).isNull();
        assertThat(s.root()).isEqualTo(new Root("rootfs", false));
        assertThat(s.mounts()).isEmpty();
        assertThat(s.hooks()).isEqualTo(Hooks.NONE);
    }

    @Test
    void parse_userAndProcessExtras_recorded() {
        Process p = parse(config("""
                "process":{"args":["/bin/app","-v"],"cwd":"/work","user":{"uid":1000,"gid":100,"umask":18,"additionalGids":[5,6]},
                "apparmorProfile":"p","oomScoreAdj":-500,"selinuxLabel":"l"}""")).process();
        assertThat(p.user()).isEqualTo(new User(1000, 100, 18L, List.of(5L, 6L)));
        assertThat(p.args()).containsExactly("/bin/app", "-v");
        assertThat(p.capabilities()).isEqualTo(Capabilities.NONE);
        assertThat(p.terminal()).isFalse();
        assertThat(p.noNewPrivileges()).isFalse();
        assertThat(p.apparmorProfile()).isEqualTo("p");
        assertThat(p.oomScoreAdj()).isEqualTo(-500);
        assertThat(p.selinuxLabel()).isEqualTo("l");
    }

    @Test
    void parse_resources_memoryCpuPidsBlockIO() {
        Resources r = parse(config("""
                "linux":{"resources":{
                  "memory":{"limit":536870912,"reservation":268435456,"swap":-1,"swappiness":60,"disableOOMKiller":true},
                  "cpu":{"shares":512,"quota":50000,"period":100000,"cpus":"0-1","mems":"0","idle":1},
                  "pids":{"limit":64},
                  "blockIO":{"weight":300,
                    "throttleReadBpsDevice":[{"major":8,"minor":0,"rate":1048576}],
                    "throttleWriteBpsDevice":[{"major":8,"minor":16,"rate":2097152}]},
                  "unified":{"memory.high":"1G"}}}""")).linux().resources();
        assertThat(r.memory()).isEqualTo(new Memory(536870912L, 268435456L, -1L, 60L, true));
        assertThat(r.cpu()).isEqualTo(new Cpu(512L, 50000L, 100000L, "0-1", "0", 1L));
        assertThat(r.pids()).isEqualTo(new Pids(64));
        assertThat(r.blockIO()).isEqualTo(new BlockIO(300, List.of(new ThrottleDevice(8, 0, 1048576)), List.of(new ThrottleDevice(8, 16, 2097152))));
        assertThat(r.unified()).containsExactly(Map.entry("memory.high", "1G"));
        assertThat(r.devices()).isEmpty();
    }

    @Test
    void parse_resourcesMemoryPartial_absentFieldsNull() {
        Memory m = parse(config("\"linux\":{\"resources\":{\"memory\":{\"limit\":1024}}}")).linux().resources().memory();
        assertThat(m).isEqualTo(new Memory(1024L, null, null, null, null));
    }

    @Test
    void parse_deviceRules_minusOneMeansAny() {
        List<DeviceRule> rules = parse(config("""
                "linux":{"resources":{"devices":[
                  {"allow":false,"access":"rwm"},
                  {"allow":true,"type":"c","major":1,"minor":3,"access":"rw"},
                  {"allow":true,"type":"c","major":136,"minor":-1,"access":"rwm"},
                  {"allow":true,"type":"b","major":-1,"minor":-1}]}}""")).linux().resources().devices();
        assertThat(rules).containsExactly(
                new DeviceRule(false, "a", null, null, "rwm"),
                new DeviceRule(true, "c", 1L, 3L, "rw"),
                new DeviceRule(true, "c", 136L, null, "rwm"),
                new DeviceRule(true, "b", null, null, "rwm"));
    }

    @Test
    void parse_linuxExtras_namespacesPathsMappingsDevicesSysctl() {
        Linux l = parse(config("""
                "linux":{"namespaces":[{"type":"user"},{"type":"network","path":"/var/run/netns/x"},{"type":"mount"}],
                  "uidMappings":[{"containerID":0,"hostID":100000,"size":65536}],
                  "gidMappings":[{"containerID":0,"hostID":200000,"size":1}],
                  "sysctl":{"net.ipv4.ip_forward":"1"},
                  "devices":[{"type":"c","path":"/dev/fuse","major":10,"minor":229,"fileMode":438,"uid":0,"gid":0}],
                  "cgroupsPath":"/berth/x","rootfsPropagation":"rslave","mountLabel":"m"}""")).linux();
        assertThat(l.namespaces()).containsExactly(new Namespace("user", null), new Namespace("network", "/var/run/netns/x"),
                new Namespace("mount", null));
        assertThat(l.uidMappings()).containsExactly(new IdMapping(0, 100000, 65536));
        assertThat(l.gidMappings()).containsExactly(new IdMapping(0, 200000, 1));
        assertThat(l.sysctl()).containsExactly(Map.entry("net.ipv4.ip_forward", "1"));
        assertThat(l.devices()).containsExactly(new Device("c", "/dev/fuse", 10, 229, 438, 0L, 0L));
        assertThat(l.cgroupsPath()).isEqualTo("/berth/x");
        assertThat(l.rootfsPropagation()).isEqualTo("rslave");
        assertThat(l.mountLabel()).isEqualTo("m");
    }

    @Test
    void parse_seccomp_rulesAndUnsignedArgs() {
        Seccomp sc = parse(config("""
                "linux":{"seccomp":{"defaultAction":"SCMP_ACT_ERRNO","defaultErrnoRet":1,"architectures":["SCMP_ARCH_X86_64"],
                  "flags":["SECCOMP_FILTER_FLAG_LOG"],
                  "syscalls":[{"names":["read","write"],"action":"SCMP_ACT_ALLOW"},
                              {"names":["personality"],"action":"SCMP_ACT_ALLOW",
                               "args":[{"index":0,"value":18446744073709551615,"valueTwo":4294967295,"op":"SCMP_CMP_MASKED_EQ"}]},
                              {"names":["kill"],"action":"SCMP_ACT_ERRNO","errnoRet":38}]}}""")).linux().seccomp();
        assertThat(sc.defaultAction()).isEqualTo("SCMP_ACT_ERRNO");
        assertThat(sc.defaultErrnoRet()).isEqualTo(1);
        assertThat(sc.architectures()).containsExactly("SCMP_ARCH_X86_64");
        assertThat(sc.flags()).containsExactly("SECCOMP_FILTER_FLAG_LOG");
        assertThat(sc.syscalls()).containsExactly(
                new Syscall(List.of("read", "write"), "SCMP_ACT_ALLOW", null, List.of()),
                new Syscall(List.of("personality"), "SCMP_ACT_ALLOW", null, List.of(new SeccompArg(0, -1L, 0xFFFFFFFFL, "SCMP_CMP_MASKED_EQ"))),
                new Syscall(List.of("kill"), "SCMP_ACT_ERRNO", 38, List.of()));
    }

    @Test
    void parse_hooksAndAnnotations_recorded() {
        RuntimeSpec s = parse(config("""
                "hooks":{"prestart":[{"path":"/bin/pre","args":["pre","-x"],"env":["A=1"],"timeout":5}],
                         "poststop":[{"path":"/bin/post"}]},
                "annotations":{"org.example/b":"2","org.example/a":"1"}"""));
        assertThat(s.hooks().prestart()).containsExactly(new Hook("/bin/pre", List.of("pre", "-x"), List.of("A=1"), 5));
        assertThat(s.hooks().poststop()).containsExactly(new Hook("/bin/post", List.of(), List.of(), null));
        assertThat(s.hooks().createRuntime()).isEmpty();
        assertThat(s.annotations()).containsExactly(Map.entry("org.example/b", "2"), Map.entry("org.example/a", "1"));
    }

    @Test
    void read_file_parsesAndNamesPath(@TempDir Path dir) throws IOException {
        Path config = dir.resolve("config.json");
        Files.writeString(config, config("\"hostname\":5"));
        assertThatThrownBy(() -> RuntimeSpecReader.read(config)).hasMessage(config + ": hostname: expected a string, got a number");
        Files.writeString(config, RUNC_DEFAULT);
        assertThat(RuntimeSpecReader.read(config).hostname()).isEqualTo("runc");
    }

    @Test
    void read_missingFile_noSuchFileNamingConfig(@TempDir Path dir) {
        Path config = dir.resolve("config.json");
        assertThatThrownBy(() -> RuntimeSpecReader.read(config))
                .isInstanceOf(NoSuchFileException.class)
                .hasMessageContaining(config.toString())
                .hasMessageContaining("no config.json in the bundle");
    }
}
