package dev.berth.runtime;

import dev.berth.runtime.linux.Libc;
import dev.berth.runtime.plan.Plan;

import java.io.ByteArrayOutputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Starts the C shim (src/main/c) with a plan and reads what it reports on the sync pipe, one line per event:
 * {@code monitor M}, {@code pid P}, {@code ready}, {@code started}, {@code error IDX ERRNO DETAIL},
 * {@code exit CODE SIGNAL}. See shim.h for the protocol.
 */
final class Shim implements AutoCloseable {
    /** One line from the shim, split into its verb and the rest. */
    record Event(String verb, String rest) {
        int number() {
            return Integer.parseInt(rest.split(" ")[0]);
        }
    }

    private final int fd;
    private final Plan plan;
    private final byte[] buf = new byte[4096];
    private final ByteArrayOutputStream pending = new ByteArrayOutputStream();
    private boolean eof;

    private Shim(int fd, Plan plan) {
        this.fd = fd;
        this.plan = plan;
    }

    /** Where the shim binary is: -Dberth.shim, $BERTH_SHIM, or libexec/ beside the lib/ holding berth's jars. */
    static Path locate() {
        String p = System.getProperty("berth.shim", System.getenv("BERTH_SHIM"));
        if (p != null) return Path.of(p);
        try {
            Path jar = Path.of(Shim.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            Path candidate = jar.getParent().getParent().resolve("libexec/berth-shim");
            if (Files.isExecutable(candidate)) return candidate;
        } catch (URISyntaxException | RuntimeException ignored) {
            // fall through to the error below
        }
        throw new IllegalStateException("cannot find berth-shim: build with ./berth (or mvn package), or set BERTH_SHIM");
    }

    static Shim spawn(Path shim, Plan plan) {
        int[] planPipe = Libc.pipe();
        int[] sync;
        try {
            sync = Libc.pipe();
        } catch (RuntimeException e) {
            Libc.close(planPipe[0]);
            Libc.close(planPipe[1]);
            throw e;
        }
        int pid;
        try {
            pid = Libc.spawn(shim.toString(), List.of("berth-shim"), planPipe[0], sync[1]);
        } finally {
            Libc.close(planPipe[0]);
            Libc.close(sync[1]);
        }
        try {
            Libc.writeAll(planPipe[1], plan.encode(), "plan for " + shim);
        } finally {
            Libc.close(planPipe[1]);
        }
        Libc.waitpid(pid); // the shim forks and its first process exits at once
        return new Shim(sync[0], plan);
    }

    /** The next event; null at end of stream (the monitor exited). Throws if nothing comes within the timeout. */
    Event next(long timeoutMillis) {
        while (true) {
            byte[] have = pending.toByteArray();
            for (int i = 0; i < have.length; i++) {
                if (have[i] == '\n') {
                    String line = new String(have, 0, i, StandardCharsets.UTF_8);
                    pending.reset();
                    pending.write(have, i + 1, have.length - i - 1);
                    int sp = line.indexOf(' ');
                    return sp < 0 ? new Event(line, "") : new Event(line.substring(0, sp), line.substring(sp + 1));
                }
            }
            if (eof) return null;
            if (timeoutMillis >= 0 && !Libc.pollIn(fd, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))) {
                throw new RuntimeException("timed out after " + timeoutMillis + " ms waiting for the shim");
            }
            int n = Libc.read(fd, buf);
            if (n == 0) eof = true;
            else pending.write(buf, 0, n);
        }
    }

    /** Turns an {@code error} event into the sentence that names the step and the cause. */
    String explain(Event e) {
        String[] p = e.rest().split(" ", 3);
        int index = Integer.parseInt(p[0]);
        int errno = Integer.parseInt(p[1]);
        return plan.explain(index, Libc.strerror(errno), p.length > 2 ? p[2] : "");
    }

    @Override
    public void close() {
        Libc.close(fd);
    }
}
