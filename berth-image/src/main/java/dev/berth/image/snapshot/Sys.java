package dev.berth.image.snapshot;

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

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * mount(2), umount2(2) and syncfs(2) through java.lang.foreign, each linked on first use; failures are
 * IOExceptions naming the call, the path and strerror.
 */
@SuppressWarnings("restricted") // native access is the point of this class
final class Sys {
    static final long MS_RDONLY = 1, MS_REMOUNT = 32, MS_BIND = 4096;
    static final int MNT_DETACH = 2, EINVAL = 22, ENOENT = 2;
    private static final int O_RDONLY = 0, O_DIRECTORY = 0200000, O_CLOEXEC = 02000000;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
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
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), fd,
                Linker.Option.captureCallState("errno"));
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

    /** A failed call, with its errno. */
    static final class SysException extends IOException {
        final int errno;

        SysException(String call, Object what, int errno) {
            super(call + " " + what + ": " + strerror(errno));
            this.errno = errno;
        }
    }

    static String strerror(int errno) {
        try {
            MemorySegment p = (MemorySegment) StrError.H.invokeExact(errno);
            return p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            return "errno " + errno;
        }
    }

    private static IOException fail(Throwable t) {
        if (t instanceof IOException io) return io;
        if (t instanceof RuntimeException r) throw r;
        if (t instanceof Error e) throw e;
        return new IOException(t);
    }

    private static MemorySegment str(Arena a, String s) {
        return s == null ? MemorySegment.NULL : a.allocateFrom(s, PATHS);
    }

    static void mount(String source, Path target, String fstype, long flags, String data) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) Mount.H.invokeExact(st, str(a, source), str(a, target.toString()), str(a, fstype), flags, str(a, data));
            if (r != 0) throw new SysException("mount " + fstype, target, (int) ERRNO.get(st, 0L));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    static void umount2(Path target, int flags) throws IOException {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) Umount2.H.invokeExact(st, str(a, target.toString()), flags);
            if (r != 0) throw new SysException("umount2", target, (int) ERRNO.get(st, 0L));
        } catch (Throwable t) {
            throw fail(t);
        }
    }

    /** syncfs(2) on the filesystem holding {@code dir}: everything written there is on disk when it returns. */
    static void syncfs(Path dir) throws IOException {
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
