package dev.berth.runtime.cgroup;

import java.nio.file.Path;

/**
 * The two freezers. v1: the freezer controller's freezer.state (THAWED, FREEZING, FROZEN); a freeze can linger
 * in FREEZING, so the request is repeated, and now and then bounced through THAWED, until it sticks (as runc).
 * v2: the core file cgroup.freeze, present in every non-root cgroup2 directory whether or not any controller
 * is enabled; it is done when cgroup.events says "frozen 1".
 */
final class Freezer {
    static final String STATE = "freezer.state";
    static final long TIMEOUT_MS = 5_000;

    private Freezer() {}

    static void freezeV1(CgroupFiles io, Path dir) {
        Path state = dir.resolve(STATE);
        long deadline = System.nanoTime() + TIMEOUT_MS * 1_000_000;
        for (int i = 0; System.nanoTime() < deadline; i++) {
            if (i % 50 == 49) {
                // Stuck in FREEZING (e.g. a task in an uninterruptible wait): thaw briefly and try again.
                io.write(state, "THAWED");
                sleep(10);
            }
            io.write(state, "FROZEN");
            if (io.read(state).equals("FROZEN")) return;
            sleep(i % 25 == 24 ? 10 : 1);
        }
        io.write(state, "THAWED");
        throw new CgroupException("cgroup " + state + ": still not FROZEN after " + TIMEOUT_MS + " ms; thawed again");
    }

    static void thawV1(CgroupFiles io, Path dir) {
        Path state = dir.resolve(STATE);
        io.write(state, "THAWED");
        waitFor(state, () -> io.read(state).equals("THAWED"), "THAWED");
    }

    static boolean isFrozenV1(CgroupFiles io, Path dir) {
        return io.readIfExists(dir.resolve(STATE)).map(s -> s.equals("FROZEN")).orElse(false);
    }

    static void freezeV2(CgroupFiles io, Path dir) {
        io.write(dir.resolve("cgroup.freeze"), "1");
        try {
            waitFor(dir.resolve("cgroup.events"), () -> isFrozenV2(io, dir), "frozen 1");
        } catch (CgroupException e) {
            io.write(dir.resolve("cgroup.freeze"), "0");
            throw e;
        }
    }

    static void thawV2(CgroupFiles io, Path dir) {
        io.write(dir.resolve("cgroup.freeze"), "0");
        waitFor(dir.resolve("cgroup.events"), () -> !isFrozenV2(io, dir), "frozen 0");
    }

    static boolean isFrozenV2(CgroupFiles io, Path dir) {
        return io.readKeyed(dir.resolve("cgroup.events"), "frozen").orElse(0) == 1;
    }

    private static void waitFor(Path file, java.util.function.BooleanSupplier done, String what) {
        long deadline = System.nanoTime() + TIMEOUT_MS * 1_000_000;
        long pause = 1;
        while (!done.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new CgroupException("cgroup " + file + ": no \"" + what + "\" after " + TIMEOUT_MS + " ms");
            }
            sleep(pause);
            pause = Math.min(pause * 2, 20);
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CgroupException("interrupted while waiting on a cgroup", e);
        }
    }
}
