package dev.berth.runtime;

/**
 * Start-up profiling: with BERTH_TRACE=1, {@link #mark} prints milliseconds since the JVM started the main
 * class, per phase, to stderr. Costs one environment lookup when off.
 */
public final class Trace {
    private static final boolean ON = System.getenv("BERTH_TRACE") != null;
    private static final long T0 = System.nanoTime();

    private Trace() {}

    public static void mark(String phase) {
        if (ON) System.err.printf("berth trace: %6.1f ms  %s%n", (System.nanoTime() - T0) / 1e6, phase);
    }
}
