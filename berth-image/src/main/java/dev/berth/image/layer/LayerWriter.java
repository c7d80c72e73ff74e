package dev.berth.image.layer;

import dev.berth.image.linux.Sys;

import dev.berth.image.content.ContentStore;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.MediaType;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;

/**
 * Writes a directory as a layer tar, streaming, deterministically: depth first, the entries of each directory
 * sorted by name (parents before children), modification times in whole seconds, no access times, empty user
 * and group names. Ownership, mode bits (set-id and sticky too), device numbers, symlink targets and the
 * carried xattrs are kept; the second name of an inode (same device and inode number) becomes a hard link
 * entry. Sockets are skipped, and directories on another filesystem are written empty (like tar
 * --one-file-system).
 *
 * <p>From a whole tree ({@link #tree}) the entries are what is there. From an overlayfs upper directory
 * ({@link #upper}) a character device 0:0 becomes the whiteout {@code .wh.NAME} and a directory with
 * {@code trusted.overlay.opaque=y} is followed by {@code .wh..wh..opq}.
 */
public final class LayerWriter {
    /** The layer written: its diffID and uncompressed size, and the blob as stored (media type, digest, size). */
    public record Written(Digest diffId, long diffSize, Descriptor blob) {}

    private final Path dir;
    private final boolean upper;
    private final int gzipLevel;
    private final int zstdLevel;

    private LayerWriter(Path dir, boolean upper, int gzipLevel, int zstdLevel) {
        this.dir = dir;
        this.upper = upper;
        this.gzipLevel = gzipLevel;
        this.zstdLevel = zstdLevel;
    }

    /** A layer holding everything in {@code dir} (import, base images, COPY into scratch). */
    public static LayerWriter tree(Path dir) {
        return new LayerWriter(dir, false, 1, 3);
    }

    /** A layer from an overlayfs upper directory: what a container or build step changed, deletions included. */
    public static LayerWriter upper(Path dir) {
        return new LayerWriter(dir, true, 1, 3);
    }

    /** gzip level, 1 (fastest, the default: see LayerBench) to 9. */
    public LayerWriter gzipLevel(int level) {
        if (level < 1 || level > 9) throw new IllegalArgumentException("gzip level " + level + ": 1 to 9");
        return new LayerWriter(dir, upper, level, zstdLevel);
    }

    /** zstd level, 1 to 19 (default 3). */
    public LayerWriter zstdLevel(int level) {
        if (level < 1 || level > 19) throw new IllegalArgumentException("zstd level " + level + ": 1 to 19");
        return new LayerWriter(dir, upper, gzipLevel, level);
    }

    public static String mediaType(MediaType.Compression c) {
        return switch (c) {
            case NONE -> MediaType.OCI_LAYER;
            case GZIP -> MediaType.OCI_LAYER_GZIP;
            case ZSTD -> MediaType.OCI_LAYER_ZSTD;
        };
    }

    /** Streams the layer into the content store; the blob is published only when whole and verified. */
    public Written write(ContentStore store, MediaType.Compression c) throws IOException {
        ContentStore.Writer w = store.writer("layer-" + UUID.randomUUID());
        try {
            Written written = write(new BufferedOutputStream(w.stream(), Streams.BUFFER), c); // flushed, not closed
            w.commit(written.blob().size(), written.blob().digest());
            return written;
        } catch (IOException | RuntimeException e) {
            try {
                w.abort();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Writes the (compressed) layer to {@code out}, which is flushed but not closed. */
    public Written write(OutputStream out, MediaType.Compression c) throws IOException {
        Streams.HashingOutput blob = new Streams.HashingOutput(out);
        Streams.HashingOutput diff;
        try (OutputStream compressed = Streams.compress(blob, c, gzipLevel, zstdLevel)) {
            diff = new Streams.HashingOutput(compressed);
            BufferedOutputStream buffered = new BufferedOutputStream(diff, 1 << 16);
            TarWriter tar = new TarWriter(buffered);
            new Walk(tar).dir(dir, "", (Long) Files.getAttribute(dir, "unix:dev", LinkOption.NOFOLLOW_LINKS));
            tar.finish();
        }
        out.flush();
        return new Written(diff.digest(), diff.count(), new Descriptor(mediaType(c), blob.digest(), blob.count()));
    }

    /**
     * Writes {@code p} (a file, a symlink, or a directory with everything below it) as an uncompressed tar whose
     * entries are named {@code name} and {@code name/...}, then ends the archive; {@code out} is flushed, not
     * closed. What docker cp and GET /containers/{id}/archive send.
     */
    public static void path(Path p, String name, OutputStream out) throws IOException {
        BufferedOutputStream buffered = new BufferedOutputStream(out, 1 << 16);
        TarWriter tar = new TarWriter(buffered);
        new LayerWriter(p, false, 1, 3).new Walk(tar).entry(p, name, (Long) Files.getAttribute(p, "unix:dev", LinkOption.NOFOLLOW_LINKS));
        tar.finish();
    }

    private record Inode(long dev, long ino) {}

    private final class Walk {
        private final TarWriter tar;
        private final boolean root = Sys.isRoot();
        private final Map<Inode, String> seen = new HashMap<>();
        private final byte[] buf = new byte[Streams.BUFFER];

        Walk(TarWriter tar) {
            this.tar = tar;
        }

        void dir(Path d, String rel, long rootDev) throws IOException {
            List<String> names = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(d)) {
                for (Path c : ds) names.add(c.getFileName().toString());
            }
            names.sort(null);
            for (String n : names) {
                Path p = d.resolve(n);
                entry(p, rel.isEmpty() ? n : rel + "/" + n, rootDev);
            }
        }

        private void entry(Path p, String name, long rootDev) throws IOException {
            Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
            int mode = (Integer) a.get("mode");
            int fmt = mode & Sys.S_IFMT;
            long rdev = (Long) a.get("rdev");
            Instant mtime = Instant.ofEpochSecond(((FileTime) a.get("lastModifiedTime")).toInstant().getEpochSecond());
            long uid = (Integer) a.get("uid") & 0xffffffffL, gid = (Integer) a.get("gid") & 0xffffffffL;
            if (fmt == Sys.S_IFSOCK) return;
            if (upper && fmt == Sys.S_IFCHR && rdev == 0) {
                int slash = name.lastIndexOf('/');
                String wh = name.substring(0, slash + 1) + Whiteouts.PREFIX + name.substring(slash + 1);
                tar.add(new TarEntry(wh, TarEntry.Type.FILE, 0600, uid, gid, 0, mtime, null, "", 0, 0, Map.of()));
                return;
            }
            Map<String, byte[]> xattrs = xattrs(p);
            long dev = (Long) a.get("dev");
            if (fmt != Sys.S_IFDIR && (Integer) a.get("nlink") > 1) {
                String first = seen.putIfAbsent(new Inode(dev, (Long) a.get("ino")), name);
                if (first != null) {
                    tar.add(new TarEntry(name, TarEntry.Type.HARDLINK, mode, uid, gid, 0, mtime, null, first, 0, 0, Map.of()));
                    return;
                }
            }
            switch (fmt) {
                case Sys.S_IFREG -> file(p, new TarEntry(name, TarEntry.Type.FILE, mode, uid, gid, (Long) a.get("size"), mtime, null, "", 0, 0, xattrs));
                case Sys.S_IFDIR -> {
                    boolean opaque = upper && LowerLookup.isOpaque(p);
                    tar.add(new TarEntry(name + "/", TarEntry.Type.DIR, mode, uid, gid, 0, mtime, null, "", 0, 0, xattrs));
                    if (opaque) {
                        tar.add(new TarEntry(name + "/" + Whiteouts.OPAQUE, TarEntry.Type.FILE, 0600, uid, gid, 0, mtime, null, "", 0, 0, Map.of()));
                    }
                    if (dev == rootDev) dir(p, name, rootDev);
                }
                case Sys.S_IFLNK -> tar.add(new TarEntry(name, TarEntry.Type.SYMLINK, mode, uid, gid, 0, mtime, null,
                        Files.readSymbolicLink(p).toString(), 0, 0, xattrs));
                case Sys.S_IFCHR, Sys.S_IFBLK -> tar.add(new TarEntry(name, fmt == Sys.S_IFCHR ? TarEntry.Type.CHAR : TarEntry.Type.BLOCK,
                        mode, uid, gid, 0, mtime, null, "", Sys.major(rdev), Sys.minor(rdev), xattrs));
                case Sys.S_IFIFO -> tar.add(new TarEntry(name, TarEntry.Type.FIFO, mode, uid, gid, 0, mtime, null, "", 0, 0, xattrs));
                default -> throw new IOException(p + ": unknown file type " + Integer.toOctalString(fmt));
            }
        }

        private Map<String, byte[]> xattrs(Path p) throws IOException {
            List<String> names = Sys.llistxattr(p);
            if (names.isEmpty()) return Map.of();
            Map<String, byte[]> out = new TreeMap<>();
            for (String n : names) {
                if (!Whiteouts.carried(n, root)) continue;
                byte[] v = Sys.lgetxattr(p, n);
                if (v != null) out.put(n, v);
            }
            return out;
        }

        private void file(Path p, TarEntry e) throws IOException {
            tar.add(e);
            long left = e.size();
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.READ, LinkOption.NOFOLLOW_LINKS)) {
                while (left > 0) {
                    int n = ch.read(ByteBuffer.wrap(buf, 0, (int) Math.min(buf.length, left)));
                    if (n < 0) throw new IOException(p + ": file shrank while it was being written into a layer");
                    tar.write(buf, 0, n);
                    left -= n;
                }
            }
        }
    }
}
