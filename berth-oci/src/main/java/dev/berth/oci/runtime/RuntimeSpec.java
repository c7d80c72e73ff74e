package dev.berth.oci.runtime;

import java.util.List;
import java.util.Map;

/**
 * The OCI runtime configuration (config.json, runtime-spec 1.x), as far as berth carries it out. Field names
 * follow the spec so a reader can hold this file beside config.md. Absent optional values are {@code null} or
 * empty lists; {@link RuntimeSpecReader} builds these from JSON and validates them.
 */
public record RuntimeSpec(
        String ociVersion,
        Process process,
        Root root,
        String hostname,
        String domainname,
        List<Mount> mounts,
        Hooks hooks,
        Map<String, String> annotations,
        Linux linux) {

    public record Process(
            boolean terminal,
            User user,
            List<String> args,
            List<String> env,
            String cwd,
            Capabilities capabilities,
            List<Rlimit> rlimits,
            boolean noNewPrivileges,
            String apparmorProfile,
            Integer oomScoreAdj,
            String selinuxLabel) {}

    public record User(long uid, long gid, Long umask, List<Long> additionalGids) {}

    /** Capability names as in the spec ("CAP_CHOWN"); each set is taken exactly as configured. */
    public record Capabilities(
            List<String> bounding, List<String> effective, List<String> inheritable, List<String> permitted, List<String> ambient) {
        public static final Capabilities NONE = new Capabilities(List.of(), List.of(), List.of(), List.of(), List.of());
    }

    public record Rlimit(String type, long hard, long soft) {}

    public record Root(String path, boolean readonly) {}

    public record Mount(String destination, String type, String source, List<String> options) {}

    public record Hooks(
            List<Hook> prestart, List<Hook> createRuntime, List<Hook> createContainer,
            List<Hook> startContainer, List<Hook> poststart, List<Hook> poststop) {
        public static final Hooks NONE = new Hooks(List.of(), List.of(), List.of(), List.of(), List.of(), List.of());
    }

    public record Hook(String path, List<String> args, List<String> env, Integer timeout) {}

    public record Linux(
            List<Namespace> namespaces,
            List<IdMapping> uidMappings,
            List<IdMapping> gidMappings,
            Map<String, String> sysctl,
            Resources resources,
            String cgroupsPath,
            String rootfsPropagation,
            Seccomp seccomp,
            List<String> maskedPaths,
            List<String> readonlyPaths,
            List<Device> devices,
            String mountLabel) {}

    /** type is one of pid, network, mount, ipc, uts, user, cgroup, time; path joins an existing one. */
    public record Namespace(String type, String path) {}

    public record IdMapping(long containerID, long hostID, long size) {}

    public record Device(String type, String path, long major, long minor, Integer fileMode, Long uid, Long gid) {}

    public record Resources(
            Memory memory, Cpu cpu, Pids pids, BlockIO blockIO, List<DeviceRule> devices, Map<String, String> unified) {
        public static final Resources NONE = new Resources(null, null, null, null, List.of(), Map.of());
    }

    public record Memory(Long limit, Long reservation, Long swap, Long swappiness, Boolean disableOOMKiller) {}

    public record Cpu(Long shares, Long quota, Long period, String cpus, String mems, Long idle) {}

    public record Pids(long limit) {}

    public record BlockIO(Integer weight, List<ThrottleDevice> throttleReadBpsDevice, List<ThrottleDevice> throttleWriteBpsDevice) {}

    public record ThrottleDevice(long major, long minor, long rate) {}

    /** A cgroup device rule; major/minor null means any (-1 in the spec's JSON is also any). */
    public record DeviceRule(boolean allow, String type, Long major, Long minor, String access) {}

    public record Seccomp(
            String defaultAction,
            Integer defaultErrnoRet,
            List<String> architectures,
            List<String> flags,
            List<Syscall> syscalls) {}

    public record Syscall(List<String> names, String action, Integer errnoRet, List<SeccompArg> args) {}

    /** op is one of SCMP_CMP_NE, _LT, _LE, _EQ, _GE, _GT, _MASKED_EQ; value bits are unsigned 64-bit. */
    public record SeccompArg(int index, long value, long valueTwo, String op) {}
}
