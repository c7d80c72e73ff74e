package dev.berth.image.snapshot;

import dev.berth.image.linux.Sys;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.HashSet;
import java.util.Set;

/** Mounting, syncing and measuring directories, for {@link Snapshots}. */
final class Fs {
    private Fs() {}

    /** Mounts {@code m} on {@code target} (mount(2); overlay or bind). */
    static void mount(Mount m, Path target) throws IOException {
        switch (m.type()) {
            case "overlay" -> {
                String data = m.data();
                if (data.getBytes(StandardCharsets.UTF_8).length > Mount.MAX_DATA) {
                    throw new IOException("mount overlay " + target + ": options are over " + Mount.MAX_DATA + " bytes");
                }
                Sys.mount("overlay", target, "overlay", m.readOnly() ? Sys.MS_RDONLY : 0, data);
            }
            case "bind" -> {
                Sys.mount(m.source(), target, null, Sys.MS_BIND, null);
                if (m.readOnly()) {
                    try {
                        Sys.mount(null, target, null, Sys.MS_BIND | Sys.MS_REMOUNT | Sys.MS_RDONLY, null);
                    } catch (IOException e) {
                        unmount(target);
                        throw e;
                    }
                }
            }
            default -> throw new IllegalArgumentException("mount type \"" + m.type() + "\": only overlay and bind");
        }
    }

    /** Detaches whatever is mounted on {@code target} (umount2 MNT_DETACH); nothing when it is not a mount point. */
    static void unmount(Path target) throws IOException {
        try {
            Sys.umount2(target, Sys.MNT_DETACH);
        } catch (Sys.SysException e) {
            if (e.errno != Sys.EINVAL && e.errno != Sys.ENOENT) throw e;
        }
    }

    static void fsync(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }

    /** Apparent size of the files below {@code dir}, each inode once. */
    static long usage(Path dir) throws IOException {
        long[] total = {0};
        Set<Object> inodes = new HashSet<>();
        Files.walkFileTree(dir, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path f, BasicFileAttributes a) {
                if ((a.isRegularFile() || a.isSymbolicLink()) && (a.fileKey() == null || inodes.add(a.fileKey()))) total[0] += a.size();
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult visitFileFailed(Path f, IOException e) {
                return FileVisitResult.CONTINUE;
            }
        });
        return total[0];
    }
}
