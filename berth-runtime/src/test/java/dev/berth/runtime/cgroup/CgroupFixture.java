package dev.berth.runtime.cgroup;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Fake cgroup trees in a temporary directory (youki-style): mountinfo text plus plain files. */
final class CgroupFixture {
    private CgroupFixture() {}

    /** This project's CI host: hybrid, cpu and cpuacct mounted separately, cgroup2 at /sys/fs/cgroup/unified. */
    static final String HYBRID = """
            22 27 0:21 / /proc rw,relatime - proc proc rw
            31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
            32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
            33 31 0:30 / /sys/fs/cgroup/cpuacct rw,relatime - cgroup cgroup rw,cpuacct
            34 31 0:31 / /sys/fs/cgroup/cpuset rw,relatime - cgroup cgroup rw,cpuset
            35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
            36 31 0:33 / /sys/fs/cgroup/devices rw,relatime - cgroup cgroup rw,devices
            37 31 0:34 / /sys/fs/cgroup/freezer rw,relatime - cgroup cgroup rw,freezer
            38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio
            39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids
            40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
            41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
            """;

    /** A classic systemd v1 host (Debian 10 / CentOS 7 style): comounts, extra options, no cgroup2. */
    static final String V1 = """
            25 18 0:21 / /sys/fs/cgroup ro,nosuid,nodev,noexec shared:9 - tmpfs tmpfs ro,mode=755
            27 25 0:23 / /sys/fs/cgroup/systemd rw,nosuid,nodev,noexec,relatime shared:10 - cgroup cgroup rw,xattr,name=systemd
            30 25 0:26 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid,nodev,noexec,relatime shared:13 - cgroup cgroup rw,cpu,cpuacct
            31 25 0:27 / /sys/fs/cgroup/net_cls,net_prio rw,nosuid,nodev,noexec,relatime shared:14 - cgroup cgroup rw,net_cls,net_prio
            32 25 0:28 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:15 - cgroup cgroup rw,memory
            33 25 0:29 / /sys/fs/cgroup/cpuset rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup rw,cpuset,clone_children
            34 25 0:30 / /sys/fs/cgroup/pids rw,nosuid,nodev,noexec,relatime shared:17 - cgroup cgroup rw,pids
            35 25 0:31 / /sys/fs/cgroup/blkio rw,nosuid,nodev,noexec,relatime shared:18 - cgroup cgroup rw,blkio
            36 25 0:32 / /sys/fs/cgroup/devices rw,nosuid,nodev,noexec,relatime shared:19 - cgroup cgroup rw,devices
            37 25 0:33 / /sys/fs/cgroup/freezer rw,nosuid,nodev,noexec,relatime shared:20 - cgroup cgroup rw,freezer
            90 80 0:28 / /mnt/again/memory rw,relatime - cgroup cgroup rw,memory
            """;

    /** A modern systemd host: cgroup2 only, at /sys/fs/cgroup. */
    static final String UNIFIED = """
            24 30 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:7 - sysfs sysfs rw
            25 24 0:23 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:8 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
            """;

    /** Creates dir (and parents) and, in it, files given as "name=content" (content may be empty). */
    static Path files(Path dir, String... nameEqualsContent) {
        try {
            Files.createDirectories(dir);
            for (String nc : nameEqualsContent) {
                int eq = nc.indexOf('=');
                Files.writeString(dir.resolve(nc.substring(0, eq)), nc.substring(eq + 1));
            }
            return dir;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static String read(Path file) {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Kernel-like rule for a fake file: returns an error text to refuse a write, null to accept. */
    interface Rule {
        String check(Path file, String value);
    }

    /** Writes through to the fake files and records each write as "path/relative/to/root=value". */
    static class Recording extends CgroupFiles {
        final Path root;
        final List<String> writes = new ArrayList<>();
        Rule rule = (f, v) -> null;

        Recording(Path root) {
            this.root = root;
        }

        @Override
        void write(Path file, String value) {
            String err = rule.check(file, value);
            if (err != null) throw new CgroupException("cgroup " + file + ": cannot write \"" + value + "\": " + err);
            super.write(file, value);
            writes.add(root.relativize(file) + "=" + value);
        }

        /** The writes under one directory, named by file name only. */
        List<String> writesIn(Path dir) {
            String prefix = root.relativize(dir) + "/";
            return writes.stream()
                    .filter(w -> w.startsWith(prefix) && !w.substring(prefix.length(), w.indexOf('=')).contains("/"))
                    .map(w -> w.substring(prefix.length())).toList();
        }
    }
}
