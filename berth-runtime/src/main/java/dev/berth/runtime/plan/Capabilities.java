package dev.berth.runtime.plan;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/** Capability names (as in config.json) to the bit masks capset(2) and prctl(2) take. */
public final class Capabilities {
    private static final List<String> NAMES = List.of(
            "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID", "CAP_KILL", "CAP_SETGID",
            "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE", "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN",
            "CAP_NET_RAW", "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT", "CAP_SYS_PTRACE",
            "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE", "CAP_SYS_RESOURCE", "CAP_SYS_TIME",
            "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE", "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP",
            "CAP_MAC_OVERRIDE", "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",
            "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE");

    private static volatile int lastCap = -1;

    private Capabilities() {}

    /** The highest capability this kernel knows (/proc/sys/kernel/cap_last_cap). */
    public static int lastCap() {
        if (lastCap < 0) {
            try {
                // Not Files.readString: on /proc/sys files it returns only the first byte ("4" for "40").
                try (var in = Files.newInputStream(Path.of("/proc/sys/kernel/cap_last_cap"))) {
                    lastCap = Integer.parseInt(new String(in.readAllBytes()).trim());
                }
            } catch (IOException | NumberFormatException e) {
                lastCap = NAMES.size() - 1;
            }
        }
        return lastCap;
    }

    public static int number(String name) {
        return NAMES.indexOf(name);
    }

    public static String name(int number) {
        return number < NAMES.size() ? NAMES.get(number) : "CAP_" + number;
    }

    /** Like runc: a name this kernel or berth does not know is skipped with a warning, not an error. */
    public static long mask(List<String> names, String field, Consumer<String> warn) {
        long m = 0;
        for (String n : names) {
            int bit = number(n);
            if (bit < 0 || bit > lastCap()) {
                warn.accept(field + ": ignoring unknown or unavailable capability " + n);
                continue;
            }
            m |= 1L << bit;
        }
        return m;
    }

    /**
     * The capabilities a privileged container or exec can have: those this kernel knows that are in this process's
     * bounding set (as moby does). Asking for more makes capset fail with EPERM where the daemon itself runs with
     * fewer, as in a container.
     */
    public static List<String> available() {
        long bounding = all();
        try {
            for (String l : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (l.startsWith("CapBnd:")) bounding &= Long.parseUnsignedLong(l.substring(7).trim(), 16);
            }
        } catch (IOException | NumberFormatException e) {
            // keep every capability of the kernel
        }
        List<String> out = new ArrayList<>();
        for (int i = 0; i <= lastCap(); i++) if ((bounding & (1L << i)) != 0) out.add(name(i));
        return out;
    }

    /** All capabilities this kernel has. */
    public static long all() {
        return lastCap() >= 63 ? -1L : (1L << (lastCap() + 1)) - 1;
    }
}
