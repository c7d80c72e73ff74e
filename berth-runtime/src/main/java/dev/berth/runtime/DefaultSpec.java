package dev.berth.runtime;

import dev.berth.oci.json.Json;

import java.util.List;
import java.util.Map;

/** The config.json that {@code berth runtime spec} writes: runc's default, so bundles move between the two. */
public final class DefaultSpec {
    private DefaultSpec() {}

    public static Map<String, Object> json(List<String> args, boolean terminal) {
        List<String> caps = List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE");
        return Json.obj(
                "ociVersion", "1.0.2",
                "process", Json.obj(
                        "terminal", terminal,
                        "user", Json.obj("uid", 0, "gid", 0),
                        "args", args,
                        "env", List.of("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"),
                        "cwd", "/",
                        "capabilities", Json.obj("bounding", caps, "effective", caps, "permitted", caps, "ambient", caps),
                        "rlimits", List.of(Json.obj("type", "RLIMIT_NOFILE", "hard", 1024, "soft", 1024)),
                        "noNewPrivileges", true),
                "root", Json.obj("path", "rootfs", "readonly", true),
                "hostname", "berth",
                "mounts", List.of(
                        mount("/proc", "proc", "proc", List.of()),
                        mount("/dev", "tmpfs", "tmpfs", List.of("nosuid", "strictatime", "mode=755", "size=65536k")),
                        mount("/dev/pts", "devpts", "devpts", List.of("nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5")),
                        mount("/dev/shm", "tmpfs", "shm", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=65536k")),
                        mount("/dev/mqueue", "mqueue", "mqueue", List.of("nosuid", "noexec", "nodev")),
                        mount("/sys", "sysfs", "sysfs", List.of("nosuid", "noexec", "nodev", "ro")),
                        mount("/sys/fs/cgroup", "cgroup", "cgroup", List.of("nosuid", "noexec", "nodev", "relatime", "ro"))),
                "linux", Json.obj(
                        "resources", Json.obj("devices", List.of(Json.obj("allow", false, "access", "rwm"))),
                        "namespaces", List.of(Json.obj("type", "pid"), Json.obj("type", "network"), Json.obj("type", "ipc"),
                                Json.obj("type", "uts"), Json.obj("type", "mount"), Json.obj("type", "cgroup")),
                        "maskedPaths", List.of("/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats",
                                "/proc/timer_list", "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi"),
                        "readonlyPaths", List.of("/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger")));
    }

    private static Map<String, Object> mount(String dest, String type, String source, List<String> options) {
        return options.isEmpty() ? Json.obj("destination", dest, "type", type, "source", source)
                : Json.obj("destination", dest, "type", type, "source", source, "options", options);
    }
}
