package dev.berth.runtime.plan;

import java.util.Map;

/** config.json namespace types to clone(2) flags and /proc/PID/ns names. */
public final class Namespaces {
    public static final long CLONE_NEWNS = 0x00020000, CLONE_NEWCGROUP = 0x02000000, CLONE_NEWUTS = 0x04000000,
            CLONE_NEWIPC = 0x08000000, CLONE_NEWUSER = 0x10000000, CLONE_NEWPID = 0x20000000, CLONE_NEWNET = 0x40000000,
            CLONE_NEWTIME = 0x00000080;

    /** type → {flag, name under /proc/PID/ns}. */
    static final Map<String, Object[]> TYPES = Map.of(
            "mount", new Object[]{CLONE_NEWNS, "mnt"}, "cgroup", new Object[]{CLONE_NEWCGROUP, "cgroup"},
            "uts", new Object[]{CLONE_NEWUTS, "uts"}, "ipc", new Object[]{CLONE_NEWIPC, "ipc"},
            "user", new Object[]{CLONE_NEWUSER, "user"}, "pid", new Object[]{CLONE_NEWPID, "pid"},
            "network", new Object[]{CLONE_NEWNET, "net"}, "time", new Object[]{CLONE_NEWTIME, "time"});

    private Namespaces() {}

    public static long flag(String type) {
        return (long) TYPES.get(type)[0];
    }

    /** The file name under /proc/PID/ns for a config.json namespace type. */
    public static String procName(String type) {
        return (String) TYPES.get(type)[1];
    }
}
