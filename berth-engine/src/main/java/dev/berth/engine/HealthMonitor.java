package dev.berth.engine;

import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.json.Json;
import dev.berth.runtime.Attach;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.linux.Libc;
import dev.berth.runtime.linux.Signals;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Healthchecks, as docker runs them: Config.Healthcheck (the image's, under the container's own flags) is
 * probed every Interval by an exec in the container (["CMD", ...] as given, ["CMD-SHELL", s] through /bin/sh
 * -c, ["NONE"] for none); exit 0 is a success, anything else (or running past Timeout) a failure. State.Health
 * keeps Status (starting → healthy / unhealthy), FailingStreak and the last five results; failures during
 * StartPeriod do not count until a first success; Retries failures in a row make it unhealthy. A change of
 * status is the event "health_status: STATUS". Probes run on virtual threads from one scheduler and stop when
 * the container stops.
 */
final class HealthMonitor implements AutoCloseable {
    static final long DEFAULT_INTERVAL = 30_000_000_000L, DEFAULT_TIMEOUT = 30_000_000_000L;
    static final int DEFAULT_RETRIES = 3, MAX_LOG = 5, MAX_OUTPUT = 4096;

    private final Engine engine;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("berth-health").factory());
    private final Map<String, ScheduledFuture<?>> probes = new ConcurrentHashMap<>();

    HealthMonitor(Engine engine) {
        this.engine = engine;
    }

    /** The healthcheck in effect: the container's fields over the image's (docker's merge), or null for none. */
    static Map<String, Object> merge(Map<String, Object> requested, ImageConfig.Healthcheck image) {
        Map<String, Object> hc = new LinkedHashMap<>();
        if (image != null) {
            hc.put("Test", image.test());
            if (image.interval() != 0) hc.put("Interval", image.interval());
            if (image.timeout() != 0) hc.put("Timeout", image.timeout());
            if (image.startPeriod() != 0) hc.put("StartPeriod", image.startPeriod());
            if (image.retries() != 0) hc.put("Retries", image.retries());
        }
        if (requested != null) {
            if (requested.get("Test") instanceof List<?> t && !t.isEmpty()) hc.put("Test", t);
            for (String k : List.of("Interval", "Timeout", "StartPeriod", "Retries")) {
                Object v = requested.get(k);
                if (v instanceof Number n && n.longValue() < 0) throw new EngineException(400, "Healthcheck." + k + " cannot be negative");
                if (v instanceof Number n && n.longValue() > 0 && !k.equals("Retries") && n.longValue() < 1_000_000) {
                    throw new EngineException(400, "Healthcheck." + k + " cannot be less than 1ms");
                }
                if (v instanceof Number n && n.longValue() != 0) hc.put(k, v);
            }
        }
        if (!(hc.get("Test") instanceof List<?> t) || t.isEmpty()) return null;
        String kind = String.valueOf(t.getFirst());
        if (!List.of("NONE", "CMD", "CMD-SHELL").contains(kind)) throw new EngineException(400, "Healthcheck.Test: unknown type \"" + kind + "\": use CMD, CMD-SHELL or NONE");
        if (!kind.equals("NONE") && t.size() < 2) throw new EngineException(400, "Healthcheck.Test: " + kind + " needs a command");
        return hc;
    }

    private static Map<?, ?> healthcheck(Map<String, Object> c) {
        Object hc = ((Map<?, ?>) c.get("Config")).get("Healthcheck");
        if (!(hc instanceof Map<?, ?> m) || !(m.get("Test") instanceof List<?> t) || t.isEmpty() || "NONE".equals(t.getFirst())) return null;
        return m;
    }

    private static long nanos(Map<?, ?> hc, String key, long dflt) {
        return hc.get(key) instanceof Number n && n.longValue() > 0 ? n.longValue() : dflt;
    }

    /**
     * The container (saved as running, lock held) starts being probed. Health is reset to "starting" unless
     * restored is set (a daemon restart keeps what the previous one found).
     */
    void started(Map<String, Object> c, boolean restored) {
        String id = (String) c.get("Id");
        Map<?, ?> hc = healthcheck(c);
        if (hc == null) return;
        Map<String, Object> st = Engine.state(c);
        if (!restored || !(st.get("Health") instanceof Map<?, ?>)) {
            st.put("Health", Json.obj("Status", "starting", "FailingStreak", 0, "Log", new ArrayList<>()));
        }
        schedule(id, nanos(hc, "Interval", DEFAULT_INTERVAL));
    }

    private void schedule(String id, long delayNanos) {
        if (timer.isShutdown()) return;
        probes.put(id, timer.schedule(() -> Thread.ofVirtual().name("berth-health-" + id.substring(0, 12)).start(() -> probe(id)),
                delayNanos, TimeUnit.NANOSECONDS));
    }

    /** Stops probing (the container stopped or is removed). */
    void stopped(String id) {
        ScheduledFuture<?> f = probes.remove(id);
        if (f != null) f.cancel(false);
    }

    private void probe(String id) {
        if (!probes.containsKey(id)) return;
        Map<String, Object> c;
        try {
            c = engine.find(id);
        } catch (IOException | RuntimeException gone) {
            probes.remove(id);
            return;
        }
        Map<?, ?> hc = healthcheck(c);
        Map<String, Object> st = Engine.state(c);
        if (hc == null || !Boolean.TRUE.equals(st.get("Running")) || Boolean.TRUE.equals(st.get("Restarting"))) {
            probes.remove(id); // stopped: its next start schedules probes again
            return;
        }
        long interval = nanos(hc, "Interval", DEFAULT_INTERVAL);
        try {
            if (Boolean.TRUE.equals(Engine.state(c).get("Paused"))) return; // a frozen container cannot run a probe
            Instant start = Instant.now();
            Result r = run(id, hc);
            record(id, hc, start, r);
        } catch (IOException | RuntimeException e) {
            System.err.println("berth: healthcheck of " + id.substring(0, 12) + ": " + e.getMessage());
        } finally {
            if (probes.containsKey(id)) schedule(id, interval);
        }
    }

    private record Result(int exitCode, String output, Instant end) {}

    /** One probe: an exec of the test command, its output captured (4 KiB at most) and killed at the timeout. */
    private Result run(String id, Map<?, ?> hc) throws IOException {
        List<?> test = (List<?>) hc.get("Test");
        List<String> cmd = new ArrayList<>();
        if ("CMD-SHELL".equals(test.getFirst())) cmd.addAll(List.of("/bin/sh", "-c", String.valueOf(test.get(1))));
        else for (Object a : test.subList(1, test.size())) cmd.add(String.valueOf(a));
        long timeout = nanos(hc, "Timeout", DEFAULT_TIMEOUT);
        Engine.ExecInstance e = new Engine.ExecInstance(Names.newId(), id, cmd, List.of(), "", "", false, false, false);
        ContainerRuntime.Exec x;
        try {
            x = engine.execPrepare(e, false);
        } catch (RuntimeException setup) {
            return new Result(-1, String.valueOf(setup.getMessage()), Instant.now());
        }
        AtomicBoolean timedOut = new AtomicBoolean();
        ScheduledFuture<?> killer = null;
        try (x; Attach a = Attach.connect(engine.execAttachSocket(e))) {
            try {
                x.start();
            } catch (RuntimeException notFound) {
                return new Result(-1, String.valueOf(notFound.getMessage()), Instant.now());
            }
            int pid = x.pid();
            killer = timer.schedule(() -> {
                timedOut.set(true);
                Libc.kill(pid, Signals.SIGKILL);
            }, timeout, TimeUnit.NANOSECONDS);
            Attach.Output out = a.readAll(false);
            int code = x.awaitExit();
            Instant end = Instant.now();
            if (timedOut.get()) return new Result(-1, "Health check exceeded timeout (" + goDuration(timeout) + ")", end);
            byte[] all = new byte[out.stdout().length + out.stderr().length];
            System.arraycopy(out.stdout(), 0, all, 0, out.stdout().length);
            System.arraycopy(out.stderr(), 0, all, out.stdout().length, out.stderr().length);
            String text = new String(all, 0, Math.min(all.length, MAX_OUTPUT), StandardCharsets.UTF_8);
            return new Result(code, text, end);
        } finally {
            if (killer != null) killer.cancel(false);
            dev.berth.runtime.BusyboxBundle.deleteTree(x.dir());
            Files.deleteIfExists(engine.execAttachSocket(e));
            Files.deleteIfExists(engine.execControlSocket(e));
        }
    }

    /** A duration as Go prints it (docker's messages do): 300ms, 2s, 1.5s, 1m30s. */
    static String goDuration(long nanos) {
        if (nanos < 1_000) return nanos + "ns";
        if (nanos < 1_000_000) return trim(nanos / 1e3) + "µs";
        if (nanos < 1_000_000_000) return trim(nanos / 1e6) + "ms";
        long h = nanos / 3_600_000_000_000L, m = nanos / 60_000_000_000L % 60;
        double sec = (nanos % 60_000_000_000L) / 1e9;
        return (h > 0 ? h + "h" : "") + (h > 0 || m > 0 ? m + "m" : "") + trim(sec) + "s";
    }

    private static String trim(double v) {
        return new java.math.BigDecimal(Double.toString(v)).stripTrailingZeros().toPlainString();
    }

    /** Records a result in State.Health and publishes a change of status. */
    @SuppressWarnings("unchecked")
    private void record(String id, Map<?, ?> hc, Instant start, Result r) throws IOException {
        Map<String, Object> c;
        String old, now;
        synchronized (engine.lock(id)) {
            if (!probes.containsKey(id)) return; // stopped while the probe ran
            c = engine.find(id);
            Map<String, Object> st = Engine.state(c);
            if (!(st.get("Health") instanceof Map<?, ?> h0)) return;
            Map<String, Object> h = (Map<String, Object>) h0;
            old = String.valueOf(h.get("Status"));
            int streak = ((Number) h.getOrDefault("FailingStreak", 0)).intValue();
            if (r.exitCode == 0) {
                h.put("Status", "healthy");
                streak = 0;
            } else {
                boolean counts = true;
                if (old.equals("starting")) {
                    long sinceStart = Duration.between(Instant.parse(String.valueOf(st.get("StartedAt"))), start).toNanos();
                    counts = sinceStart >= nanos(hc, "StartPeriod", 0);
                }
                if (counts) {
                    streak++;
                    if (streak >= (int) nanos(hc, "Retries", DEFAULT_RETRIES)) h.put("Status", "unhealthy");
                }
            }
            h.put("FailingStreak", streak);
            List<Object> log = new ArrayList<>(h.get("Log") instanceof List<?> l ? l : List.of());
            log.add(Json.obj("Start", start.toString(), "End", r.end.toString(), "ExitCode", r.exitCode, "Output", r.output));
            while (log.size() > MAX_LOG) log.removeFirst();
            h.put("Log", log);
            now = String.valueOf(h.get("Status"));
            engine.save(c);
        }
        if (!now.equals(old)) engine.healthEvent(c, now);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        probes.clear();
    }
}
