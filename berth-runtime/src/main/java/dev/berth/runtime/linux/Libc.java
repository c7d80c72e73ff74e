package dev.berth.runtime.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.SymbolLookup;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;
import java.util.List;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

/**
 * The libc calls berth makes from Java, through java.lang.foreign (no JNI). Only calls that are safe in a
 * multi-threaded JVM live here: no fork, no setns, no unshare — those belong to the C shim. Each call that can
 * fail throws {@link LinuxException} naming the call, the errno and what it was applied to.
 */
public final class Libc {
    public static final int O_RDONLY = 0, O_WRONLY = 1, O_RDWR = 2, O_NONBLOCK = 0x800, O_CLOEXEC = 0x80000;
    public static final int F_DUPFD_CLOEXEC = 1030;
    public static final int ENOENT = 2, ESRCH = 3, EINTR = 4, EAGAIN = 11, EEXIST = 17, ENXIO = 6, EPERM = 1;
    public static final int POLLIN = 1, POLLERR = 0x8, POLLHUP = 0x10;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final SymbolLookup LIBC = LINKER.defaultLookup();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option ERR = Linker.Option.captureCallState("errno");

    private static MethodHandle fn(String name, FunctionDescriptor fd, Linker.Option... opts) {
        return LINKER.downcallHandle(LIBC.find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), fd, opts);
    }

    private static final class H { // created on first use, so a command only pays for what it calls
        static final MethodHandle PIPE2 = fn("pipe2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERR);
        static final MethodHandle CLOSE = fn("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
        static final MethodHandle READ = fn("read", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERR);
        static final MethodHandle WRITE = fn("write", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG), ERR);
        static final MethodHandle POLL = fn("poll", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT), ERR);
        static final MethodHandle WAITPID = fn("waitpid", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT), ERR);
        static final MethodHandle KILL = fn("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), ERR);
        static final MethodHandle MKFIFO = fn("mkfifo", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT), ERR);
        static final MethodHandle OPEN = fn("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT), ERR, Linker.Option.firstVariadicArg(2));
        static final MethodHandle FCNTL = fn("fcntl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT), ERR, Linker.Option.firstVariadicArg(2));
        static final MethodHandle STRERROR = fn("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
        static final MethodHandle GETEUID = fn("geteuid", FunctionDescriptor.of(JAVA_INT));
    }

    private static final class Spawn {
        static final MethodHandle SPAWN = fn("posix_spawn", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS, ADDRESS));
        static final MethodHandle FA_INIT = fn("posix_spawn_file_actions_init", FunctionDescriptor.of(JAVA_INT, ADDRESS));
        static final MethodHandle FA_DUP2 = fn("posix_spawn_file_actions_adddup2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT, JAVA_INT));
        static final MethodHandle FA_DESTROY = fn("posix_spawn_file_actions_destroy", FunctionDescriptor.of(JAVA_INT, ADDRESS));
    }

    private Libc() {}

    private static int errno(MemorySegment state) {
        return (int) ERRNO.get(state, 0L);
    }

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    public static String strerror(int errno) {
        try {
            MemorySegment p = (MemorySegment) H.STRERROR.invokeExact(errno);
            return p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int geteuid() {
        try {
            return (int) H.GETEUID.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** A pipe whose ends are close-on-exec and numbered at or above 100 (clear of the fds a child is given). */
    public static int[] pipe() {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fds = a.allocate(JAVA_INT, 2), st = a.allocate(CAPTURE);
            if ((int) H.PIPE2.invokeExact(st, fds, O_CLOEXEC) < 0) throw new LinuxException("pipe2", errno(st), null);
            int[] out = {fds.getAtIndex(JAVA_INT, 0), fds.getAtIndex(JAVA_INT, 1)};
            for (int i = 0; i < 2; i++) {
                int high = (int) H.FCNTL.invokeExact(st, out[i], F_DUPFD_CLOEXEC, 100);
                if (high < 0) throw new LinuxException("fcntl", errno(st), null);
                close(out[i]);
                out[i] = high;
            }
            return out;
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void close(int fd) {
        try {
            int ignored = (int) H.CLOSE.invokeExact(fd);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Reads up to buf.length bytes; 0 at end of file. */
    public static int read(int fd, byte[] buf) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(buf.length), st = a.allocate(CAPTURE);
            while (true) {
                long n = (long) H.READ.invokeExact(st, fd, m, (long) buf.length);
                if (n >= 0) {
                    MemorySegment.copy(m, ValueLayout.JAVA_BYTE, 0, buf, 0, (int) n);
                    return (int) n;
                }
                if (errno(st) != EINTR) throw new LinuxException("read", errno(st), null);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void writeAll(int fd, byte[] data, String what) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment m = a.allocate(Math.max(1, data.length)), st = a.allocate(CAPTURE);
            MemorySegment.copy(data, 0, m, ValueLayout.JAVA_BYTE, 0, data.length);
            long off = 0;
            while (off < data.length) {
                long n = (long) H.WRITE.invokeExact(st, fd, m.asSlice(off), (long) data.length - off);
                if (n < 0 && errno(st) == EINTR) continue;
                if (n < 0) throw new LinuxException("write", errno(st), what);
                off += n;
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** Waits up to timeoutMillis for fd to become readable (or hung up); false on timeout. */
    public static boolean pollIn(int fd, int timeoutMillis) {
        return poll(fd, POLLIN, timeoutMillis) != 0;
    }

    /**
     * poll(2) on one descriptor: the returned events, 0 on timeout. POLLERR and POLLHUP are always reported, so
     * events 0 waits for those alone (a FIFO's writer sees POLLERR once the FIFO has no reader left).
     */
    public static int poll(int fd, int events, int timeoutMillis) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment p = a.allocate(8), st = a.allocate(CAPTURE);
            p.set(JAVA_INT, 0, fd);
            p.set(ValueLayout.JAVA_SHORT, 4, (short) events);
            while (true) {
                int r = (int) H.POLL.invokeExact(st, p, 1L, timeoutMillis);
                if (r > 0) return p.get(ValueLayout.JAVA_SHORT, 6);
                if (r == 0) return 0;
                if (errno(st) != EINTR) throw new LinuxException("poll", errno(st), null);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** waitpid(pid, 0): the raw wait status. */
    public static int waitpid(int pid) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment s = a.allocate(JAVA_INT), st = a.allocate(CAPTURE);
            while (true) {
                int r = (int) H.WAITPID.invokeExact(st, pid, s, 0);
                if (r == pid) return s.get(JAVA_INT, 0);
                if (r < 0 && errno(st) != EINTR) throw new LinuxException("waitpid", errno(st), "pid " + pid);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** kill(2); returns false if the process does not exist (ESRCH). */
    public static boolean kill(int pid, int signal) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            if ((int) H.KILL.invokeExact(st, pid, signal) == 0) return true;
            if (errno(st) == ESRCH) return false;
            throw new LinuxException("kill", errno(st), "pid " + pid);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static void mkfifo(String path, int mode) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            if ((int) H.MKFIFO.invokeExact(st, a.allocateFrom(path), mode) < 0) throw new LinuxException("mkfifo", errno(st), path);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /** open(2); returns -errno instead of throwing, for callers that branch on the error. */
    public static int open(String path, int flags) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int fd = (int) H.OPEN.invokeExact(st, a.allocateFrom(path), flags, 0);
            return fd >= 0 ? fd : -errno(st);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * posix_spawn with {@code fds[i]} given to the child as descriptor {@code 3 + i}; stdio is inherited, the
     * environment is empty. posix_spawn is the JDK's own way to start processes and is safe in a threaded JVM.
     */
    public static int spawn(String path, List<String> argv, int... fds) {
        try (Arena a = Arena.ofConfined()) {
            MemorySegment fa = a.allocate(512, 16);
            int r = (int) Spawn.FA_INIT.invokeExact(fa);
            try {
                for (int i = 0; i < fds.length; i++) {
                    r = (int) Spawn.FA_DUP2.invokeExact(fa, fds[i], 3 + i);
                    if (r != 0) throw new LinuxException("posix_spawn_file_actions_adddup2", r, path);
                }
                MemorySegment args = a.allocate(ADDRESS, argv.size() + 1L);
                for (int i = 0; i < argv.size(); i++) args.setAtIndex(ADDRESS, i, a.allocateFrom(argv.get(i)));
                MemorySegment env = a.allocate(ADDRESS, 1);
                MemorySegment pid = a.allocate(JAVA_INT);
                r = (int) Spawn.SPAWN.invokeExact(pid, a.allocateFrom(path), fa, MemorySegment.NULL, args, env);
                if (r != 0) throw new LinuxException("posix_spawn", r, path);
                return pid.get(JAVA_INT, 0);
            } finally {
                int ignored = (int) Spawn.FA_DESTROY.invokeExact(fa);
            }
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
