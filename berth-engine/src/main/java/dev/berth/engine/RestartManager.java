package dev.berth.engine;

import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Restart policies (HostConfig.RestartPolicy: no, on-failure[:N], always, unless-stopped), as moby's
 * restartmanager: at each exit the policy decides; a restart waits 100 ms, doubling after each restart up to a
 * minute, and the delay goes back to 100 ms once a run lasted 10 s. Meanwhile the container is "restarting"
 * (State.Restarting, Running still true as docker shows it). A user's stop or kill sets HasBeenManuallyStopped
 * (kept in the container's document, so unless-stopped stays stopped across a daemon restart) and cancels a
 * pending restart. The policy is read from HostConfig at each exit, so an update applies to the next one.
 */
final class RestartManager implements AutoCloseable {
    static final String MANUALLY_STOPPED = "HasBeenManuallyStopped";
    private static final long FIRST_DELAY_MS = 100, MAX_DELAY_MS = 60_000;

    private final Engine engine;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(Thread.ofVirtual().name("berth-restart").factory());
    /** The current backoff delay of each container that restarted (in memory, as docker's). */
    private final Map<String, Long> delays = new ConcurrentHashMap<>();
    private final Map<String, ScheduledFuture<?>> pending = new ConcurrentHashMap<>();

    RestartManager(Engine engine) {
        this.engine = engine;
    }

    /** The policy's name: no, on-failure, always or unless-stopped. */
    static String policy(Map<String, Object> c) {
        Object p = ((Map<?, ?>) c.get("HostConfig")).get("RestartPolicy");
        Object name = p instanceof Map<?, ?> m ? m.get("Name") : null;
        return name == null || name.toString().isEmpty() ? "no" : name.toString();
    }

    static int maxRetries(Map<String, Object> c) {
        Object p = ((Map<?, ?>) c.get("HostConfig")).get("RestartPolicy");
        return p instanceof Map<?, ?> m && m.get("MaximumRetryCount") instanceof Number n ? n.intValue() : 0;
    }

    /** Refuses what docker refuses at create: an unknown policy, a retry count without on-failure. */
    static void validate(Map<String, Object> hostConfig) {
        Object p = hostConfig.get("RestartPolicy");
        if (!(p instanceof Map<?, ?> m)) return;
        String name = m.get("Name") == null ? "" : m.get("Name").toString();
        int max = m.get("MaximumRetryCount") instanceof Number n ? n.intValue() : 0;
        switch (name) {
            case "", "no", "always", "unless-stopped" -> {
                if (max != 0) throw new EngineException(400, "invalid restart policy: maximum retry count can only be used with 'on-failure'");
            }
            case "on-failure" -> {
                if (max < 0) throw new EngineException(400, "invalid restart policy: maximum retry count cannot be negative");
            }
            default -> throw new EngineException(400, "invalid restart policy: unknown policy '" + name + "'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'");
        }
        if (!name.equals("no") && !name.isEmpty() && Boolean.TRUE.equals(hostConfig.get("AutoRemove"))) {
            throw new EngineException(400, "can't create 'AutoRemove' container with restart policy");
        }
    }

    static boolean manuallyStopped(Map<String, Object> c) {
        return Boolean.TRUE.equals(c.get(MANUALLY_STOPPED));
    }

    /**
     * Called with the container's lock held as its exit is recorded: whether the policy restarts it. If so the
     * state becomes "restarting" and RestartCount grows; the caller saves and then calls {@link #schedule}.
     */
    boolean onExit(Map<String, Object> c, int code, Instant startedAt, Instant finishedAt) {
        String id = (String) c.get("Id");
        String policy = policy(c);
        if (policy.equals("no") || manuallyStopped(c)) return false;
        int count = ((Number) c.getOrDefault("RestartCount", 0)).intValue();
        boolean restart = switch (policy) {
            case "always", "unless-stopped" -> true;
            case "on-failure" -> code != 0 && (maxRetries(c) == 0 || count < maxRetries(c));
            default -> false;
        };
        if (!restart) {
            delays.remove(id);
            return false;
        }
        long ran = startedAt == null ? 0 : Duration.between(startedAt, finishedAt).toMillis();
        delays.compute(id, (k, d) -> d == null || ran >= 10_000 ? FIRST_DELAY_MS : Math.min(MAX_DELAY_MS, d * 2));
        c.put("RestartCount", count + 1);
        Map<String, Object> st = Engine.state(c);
        st.put("Status", "restarting");
        st.put("Restarting", true);
        st.put("Running", true);
        st.put("Paused", false);
        st.put("Pid", 0);
        return true;
    }

    /** The wait before the container's next restart, in ms. */
    long delay(String id) {
        return delays.getOrDefault(id, FIRST_DELAY_MS);
    }

    /** Starts the container again after its backoff delay, unless a stop, kill or rm cancels it first. */
    void schedule(String id) {
        long delay = delay(id);
        pending.put(id, timer.schedule(() -> Thread.ofVirtual().name("berth-restart-" + id.substring(0, 12)).start(() -> restartNow(id)),
                delay, TimeUnit.MILLISECONDS));
    }

    private void restartNow(String id) {
        synchronized (engine.lock(id)) {
            if (pending.remove(id) == null) return; // cancelled meanwhile
            try {
                engine.startContainer(id, false);
            } catch (IOException | RuntimeException e) {
                startFailed(id, e);
            }
        }
    }

    /** As docker: a restart that fails to start leaves the container exited, with the error; no more retries. */
    void startFailed(String id, Exception e) {
        System.err.println("berth: restarting " + id.substring(0, 12) + ": " + e.getMessage());
        synchronized (engine.lock(id)) {
            try {
                Map<String, Object> c = engine.find(id);
                Map<String, Object> st = Engine.state(c);
                st.put("Status", "exited");
                st.put("Restarting", false);
                st.put("Running", false);
                if (String.valueOf(st.get("Error")).isEmpty()) st.put("Error", String.valueOf(e.getMessage()));
                engine.save(c);
                engine.releaseExit(id);
            } catch (IOException | RuntimeException again) {
                // removed meanwhile
            }
        }
    }

    /**
     * A user's stop or kill: no restart until the next start by a user (for unless-stopped, across daemon
     * restarts too). A pending restart is cancelled and the container left exited; returns whether one was.
     */
    boolean manualStop(String id) throws IOException {
        synchronized (engine.lock(id)) {
            Map<String, Object> c = engine.find(id);
            c.put(MANUALLY_STOPPED, true);
            boolean wasRestarting = cancelLocked(c);
            engine.save(c);
            if (wasRestarting) engine.releaseExit(id);
            return wasRestarting;
        }
    }

    /** Cancels a pending restart (rm -f): the container is left exited. */
    void cancel(String id) throws IOException {
        synchronized (engine.lock(id)) {
            Map<String, Object> c = engine.find(id);
            if (cancelLocked(c)) {
                engine.save(c);
                engine.releaseExit(id);
            }
        }
    }

    private boolean cancelLocked(Map<String, Object> c) {
        String id = (String) c.get("Id");
        ScheduledFuture<?> f = pending.remove(id);
        if (f != null) f.cancel(false);
        delays.remove(id);
        Map<String, Object> st = Engine.state(c);
        if (!Boolean.TRUE.equals(st.get("Restarting"))) return false;
        st.put("Status", "exited");
        st.put("Restarting", false);
        st.put("Running", false);
        return true;
    }

    /** A start by a user: the restart count and the manual stop are reset, as docker's start does. */
    static void userStart(Map<String, Object> c) {
        c.put("RestartCount", 0);
        c.remove(MANUALLY_STOPPED);
    }

    /**
     * At daemon start, for a container that is not running: whether its policy starts it again. always does even
     * after a user's stop (docker's rule); unless-stopped and on-failure only when no user stopped it.
     */
    static boolean startsWithDaemon(Map<String, Object> c) {
        int code = ((Number) Engine.state(c).getOrDefault("ExitCode", 0)).intValue();
        int count = ((Number) c.getOrDefault("RestartCount", 0)).intValue();
        return switch (policy(c)) {
            case "always" -> true;
            case "unless-stopped" -> !manuallyStopped(c);
            case "on-failure" -> !manuallyStopped(c) && code != 0 && (maxRetries(c) == 0 || count < maxRetries(c));
            default -> false;
        };
    }

    void forget(String id) {
        ScheduledFuture<?> f = pending.remove(id);
        if (f != null) f.cancel(false);
        delays.remove(id);
    }

    @Override
    public void close() {
        timer.shutdownNow();
        pending.clear();
    }
}
