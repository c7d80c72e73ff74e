package dev.berth.build;

import dev.berth.image.layer.LayerApplier;
import dev.berth.oci.image.MediaType;
import dev.berth.runtime.plan.SecurePath;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.util.List;
import java.util.stream.Stream;

/**
 * COPY and ADD into a step's root. Docker's rules: a directory source copies its contents; several sources or
 * a destination ending in '/' mean a directory; files keep their mode and mtime and belong to root unless
 * --chown says otherwise. Every destination path is resolved inside the root (an image's symlinks cannot send
 * a write to the host), and ADD unpacks local tar archives with the layer applier's safe extraction.
 */
final class Copier {
    private final Path rootfs;
    private final long uid, gid;
    private final Integer chmod;
    private final BuildContext context;

    Copier(Path rootfs, long uid, long gid, Integer chmod, BuildContext context) {
        this.rootfs = rootfs;
        this.uid = uid;
        this.gid = gid;
        this.chmod = chmod;
        this.context = context;
    }

    /** Copies sources (paths on this host: the context, or another stage's root) to dest (absolute, in the image). */
    void copy(List<Path> sources, String dest, boolean add) throws IOException {
        boolean destIsDir = dest.endsWith("/") || sources.size() > 1 || Files.isDirectory(SecurePath.resolve(rootfs, dest));
        for (Path src : sources) {
            if (Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS)) {
                copyTree(src, dest);
            } else if (add && context != null && src.startsWith(context.root()) && isArchive(src)) { // local archives only, as docker
                extract(src, dest);
            } else {
                String target = destIsDir ? join(dest, src.getFileName().toString()) : dest;
                copyEntry(src, target);
            }
        }
    }

    private static String join(String dir, String name) {
        return dir.endsWith("/") ? dir + name : dir + "/" + name;
    }

    private void copyTree(Path src, String dest) throws IOException {
        mkdirs(dest);
        List<Path> entries;
        try (Stream<Path> s = Files.walk(src)) {
            entries = s.filter(p -> !p.equals(src) && (context == null || !context.excluded(p))).sorted().toList();
        }
        for (Path p : entries) copyEntry(p, join(dest, src.relativize(p).toString()));
    }

    /** Creates the directories of an image path that are missing (0755, root-owned, as docker does). */
    private Path mkdirs(String dir) throws IOException {
        Path target = SecurePath.resolve(rootfs, dir);
        if (!Files.isDirectory(target)) {
            Path parent = target.getParent();
            if (parent != null && !parent.equals(rootfs) && !Files.isDirectory(parent)) mkdirs(rootfs.relativize(parent).toString());
            Files.createDirectory(target);
            Files.setAttribute(target, "unix:mode", 0755);
            chown(target);
        }
        return target;
    }

    private void copyEntry(Path src, String dest) throws IOException {
        int slash = dest.lastIndexOf('/');
        Path parent = mkdirs(slash <= 0 ? "/" : dest.substring(0, slash));
        Path target = parent.resolve(dest.substring(slash + 1));
        if (Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS) && !Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS)) {
            throw new BuildException("cannot copy " + src.getFileName() + " over the directory " + dest);
        }
        if (Files.isSymbolicLink(src)) {
            Files.deleteIfExists(target);
            Files.createSymbolicLink(target, Files.readSymbolicLink(src));
        } else if (Files.isDirectory(src, LinkOption.NOFOLLOW_LINKS)) {
            if (!Files.isDirectory(target, LinkOption.NOFOLLOW_LINKS)) {
                Files.deleteIfExists(target);
                Files.createDirectory(target);
            }
            Files.setAttribute(target, "unix:mode", chmod != null ? chmod : (int) Files.getAttribute(src, "unix:mode") & 07777);
        } else {
            if (Files.isSymbolicLink(target)) Files.delete(target); // replace the link, never write through it
            Files.copy(src, target, StandardCopyOption.REPLACE_EXISTING, LinkOption.NOFOLLOW_LINKS);
            Files.setAttribute(target, "unix:mode", chmod != null ? chmod : (int) Files.getAttribute(src, "unix:mode") & 07777);
        }
        chown(target);
        if (!Files.isSymbolicLink(target)) {
            FileTime mtime = Files.getLastModifiedTime(src, LinkOption.NOFOLLOW_LINKS);
            Files.setLastModifiedTime(target, mtime);
        }
    }

    private void chown(Path p) throws IOException {
        Files.setAttribute(p, "unix:uid", (int) uid, LinkOption.NOFOLLOW_LINKS);
        Files.setAttribute(p, "unix:gid", (int) gid, LinkOption.NOFOLLOW_LINKS);
    }

    /** gzip, zstd or plain tar (by content, as docker decides). */
    static boolean isArchive(Path f) throws IOException {
        try (InputStream in = new BufferedInputStream(Files.newInputStream(f))) {
            byte[] b = in.readNBytes(262);
            if (b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b) return true;
            if (b.length >= 4 && (b[0] & 0xff) == 0x28 && (b[1] & 0xff) == 0xb5 && (b[2] & 0xff) == 0x2f && (b[3] & 0xff) == 0xfd) return true;
            return b.length == 262 && new String(b, 257, 5).equals("ustar");
        }
    }

    private void extract(Path archive, String dest) throws IOException {
        Path dir = mkdirs(dest);
        try (InputStream raw = new BufferedInputStream(Files.newInputStream(archive), 1 << 16)) {
            MediaType.Compression c = dev.berth.image.Compression.detect(raw);
            LayerApplier.apply(raw, c, dir, LayerApplier.Mode.FLAT);
        }
    }
}
