package dev.berth.engine;

import dev.berth.image.layer.LayerApplier;
import dev.berth.image.layer.LayerException;
import dev.berth.image.layer.LayerWriter;
import dev.berth.image.layer.Limits;
import dev.berth.image.layer.TarEntry;
import dev.berth.image.layer.TarReader;
import dev.berth.image.layer.TarWriter;
import dev.berth.image.linux.Sys;
import dev.berth.image.snapshot.Snapshots;
import dev.berth.oci.image.MediaType;
import dev.berth.oci.json.Json;
import dev.berth.runtime.Users;
import dev.berth.runtime.plan.SecurePath;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PipedInputStream;
import java.io.PipedOutputStream;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;

/**
 * A container's files: docker cp both ways (stat, GET and PUT of {@code /containers/{id}/archive}), docker diff
 * and docker export. They work on running and stopped containers alike: a stopped container's overlay snapshot is
 * mounted for the call (under the container's lock, so a start waits) and unmounted after. Paths are resolved as
 * the container sees them: symlinks followed inside the rootfs, never out of it ({@link SecurePath}); a path under
 * a volume or bind mount goes to the mount's source, as docker does.
 */
public final class ContainerFiles {
    /** Go's os.FileMode bits, which docker's path stat carries (the CLI tests IsDir and ModeSymlink). */
    private static final long GO_DIR = 1L << 31, GO_SYMLINK = 1L << 27, GO_DEVICE = 1L << 26, GO_PIPE = 1L << 25,
            GO_SOCKET = 1L << 24, GO_SETUID = 1L << 23, GO_SETGID = 1L << 22, GO_CHARDEV = 1L << 21, GO_STICKY = 1L << 20;
    /** Mount points berth's runtime makes in the rootfs (docker hides them in its init layer): not changes. */
    private static final Set<String> MOUNT_POINTS = Set.of("/dev", "/proc", "/sys", "/etc/hostname", "/etc/hosts", "/etc/resolv.conf",
            "/dev/shm", "/dev/pts", "/dev/mqueue", "/dev/console", "/etc/mtab");

    private final Engine engine;

    public ContainerFiles(Engine engine) {
        this.engine = engine;
    }

    private interface RootfsAction<T> {
        T run(Path rootfs, Map<String, Object> c) throws IOException;
    }

    /**
     * Runs {@code a} with the container's merged rootfs mounted, under the container's lock: a stopped
     * container's is mounted for the call; a running one is frozen meanwhile, so its processes cannot swap a
     * directory for a symlink between the path's resolution and its use (CVE-2018-15664's race).
     */
    private <T> T withRootfs(String ref, RootfsAction<T> a) throws IOException {
        Map<String, Object> c = engine.find(ref);
        String id = (String) c.get("Id");
        Path merged = engine.snapshots().mergedDir(id);
        synchronized (engine.lock(id)) {
            c = engine.find(id);
            if (Engine.isMounted(merged)) {
                Map<?, ?> st = (Map<?, ?>) c.get("State");
                boolean freeze = Boolean.TRUE.equals(st.get("Running")) && !Boolean.TRUE.equals(st.get("Paused"));
                if (freeze) {
                    try {
                        engine.runtime().pause(id);
                    } catch (RuntimeException e) {
                        freeze = false; // it just exited: nothing runs that could race
                    }
                }
                try {
                    return a.run(merged, c);
                } finally {
                    if (freeze) {
                        try {
                            engine.runtime().resume(id);
                        } catch (RuntimeException ignored) {
                            // killed meanwhile
                        }
                    }
                }
            }
            Snapshots.mount(engine.snapshots().mountOf(id), merged);
            try {
                return a.run(merged, c);
            } finally {
                Snapshots.unmount(merged);
            }
        }
    }

    // ------------------------------------------------------------------ paths

    /** A container path on the host: where it is, the root it must stay in, and the path as the container names it. */
    private record Resolved(Path host, Path root, String containerPath) {}

    /**
     * Resolves {@code path} (absolute, or relative to /) in the container: every component but the last is
     * followed if a symlink; the last too when the path ends in "/" or "/.". A path under a volume or bind mount
     * is resolved in the mount's source.
     */
    private static Resolved resolve(Path rootfs, Map<String, Object> c, String path) throws IOException {
        String p = path.startsWith("/") ? path : "/" + path;
        boolean followLast = p.endsWith("/") || p.endsWith("/.");
        String trimmed = p.replaceAll("/+$", "");
        int slash = trimmed.lastIndexOf('/');
        String parent = followLast ? trimmed : trimmed.substring(0, slash + 1);
        String last = followLast ? "" : trimmed.substring(slash + 1);
        Path hostParent = SecurePath.resolve(rootfs, parent);
        String containerParent = "/" + rootfs.relativize(hostParent);
        String full = last.isEmpty() ? containerParent : (containerParent.equals("/") ? "/" : containerParent + "/") + last;
        // the longest mount destination the path is under
        Map<?, ?> best = null;
        for (Object o : (List<?>) c.getOrDefault("Mounts", List.of())) {
            Map<?, ?> m = (Map<?, ?>) o;
            if (!(m.get("Source") instanceof String src) || !src.startsWith("/")) continue; // tmpfs: only the container sees it
            String d = String.valueOf(m.get("Destination")).replaceAll("/+$", "");
            if ((full.equals(d) || full.startsWith(d + "/")) && (best == null || d.length() > String.valueOf(best.get("Destination")).length())) best = m;
        }
        if (best == null) return new Resolved(last.isEmpty() ? hostParent : hostParent.resolve(last), rootfs, full);
        Path source = Path.of(String.valueOf(best.get("Source")));
        String rest = full.substring(String.valueOf(best.get("Destination")).replaceAll("/+$", "").length());
        if (rest.isEmpty()) return new Resolved(source, source, full);
        int s = rest.lastIndexOf('/');
        Path host = SecurePath.resolve(source, rest.substring(0, s + 1));
        return new Resolved(last.isEmpty() ? SecurePath.resolve(source, rest) : host.resolve(rest.substring(s + 1)), source, full);
    }

    private static EngineException notFound(String path, String ref) {
        return new EngineException(404, "Could not find the file " + path + " in container " + ref);
    }

    private static Map<String, Object> stat(Resolved r, Path rootfs, String path, String ref) throws IOException {
        Map<String, Object> a;
        try {
            a = Files.readAttributes(r.host(), "unix:*", LinkOption.NOFOLLOW_LINKS);
        } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException e) {
            throw notFound(path, ref);
        }
        int mode = (Integer) a.get("mode");
        int fmt = mode & Sys.S_IFMT;
        long go = mode & 0777;
        if ((mode & 04000) != 0) go |= GO_SETUID;
        if ((mode & 02000) != 0) go |= GO_SETGID;
        if ((mode & 01000) != 0) go |= GO_STICKY;
        go |= switch (fmt) {
            case Sys.S_IFDIR -> GO_DIR;
            case Sys.S_IFLNK -> GO_SYMLINK;
            case Sys.S_IFCHR -> GO_DEVICE | GO_CHARDEV;
            case Sys.S_IFBLK -> GO_DEVICE;
            case Sys.S_IFIFO -> GO_PIPE;
            case Sys.S_IFSOCK -> GO_SOCKET;
            default -> 0L;
        };
        String linkTarget = "";
        if (fmt == Sys.S_IFLNK && r.root().equals(rootfs)) {
            linkTarget = "/" + rootfs.relativize(SecurePath.resolve(rootfs, r.containerPath()));
        }
        String name = r.containerPath().equals("/") ? "/" : r.containerPath().substring(r.containerPath().lastIndexOf('/') + 1);
        return Json.obj("name", name, "size", a.get("size"), "mode", go,
                "mtime", ((FileTime) a.get("lastModifiedTime")).toInstant().toString(), "linkTarget", linkTarget);
    }

    /** HEAD /containers/{id}/archive: docker's path stat {name, size, mode (Go's FileMode), mtime, linkTarget}. */
    public Map<String, Object> stat(String ref, String path) throws IOException {
        checkPath(path);
        return withRootfs(ref, (rootfs, c) -> stat(resolve(rootfs, c, path), rootfs, path, ref));
    }

    private static void checkPath(String path) {
        if (path == null || path.isEmpty()) throw new EngineException(400, "path: a path in the container is required");
    }

    /** Where an archive goes: given the path's stat (for the reply's header), returns the stream to write it to. */
    public interface Download {
        OutputStream begin(Map<String, Object> stat) throws IOException;
    }

    /**
     * GET /containers/{id}/archive: a tar of the path, its entries named after the path's last component (or "."
     * when the path ends in "/."), as docker's TarResourceRebase does.
     */
    public void get(String ref, String path, Download d) throws IOException {
        checkPath(path);
        withRootfs(ref, (rootfs, c) -> {
            Resolved r = resolve(rootfs, c, path);
            Map<String, Object> st = stat(r, rootfs, path, ref);
            String trimmed = path.replaceAll("/+$", "");
            String name = path.endsWith("/.") ? "." : trimmed.isEmpty() ? "." : trimmed.substring(trimmed.lastIndexOf('/') + 1);
            OutputStream out = d.begin(st);
            LayerWriter.path(r.host(), name, out);
            return null;
        });
    }

    /**
     * PUT /containers/{id}/archive: extracts a tar into the directory {@code path} with the layer applier's safe
     * extraction (no entry may escape it or write through a symlink). noOverwriteDirNonDir refuses to replace a
     * directory with a non-directory or the reverse; copyUIDGID gives every file the container user's ids, as
     * docker does (else the tar's ids are kept).
     */
    public void put(String ref, String path, InputStream tar, boolean noOverwriteDirNonDir, boolean copyUIDGID) throws IOException {
        checkPath(path);
        withRootfs(ref, (rootfs, c) -> {
            Resolved r = resolve(rootfs, c, path);
            BasicFileAttributes a;
            try {
                if (Files.isSymbolicLink(r.host())) r = resolve(rootfs, c, path + "/"); // a link to a directory: followed inside
                a = Files.readAttributes(r.host(), BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
            } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException e) {
                throw notFound(path, ref);
            }
            if (!a.isDirectory()) throw new EngineException(400, "extraction point is not a directory");
            if (r.root().equals(rootfs) && Boolean.TRUE.equals(((Map<?, ?>) c.get("HostConfig")).get("ReadonlyRootfs"))) {
                throw new EngineException(400, "container rootfs is marked read-only");
            }
            long[] owner = null;
            String user = String.valueOf(((Map<?, ?>) c.get("Config")).get("User") == null ? "" : ((Map<?, ?>) c.get("Config")).get("User"));
            if (copyUIDGID && !user.isEmpty()) owner = Users.resolve(rootfs, user);
            extract(tar, r.host(), r.containerPath(), noOverwriteDirNonDir, owner);
            return null;
        });
    }

    /** Reads the tar through a checking filter (dir/non-dir, owner) into the layer applier, FLAT mode. */
    private static void extract(InputStream tar, Path dir, String containerDir, boolean noOverwriteDirNonDir, long[] owner) throws IOException {
        PipedInputStream in = new PipedInputStream(1 << 16);
        PipedOutputStream pipe = new PipedOutputStream(in);
        CompletableFuture<Void> filter = new CompletableFuture<>();
        Thread.ofVirtual().name("berth-cp-filter").start(() -> {
            try (OutputStream out = new BufferedOutputStream(pipe, 1 << 16)) {
                TarReader reader = new TarReader(dev.berth.image.Compression.open(tar), Limits.DEFAULT); // plain, gzip or zstd
                TarWriter writer = new TarWriter(out);
                byte[] buf = new byte[1 << 16];
                for (TarEntry e; (e = reader.next()) != null; ) {
                    if (noOverwriteDirNonDir) checkOverwrite(dir, containerDir, e);
                    if (owner != null) e = e.withOwner(owner[0], owner[1]);
                    writer.add(e);
                    if (e.type() == TarEntry.Type.FILE) {
                        for (int n; (n = reader.read(buf, 0, buf.length)) > 0; ) writer.write(buf, 0, n);
                    }
                }
                writer.finish();
                filter.complete(null);
            } catch (IOException | RuntimeException e) {
                filter.completeExceptionally(e);
                try {
                    in.close(); // the applier's read fails at once
                } catch (IOException ignored) {
                    // closing
                }
            }
        });
        try {
            new LayerApplier(LayerApplier.Mode.FLAT).apply(in, MediaType.Compression.NONE, dir);
        } catch (IOException e) {
            if (filter.isCompletedExceptionally()) rethrow(filter);
            if (e instanceof LayerException) throw new EngineException(400, "copying into the container: " + e.getMessage());
            throw e;
        } finally {
            in.close();
        }
        rethrow(filter);
    }

    private static void rethrow(CompletableFuture<Void> f) throws IOException {
        try {
            f.join();
        } catch (java.util.concurrent.CompletionException e) {
            if (e.getCause() instanceof EngineException x) throw x;
            if (e.getCause() instanceof LayerException x) throw new EngineException(400, "copying into the container: " + x.getMessage());
            if (e.getCause() instanceof IOException x) throw x;
            throw e;
        }
    }

    private static void checkOverwrite(Path dir, String containerDir, TarEntry e) throws IOException {
        String name = e.name().replaceAll("^/+", "").replaceAll("/+$", "");
        if (name.isEmpty() || name.equals(".") || name.contains("..")) return; // the applier checks these
        Path p = dir.resolve(name);
        BasicFileAttributes a;
        try {
            a = Files.readAttributes(p, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS);
        } catch (IOException none) {
            return;
        }
        String shown = (containerDir.equals("/") ? "" : containerDir) + "/" + name;
        if (a.isDirectory() && !e.isDir()) {
            throw new EngineException(400, "cannot overwrite directory \"" + shown + "\" with non-directory \"" + e.name() + "\"");
        }
        if (!a.isDirectory() && e.isDir()) {
            throw new EngineException(400, "cannot overwrite non-directory \"" + shown + "\" with directory \"" + e.name() + "\"");
        }
    }

    // ------------------------------------------------------------------ diff, export

    /**
     * docker diff: what the container's writable layer holds, as [{Path, Kind}] sorted by path, Kind 0 modified
     * (it exists below), 1 added, 2 deleted (an overlay whiteout). Below an opaque directory everything is added.
     */
    public List<Map<String, Object>> changes(String ref) throws IOException {
        Map<String, Object> c = engine.find(ref);
        String id = (String) c.get("Id");
        var active = engine.snapshots().active(id).orElseThrow(() -> new EngineException(404, "No such container: " + ref));
        List<Path> lowers = active.parent() == null ? List.of() : engine.snapshots().lowerDirs(active.parent());
        List<Map<String, Object>> out = new ArrayList<>();
        walkChanges(active.upper(), "", lowers, false, out);
        out.sort((a, b) -> String.valueOf(a.get("Path")).compareTo(String.valueOf(b.get("Path"))));
        return out;
    }

    /** Adds the changes below {@code dir}; returns how many runtime mount points it hid there. */
    private static int walkChanges(Path dir, String rel, List<Path> lowers, boolean underOpaque, List<Map<String, Object>> out) throws IOException {
        List<Path> children = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            for (Path p : ds) children.add(p);
        }
        int hidden = 0;
        for (Path p : children) {
            String path = rel + "/" + p.getFileName();
            Map<String, Object> a = Files.readAttributes(p, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
            int fmt = (Integer) a.get("mode") & Sys.S_IFMT;
            boolean whiteout = fmt == Sys.S_IFCHR && (Long) a.get("rdev") == 0;
            boolean below = !underOpaque && inLowers(lowers, path);
            if (whiteout) {
                if (below) out.add(Json.obj("Path", path, "Kind", 2));
                continue;
            }
            boolean isDir = fmt == Sys.S_IFDIR;
            if (MOUNT_POINTS.contains(path) && !below && (isDir ? isEmpty(p) : Files.size(p) == 0)) {
                hidden++;
                continue;
            }
            if (!isDir) {
                out.add(Json.obj("Path", path, "Kind", below ? 0 : 1));
                continue;
            }
            List<Map<String, Object>> inner = new ArrayList<>();
            int hiddenInside = walkChanges(p, path, lowers, underOpaque || isOpaque(p) || !below, inner);
            // a directory copied up only because the runtime made its mount points in it (/etc) is no change
            if (!(below && inner.isEmpty() && hiddenInside > 0)) out.add(Json.obj("Path", path, "Kind", below ? 0 : 1));
            out.addAll(inner);
        }
        return hidden;
    }

    private static boolean isEmpty(Path dir) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(dir)) {
            return !ds.iterator().hasNext();
        }
    }

    private static boolean isOpaque(Path dir) throws IOException {
        byte[] v = Sys.lgetxattr(dir, "trusted.overlay.opaque");
        return v != null && v.length == 1 && v[0] == 'y';
    }

    /** Whether the lower layers (topmost first) show something at {@code rel}: a whiteout or an opaque parent hides it. */
    private static boolean inLowers(List<Path> lowers, String rel) throws IOException {
        String[] comps = rel.substring(1).split("/");
        for (Path lower : lowers) {
            Path cur = lower;
            boolean stop = false;
            for (int i = 0; i < comps.length; i++) {
                cur = cur.resolve(comps[i]);
                Map<String, Object> a;
                try {
                    a = Files.readAttributes(cur, "unix:mode,rdev", LinkOption.NOFOLLOW_LINKS);
                } catch (java.nio.file.NoSuchFileException | java.nio.file.NotDirectoryException e) {
                    break;
                }
                int fmt = (Integer) a.get("mode") & Sys.S_IFMT;
                if (fmt == Sys.S_IFCHR && (Long) a.get("rdev") == 0) return false; // deleted in this layer
                if (i == comps.length - 1) return true;
                if (fmt != Sys.S_IFDIR) break;
                if (isOpaque(cur)) stop = true; // nothing below this layer shows through here
            }
            if (stop) return false;
        }
        return false;
    }

    /** docker export: a tar of the container's merged root filesystem (volumes and mounts not included). */
    public void export(String ref, OutputStream out) throws IOException {
        withRootfs(ref, (rootfs, c) -> {
            LayerWriter.tree(rootfs).write(out, MediaType.Compression.NONE);
            return null;
        });
    }
}
