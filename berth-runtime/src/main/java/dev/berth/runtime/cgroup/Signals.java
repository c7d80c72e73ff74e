package dev.berth.runtime.cgroup;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.VarHandle;

/**
 * libc {@code kill(2)} through the FFM API. Kept tiny and package-private: the runtime's
 * {@code dev.berth.runtime.linux} package will own libc calls and this should move there.
 */
final class Signals {
    static final int SIGKILL = 9;
    static final int SIGTERM = 15;
    static final int ESRCH = 3;

    private static final StructLayout CAPTURE = Linker.Option.captureStateLayout();
    private static final VarHandle ERRNO = CAPTURE.varHandle(MemoryLayout.PathElement.groupElement("errno"));
    private static final MethodHandle KILL = downcall();

    @SuppressWarnings("restricted") // downcalls need --enable-native-access; the launcher passes it
    private static MethodHandle downcall() {
        Linker linker = Linker.nativeLinker();
        return linker.downcallHandle(
                linker.defaultLookup().find("kill").orElseThrow(() -> new IllegalStateException("libc has no kill")),
                FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.JAVA_INT),
                Linker.Option.captureCallState("errno"));
    }

    private Signals() {}

    /**
     * Sends signal to one process. Returns 0 on success or the errno (ESRCH: already gone). Only a single positive
     * pid is accepted: 0 and negative values would signal process groups, or every process.
     */
    static int kill(long pid, int signal) {
        if (pid <= 0 || pid > Integer.MAX_VALUE) throw new IllegalArgumentException("not a single process id: " + pid);
        if (signal < 0 || signal > 64) throw new IllegalArgumentException("not a signal number: " + signal);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment state = arena.allocate(CAPTURE);
            int rc = (int) KILL.invokeExact(state, (int) pid, signal);
            return rc == 0 ? 0 : (int) ERRNO.get(state, 0L);
        } catch (RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("kill(" + pid + ", " + signal + ")", t);
        }
    }
}
