package dev.berth.runtime.linux;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;

/**
 * The few libc calls berth makes from Java, through java.lang.foreign (no JNI). Each is linked the first time
 * it is called (its own holder class): linking a downcall costs milliseconds at JVM start-up and the AOT cache
 * cannot keep it, so the create/start/run path uses none (the shim is started with ProcessBuilder and talks
 * over a Unix socket; docs/startup.md). Namespace and mount work is the C shim's, never Java's.
 */
public final class Libc {
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3;

    private static final Linker LINKER = Linker.nativeLinker();
    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));

    private static MethodHandle link(String name, FunctionDescriptor fd, Linker.Option... opts) {
        return LINKER.downcallHandle(LINKER.defaultLookup().find(name).orElseThrow(() -> new UnsatisfiedLinkError(name)), fd, opts);
    }

    private static final class Kill {
        static final MethodHandle H = link("kill", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT), Linker.Option.captureCallState("errno"));
    }

    private static final class StrError {
        static final MethodHandle H = link("strerror", FunctionDescriptor.of(ADDRESS, JAVA_INT));
    }

    private static final class GetEuid {
        static final MethodHandle H = link("geteuid", FunctionDescriptor.of(JAVA_INT));
    }

    private Libc() {}

    private static RuntimeException rethrow(Throwable t) {
        if (t instanceof RuntimeException r) return r;
        if (t instanceof Error e) throw e;
        return new IllegalStateException(t);
    }

    public static String strerror(int errno) {
        try {
            MemorySegment p = (MemorySegment) StrError.H.invokeExact(errno);
            return p.reinterpret(256).getString(0);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    public static int geteuid() {
        try {
            return (int) GetEuid.H.invokeExact();
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }

    /**
     * kill(2) to one process: 0 on success, else the errno (ESRCH: already gone). Only a single positive pid is
     * accepted: 0 and negative values would signal process groups, or every process.
     */
    public static int kill(long pid, int signal) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) throw new IllegalArgumentException("not a single process id: " + pid);
        if (signal < 0 || signal > 64) throw new IllegalArgumentException("not a signal number: " + signal);
        try (Arena a = Arena.ofConfined()) {
            MemorySegment st = a.allocate(CAPTURE);
            int r = (int) Kill.H.invokeExact(st, (int) pid, signal);
            return r == 0 ? 0 : (int) ERRNO.get(st, 0L);
        } catch (Throwable t) {
            throw rethrow(t);
        }
    }
}
