package dev.berth.runtime.plan;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** config.json mount options split into mount(2) flags, propagation flags and the filesystem's data string, as runc does. */
public record MountOptions(long flags, long clearedFlags, long propagation, String data) {
    public static final long MS_RDONLY = 1, MS_NOSUID = 2, MS_NODEV = 4, MS_NOEXEC = 8, MS_SYNCHRONOUS = 16,
            MS_REMOUNT = 32, MS_MANDLOCK = 64, MS_DIRSYNC = 128, MS_NOATIME = 1024, MS_NODIRATIME = 2048,
            MS_BIND = 4096, MS_REC = 16384, MS_UNBINDABLE = 1 << 17, MS_PRIVATE = 1 << 18, MS_SLAVE = 1 << 19,
            MS_SHARED = 1 << 20, MS_RELATIME = 1 << 21, MS_STRICTATIME = 1 << 24;

    private static final Map<String, long[]> FLAGS = Map.ofEntries(
            // option -> {flag to set, flag to clear}
            Map.entry("async", new long[]{0, MS_SYNCHRONOUS}), Map.entry("atime", new long[]{0, MS_NOATIME}),
            Map.entry("bind", new long[]{MS_BIND, 0}), Map.entry("defaults", new long[]{0, 0}),
            Map.entry("dev", new long[]{0, MS_NODEV}), Map.entry("diratime", new long[]{0, MS_NODIRATIME}),
            Map.entry("dirsync", new long[]{MS_DIRSYNC, 0}), Map.entry("exec", new long[]{0, MS_NOEXEC}),
            Map.entry("mand", new long[]{MS_MANDLOCK, 0}), Map.entry("noatime", new long[]{MS_NOATIME, 0}),
            Map.entry("nodev", new long[]{MS_NODEV, 0}), Map.entry("nodiratime", new long[]{MS_NODIRATIME, 0}),
            Map.entry("noexec", new long[]{MS_NOEXEC, 0}), Map.entry("nomand", new long[]{0, MS_MANDLOCK}),
            Map.entry("norelatime", new long[]{0, MS_RELATIME}), Map.entry("nostrictatime", new long[]{0, MS_STRICTATIME}),
            Map.entry("nosuid", new long[]{MS_NOSUID, 0}), Map.entry("rbind", new long[]{MS_BIND | MS_REC, 0}),
            Map.entry("relatime", new long[]{MS_RELATIME, 0}), Map.entry("remount", new long[]{MS_REMOUNT, 0}),
            Map.entry("ro", new long[]{MS_RDONLY, 0}), Map.entry("rw", new long[]{0, MS_RDONLY}),
            Map.entry("strictatime", new long[]{MS_STRICTATIME, 0}), Map.entry("suid", new long[]{0, MS_NOSUID}),
            Map.entry("sync", new long[]{MS_SYNCHRONOUS, 0}));

    static final Map<String, Long> PROPAGATION = Map.of(
            "private", MS_PRIVATE, "rprivate", MS_PRIVATE | MS_REC, "shared", MS_SHARED, "rshared", MS_SHARED | MS_REC,
            "slave", MS_SLAVE, "rslave", MS_SLAVE | MS_REC, "unbindable", MS_UNBINDABLE, "runbindable", MS_UNBINDABLE | MS_REC);

    public static MountOptions parse(List<String> options) {
        long flags = 0, cleared = 0, prop = 0;
        List<String> data = new ArrayList<>();
        for (String o : options) {
            long[] f = FLAGS.get(o);
            Long p = PROPAGATION.get(o);
            if (f != null) {
                flags = (flags | f[0]) & ~f[1];
                cleared |= f[1];
            } else if (p != null) {
                prop |= p;
            } else {
                data.add(o);
            }
        }
        return new MountOptions(flags, cleared, prop, String.join(",", data));
    }

    public boolean bind() {
        return (flags & MS_BIND) != 0;
    }
}
