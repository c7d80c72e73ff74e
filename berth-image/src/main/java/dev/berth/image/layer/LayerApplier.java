package dev.berth.image.layer;

import dev.berth.image.linux.Sys;

import dev.berth.oci.image.Digest;
import dev.berth.oci.image.MediaType;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.DirectoryStream;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Applies an OCI/Docker layer (a tar stream, possibly gzip or zstd compressed) onto a directory, streaming, and
 * returns its diffID: the sha256 of the uncompressed tar, computed while reading.
 *
 * <p>Two modes. {@link Mode#FLAT}: the directory already holds the layers below, merged; whiteouts delete from
 * it ({@code .wh.NAME} removes NAME, {@code .wh..wh..opq} removes what the directory held before this layer).
 * {@link Mode#OVERLAY}: the directory is this layer's own, to be stacked by overlayfs; whiteouts become a
 * character device 0:0 and {@code trusted.overlay.opaque=y}.
 *
 * <p>Safe extraction: names are cleaned and may not escape the directory; no parent component may be a symlink
 * (planted by this layer or present below), files are created with O_EXCL, symlinks are never followed; hard
 * link targets resolve the same way. A refused entry throws {@link LayerException} naming it; nothing outside
 * the directory has been touched, and the caller discards the directory.
 */
public final class LayerApplier {
    /** Whether whiteouts delete from a merged tree or are written in overlayfs's form. */
    public enum Mode { FLAT, OVERLAY }

    /** What was applied: the diffID, the uncompressed tar's size in bytes, the number of entries. */
    public record Applied(Digest diffId, long size, long entries) {}

    private final Mode mode;
    private final Limits limits;
    private final List<Path> lowers;

    public LayerApplier(Mode mode) {
        this(mode, Limits.DEFAULT, List.of());
    }

    private LayerApplier(Mode mode, Limits limits, List<Path> lowers) {
        this.mode = mode;
        this.limits = limits;
        this.lowers = List.copyOf(lowers);
    }

    public LayerApplier withLimits(Limits l) {
        return new LayerApplier(mode, l, lowers);
    }

    /**
     * OVERLAY mode: the directories of the layers below, topmost first, where a hard link to a file this layer
     * does not contain is looked up (the link is made to that file: same filesystem, and layers are immutable).
     */
    public LayerApplier withLowerDirs(List<Path> topFirst) {
        return new LayerApplier(mode, limits, topFirst);
    }

    /** Applies with default limits. */
    public static Applied apply(InputStream layerBlob, MediaType.Compression c, Path dir, Mode mode) throws IOException {
        return new LayerApplier(mode).apply(layerBlob, c, dir);
    }

    /** Reads {@code layerBlob} to its end (not closing it) and applies it onto {@code dir}, which must exist. */
    public Applied apply(InputStream layerBlob, MediaType.Compression c, Path dir) throws IOException {
        BasicFileAttributes ra = SafeTree.lstat(dir);
        if (ra == null || !ra.isDirectory()) throw new LayerException("layer: target " + dir + " is not a directory");
        try (InputStream tar = Streams.decompress(layerBlob, c)) {
            Streams.HashingInput hashed = new Streams.HashingInput(new BufferedInputStream(tar, Streams.BUFFER));
            TarReader reader = new TarReader(hashed, limits);
            Run run = new Run(new SafeTree(dir), reader);
            long entries = 0;
            for (TarEntry e; (e = reader.next()) != null; entries++) run.entry(e);
            reader.drain();
            run.finish();
            return new Applied(hashed.digest(), hashed.count(), entries);
        }
    }

    /** A read from the layer stream failed (network, disk): passed on as it is, not as a refused entry. */
    private static final class SourceFailure extends IOException {
        SourceFailure(IOException cause) {
            super(cause);
        }
    }

    private record Deferred(List<String> comps, Instant atime, Instant mtime) {}

    /** One application's state. */
    private final class Run {
        private final SafeTree tree;
        private final TarReader reader;
        private final boolean root = Sys.isRoot();
        /** Names this layer created, with their ancestors: whiteouts and opaque markers leave them alone. */
        private final Set<String> unpacked = new HashSet<>();
        private final List<Deferred> dirTimes = new ArrayList<>();
        private final byte[] buf = new byte[Streams.BUFFER];

        Run(SafeTree tree, TarReader reader) {
            this.tree = tree;
            this.reader = reader;
        }

        void entry(TarEntry e) throws IOException {
            String name = e.name();
            List<String> comps = SafeTree.clean(name, name, "path");
            try {
                if (comps.isEmpty()) {
                    if (!e.isDir()) throw new LayerException(name, "only a directory may name the layer root");
                    metadata(tree.root, e, comps);
                    return;
                }
                String base = comps.getLast();
                if (base.startsWith(Whiteouts.PREFIX)) {
                    if (base.equals(Whiteouts.OPAQUE)) {
                        opaque(name, comps);
                    } else if (!base.startsWith(Whiteouts.META_PREFIX)) { // other .wh..wh. names: aufs bookkeeping, skipped
                        whiteout(e, comps, base.substring(Whiteouts.PREFIX.length()));
                    }
                    return;
                }
                Path parent = tree.parent(name, comps, true, "path");
                Path p = parent.resolve(base);
                String rel = SafeTree.join(comps, comps.size());
                switch (e.type()) {
                    case DIR -> {
                        create(p, e, () -> Files.createDirectory(p));
                        tree.verifiedDir(rel);
                    }
                    case FILE -> create(p, e, () -> writeFile(p, e));
                    case SYMLINK -> {
                        if (e.linkName().isEmpty()) throw new LayerException(name, "symlink with an empty target");
                        create(p, e, () -> Sys.symlink(e.linkName(), p));
                    }
                    case HARDLINK -> {
                        Path target = linkTarget(e);
                        if (target.equals(p)) throw new LayerException(name, "hard link to itself");
                        create(p, e, () -> Files.createLink(p, target));
                    }
                    case CHAR -> create(p, e, () -> Sys.mknod(p, Sys.S_IFCHR, e.mode(), Sys.makedev(e.devMajor(), e.devMinor())));
                    case BLOCK -> create(p, e, () -> Sys.mknod(p, Sys.S_IFBLK, e.mode(), Sys.makedev(e.devMajor(), e.devMinor())));
                    case FIFO -> create(p, e, () -> Sys.mknod(p, Sys.S_IFIFO, e.mode(), 0));
                }
                markUnpacked(comps);
                if (e.type() != TarEntry.Type.HARDLINK) metadata(p, e, comps);
            } catch (LayerException x) {
                throw x;
            } catch (SourceFailure x) {
                throw (IOException) x.getCause(); // the layer stream failed, not the entry: say so unchanged
            } catch (IOException x) {
                throw new LayerException(name, reason(x), x);
            }
        }

        private interface Action {
            void run() throws IOException;
        }

        /** Creates with O_EXCL semantics; what is already there is replaced (a directory over a directory is kept). */
        private void create(Path p, TarEntry e, Action make) throws IOException {
            try {
                make.run();
            } catch (FileAlreadyExistsException | Sys.SysException x) {
                if (x instanceof Sys.SysException s && s.errno != 17 /* EEXIST */) throw x;
                BasicFileAttributes a = SafeTree.lstat(p);
                if (a == null) throw x;
                if (a.isDirectory() && e.isDir()) return;
                tree.remove(p);
                make.run();
            }
        }

        private void writeFile(Path p, TarEntry e) throws IOException {
            try (FileChannel ch = FileChannel.open(p, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE, LinkOption.NOFOLLOW_LINKS)) {
                for (int n; (n = read()) > 0; ) {
                    ByteBuffer bb = ByteBuffer.wrap(buf, 0, n);
                    while (bb.hasRemaining()) ch.write(bb);
                }
            }
        }

        private int read() throws IOException {
            try {
                return reader.read(buf, 0, buf.length);
            } catch (LayerException e) {
                throw e;
            } catch (IOException e) {
                throw new SourceFailure(e);
            }
        }

        private void metadata(Path p, TarEntry e, List<String> comps) throws IOException {
            boolean link = e.type() == TarEntry.Type.SYMLINK;
            if (root) Sys.lchown(p, e.uid(), e.gid());
            if (!link) Sys.chmod(p, e.mode()); // after chown, which clears set-id bits
            for (var x : e.xattrs().entrySet()) { // after chown, which clears security.capability
                if (!Whiteouts.carried(x.getKey(), root)) continue;
                try {
                    Sys.lsetxattr(p, x.getKey(), x.getValue());
                } catch (Sys.SysException s) {
                    if (s.errno != Sys.ENOTSUP && !(link && s.errno == Sys.EPERM)) throw s;
                }
            }
            Instant atime = e.atime() != null ? e.atime() : e.mtime();
            if (e.isDir()) {
                dirTimes.add(new Deferred(comps, atime, e.mtime()));
            } else {
                Sys.lutimes(p, atime.getEpochSecond(), atime.getNano(), e.mtime().getEpochSecond(), e.mtime().getNano());
            }
        }

        private void markUnpacked(List<String> comps) {
            for (int i = comps.size(); i > 0; i--) {
                if (!unpacked.add(SafeTree.join(comps, i))) break;
            }
        }

        private void whiteout(TarEntry e, List<String> comps, String target) throws IOException {
            String name = e.name();
            if (target.isEmpty() || target.equals(".") || target.equals("..")) {
                throw new LayerException(name, "whiteout names no file (\"" + target + "\")");
            }
            List<String> victim = new ArrayList<>(comps);
            victim.set(victim.size() - 1, target);
            if (unpacked.contains(SafeTree.join(victim, victim.size()))) return; // whiteouts only hide lower layers
            Path parent = tree.parent(name, comps, mode == Mode.OVERLAY, "whiteout");
            if (parent == null) return;
            Path p = parent.resolve(target);
            if (mode == Mode.FLAT) {
                tree.remove(p);
                return;
            }
            create(p, e, () -> Sys.mknod(p, Sys.S_IFCHR, 0, 0));
            if (root) Sys.lchown(p, e.uid(), e.gid());
        }

        private void opaque(String name, List<String> comps) throws IOException {
            Path dir = tree.parent(name, comps, mode == Mode.OVERLAY, "opaque directory");
            if (dir == null) return;
            if (mode == Mode.OVERLAY) {
                if (!root) throw new LayerException(name, "an opaque directory needs root (xattr " + Whiteouts.OVERLAY_OPAQUE_XATTR + ")");
                Sys.lsetxattr(dir, Whiteouts.OVERLAY_OPAQUE_XATTR, new byte[] {'y'});
                return;
            }
            clearLower(dir, SafeTree.join(comps, comps.size() - 1));
        }

        /** FLAT opaque directory: removes what is below {@code dir} that this layer did not create. */
        private void clearLower(Path dir, String rel) throws IOException {
            List<Path> children = new ArrayList<>();
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
                for (Path c : ds) children.add(c);
            }
            for (Path c : children) {
                String crel = rel.isEmpty() ? c.getFileName().toString() : rel + "/" + c.getFileName();
                if (!unpacked.contains(crel)) {
                    tree.remove(c);
                } else {
                    BasicFileAttributes a = SafeTree.lstat(c);
                    if (a != null && a.isDirectory()) clearLower(c, crel);
                }
            }
        }

        private Path linkTarget(TarEntry e) throws IOException {
            String name = e.name(), what = "hard link target \"" + e.linkName() + "\"";
            List<String> comps = SafeTree.clean(name, e.linkName(), what);
            if (comps.isEmpty()) throw new LayerException(name, what + " is the layer root");
            if (mode == Mode.OVERLAY) { // this layer's directory, then the ones below, as overlayfs will show them
                List<Path> stack = new ArrayList<>(lowers.size() + 1);
                stack.add(tree.root);
                stack.addAll(lowers);
                Path t = LowerLookup.find(stack, comps, name, what);
                if (t != null) return t;
                throw new LayerException(name, what + " not found in the layer or below it");
            }
            Path parent = tree.parent(name, comps, false, what);
            BasicFileAttributes a = parent == null ? null : SafeTree.lstat(parent.resolve(comps.getLast()));
            if (a == null) throw new LayerException(name, what + " not found in the layer");
            if (a.isDirectory()) throw new LayerException(name, what + " is a directory");
            return parent.resolve(comps.getLast());
        }

        /** Directory times last (their entries changed them); each path is checked again, not followed. */
        void finish() throws IOException {
            for (Deferred d : dirTimes) {
                Path p = d.comps().isEmpty() ? tree.root : tree.parent(SafeTree.join(d.comps(), d.comps().size()), d.comps(), false, "directory");
                if (p == null) continue;
                if (!d.comps().isEmpty()) p = p.resolve(d.comps().getLast());
                BasicFileAttributes a = SafeTree.lstat(p);
                if (a == null || !a.isDirectory()) continue;
                Sys.lutimes(p, d.atime().getEpochSecond(), d.atime().getNano(), d.mtime().getEpochSecond(), d.mtime().getNano());
            }
        }
    }

    static String reason(IOException x) {
        if (x instanceof FileSystemException f && !(x instanceof Sys.SysException)) {
            String r = f.getReason() != null ? f.getReason() : x.getClass().getSimpleName().replace("Exception", "");
            return f.getFile() + ": " + r;
        }
        return x.getMessage();
    }
}
