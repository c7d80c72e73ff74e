package dev.berth.image.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_BYTE;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc calls of berth-image that java.nio cannot make: device nodes, ownership and times of symlinks,
 * set-id mode bits, every xattr namespace (layers), and mount, umount2, syncfs (snapshots). Each downcall is linked on first use (its own holder class); each failure is an
 * IOException naming the call, the path and strerror. Paths are encoded as the JDK encodes them
 * ({@code sun.jnu.encoding}), so these calls and java.nio agree on what a name means.
 */
@SuppressWarnings("restricted") // native access is the point of this class
public final class Sys {
    public static final long MS_RDONLY = 1, MS_REMOUNT = 32, MS_BIND = 4096;
    public static final int MNT_DETACH = 2, EINVAL = 22;
    private static final int O_RDONLY = 0, O_DIRECTORY = 0200000, O_CLOEXEC = 02000000;
    public static final int ENOENT = 2, EPERM = 1, E2BIG = 7, ERANGE = 34, ENOTSUP = 95, ENODATA = 61, EXDEV = 18;
    public static final int S_IFIFO = 0010000, S_IFCHR = 0020000, S_IFDIR = 0040000, S_IFBLK = 0060000, S_IFREG = 0100000,
            S_IFLNK = 0120000, S_IFSOCK = 0140000, S_IFMT = 0170000;

    private static final int AT_FDCWD = -100, AT_SYMLINK_NOFOLLOW = 0x100;
    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERRNO_OPT = Linker.Option.captureCallState("errno");
    private static final Charset PATHS = pathCharset();

    private Sys() {}

    private static Charset pathCharset() {
        try {
            return Charset.forName(System.getProperty("sun.jnu.encoding", "UTF-8"));
        } catch (RuntimeException e) {
            return StandardCharsets.UTF_8;
        }
    }

    private static MethodHandle link(String name, FunctionDescriptor fd) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), fd, ERRNO_OPT);
    }

    private static final class Mknod {
        static final MethodHandle H = link("mknod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_LONG));
    }

    private static final class Lchown {
        static final MethodHandle H = link("lchown", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
    }

    private static final class Chmod {
        static final MethodHandle H = link("chmod", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class Symlink {
        static final MethodHandle H = link("symlink", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS));
    }

    private static final class Utimensat {
        static final MethodHandle H = link("utimensat", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS, JAVA_INT));
    }

    private static final class Lsetxattr {
        static final MethodHandle H = link("lsetxattr", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, JAVA_INT));
    }

    private static final class Lgetxattr {
        static final MethodHandle H = link("lgetxattr", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG));
    }

    private static final class Llistxattr {
        static final MethodHandle H = link("llistxattr", FunctionDescriptor.of(JAVA_LONG, ADDRESS, ADDRESS, JAVA_LONG));
    }

    private static final class Mount {
        static final MethodHandle H = link("mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    }

    private static final class Umount2 {
        static final MethodHandle H = link("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class Open {
        static final MethodHandle H = link("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    }

    private static final class Syncfs {
        static final MethodHandle H = link("syncfs", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static final class Close {
        static final MethodHandle H = link("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    }

    private static final class StrError {
        static final MethodHandle H = LINKER.downcallHandle(LINKER.defaultLookup().find("strerror").orElseThrow(),
                FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private static final class GetEuid {
        static final MethodHandle H = LINKER.downcallHandle(LINKER.defaultLookup().find("geteuid").orElseThrow(),
                FunctionDescriptor.of(JAVA_INT));
        static final int EUID = call();

        private static int call() {
            try {
                return (int) H.invokeExact();
            } catch (Throwable t) {
                throw new IllegalStateException(t);
            }
        }
    }

    /** A failed call: {@code errno} is kept so callers can tolerate the expected ones. */
    public static final class SysException extends IOException {
        public final int errno;

        SysException(String call, Path path, int errno) {
            super(call + " " + path + ": " + strerror(errno));
            this.errno = errno;
        }
    }

    public static boolean isRoot() {
        return GetEuid.EUID == 0;
    }

    public static String strerror(int errno) {
        try {
            MemorySegment p = (MemorySegment) StrError.H.invokeExact(errno);
            return p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    public static long makedev(long major, long minor) {
        return ((major & 0xfffff000L) << 32) | ((major & 0xfffL) << 8) | ((minor & 0xffffff00L) << 12) | (minor & 0xffL);
    }

    public static int major(long dev) {
        return (int) (((dev >>> 32) & 0xfffff000L) | ((dev >>> 8) & 0xfffL));
    }

    public static int minor(long dev) {
        return (int) (((dev >>> 12) & 0xffffff00L) | (dev & 0xffL));
    }

    private static MemorySegment cpath(Arena a, Path p) {
        return a.allocateFrom(p.toString(), PATHS);
    }

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static IOException fail(Throwable t) {
        if (t instanceof IOException io) return io;
        if (t instanceof RuntimeException r) throw r;
        if (t instanceof Error e) throw e;
        return new IOException(t);
    }

    /** mknod(2): {@code type} is S_IFCHR, S_IFBLK or S_IFIFO; {@code perm} the permission bits. */
    public static void mknod(Path p, int type, int perm, long dev) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) Mknod.H.invokeExact(st, cpath(a, p), type | (perm & 07777), dev);
            if (r != 0) throw new SysException("mknod", p, errno(st));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static void lchown(Path p, long uid, long gid) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) Lchown.H.invokeExact(st, cpath(a, p), (int) uid, (int) gid);
            if (r != 0) throw new SysException("lchown", p, errno(st));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** chmod(2), set-id and sticky bits included. Follows symlinks: only called on paths known not to be one. */
    public static void chmod(Path p, int mode) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) Chmod.H.invokeExact(st, cpath(a, p), mode & 07777);
            if (r != 0) throw new SysException("chmod", p, errno(st));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** symlink(2) with the target exactly as given (java.nio would normalize it: "a//b/" → "a/b"). */
    public static void symlink(String target, Path link) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) Symlink.H.invokeExact(st, a.allocateFrom(target, PATHS), cpath(a, link));
            if (r != 0) throw new SysException("symlink", link, errno(st));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** utimensat(2) without following a symlink: atime and mtime in seconds + nanoseconds. */
    public static void lutimes(Path p, long atimeSec, int atimeNs, long mtimeSec, int mtimeNs) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment ts = a.allocate(JAVA_LONG, 4);
            ts.setAtIndex(JAVA_LONG, 0, atimeSec);
            ts.setAtIndex(JAVA_LONG, 1, atimeNs);
            ts.setAtIndex(JAVA_LONG, 2, mtimeSec);
            ts.setAtIndex(JAVA_LONG, 3, mtimeNs);
            int r = (int) Utimensat.H.invokeExact(st, AT_FDCWD, cpath(a, p), ts, AT_SYMLINK_NOFOLLOW);
            if (r != 0) throw new SysException("utimensat", p, errno(st));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static void lsetxattr(Path p, String name, byte[] value) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment v = a.allocate(Math.max(1, value.length));
            MemorySegment.copy(value, 0, v, JAVA_BYTE, 0, value.length);
            int r = (int) Lsetxattr.H.invokeExact(st, cpath(a, p), a.allocateFrom(name), v, (long) value.length, 0);
            if (r != 0) throw new SysException("lsetxattr " + name, p, errno(st));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The value, or null when the file has no such attribute. */
    public static byte[] lgetxattr(Path p, String name) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment cp = cpath(a, p), cn = a.allocateFrom(name);
            for (long size = 256; ; ) {
                MemorySegment buf = a.allocate(size);
                long n = (long) Lgetxattr.H.invokeExact(st, cp, cn, buf, size);
                if (n >= 0) return buf.asSlice(0, n).toArray(JAVA_BYTE);
                int e = errno(st);
                if (e == ENODATA) return null;
                if (e != ERANGE || size >= (1 << 20)) throw new SysException("lgetxattr " + name, p, e);
                size = Math.max(size * 4, (long) Lgetxattr.H.invokeExact(st, cp, cn, MemorySegment.NULL, 0L));
            }
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** The names of the file's extended attributes (empty when the filesystem has none). */
    public static List<String> llistxattr(Path p) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            MemorySegment cp = cpath(a, p);
            for (long size = 1024; ; ) {
                MemorySegment buf = a.allocate(size);
                long n = (long) Llistxattr.H.invokeExact(st, cp, buf, size);
                if (n >= 0) {
                    List<String> names = new ArrayList<>();
                    int start = 0;
                    for (int i = 0; i < n; i++) {
                        if (buf.get(JAVA_BYTE, i) == 0) {
                            if (i > start) names.add(new String(buf.asSlice(start, i - start).toArray(JAVA_BYTE), StandardCharsets.UTF_8));
                            start = i + 1;
                        }
                    }
                    return names;
                }
                int e = errno(st);
                if (e == ENOTSUP) return List.of();
                if (e != ERANGE || size >= (1 << 20)) throw new SysException("llistxattr", p, e);
                size *= 4;
            }
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    private static MemorySegment str(Arena a, String s) {
        return s == null ? MemorySegment.NULL : a.allocateFrom(s, PATHS);
    }

    public static void mount(String source, Path target, String fstype, long flags, String data) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) Mount.H.invokeExact(st, str(a, source), str(a, target.toString()), str(a, fstype), flags, str(a, data));
            if (r != 0) throw new SysException("mount " + fstype, target, (int) ERRNO.get(st, 0L));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    public static void umount2(Path target, int flags) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) Umount2.H.invokeExact(st, str(a, target.toString()), flags);
            if (r != 0) throw new SysException("umount2", target, (int) ERRNO.get(st, 0L));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** syncfs(2) on the filesystem holding {@code dir}: everything written there is on disk when it returns. */
    public static void syncfs(Path dir) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int fd = (int) Open.H.invokeExact(st, str(a, dir.toString()), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
            if (fd < 0) throw new SysException("open", dir, (int) ERRNO.get(st, 0L));
            try {
                int r = (int) Syncfs.H.invokeExact(st, fd);
                if (r != 0) throw new SysException("syncfs", dir, (int) ERRNO.get(st, 0L));
            } finally {
                int ignored = (int) Close.H.invokeExact(st, fd);
            }
        } catch (Throwable t) {
            throw fail(t);
        }
    }
}
