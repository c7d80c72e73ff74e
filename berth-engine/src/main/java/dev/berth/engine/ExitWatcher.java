package dev.berth.engine;

import dev.berth.runtime.ContainerNotFoundException;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.ContainerState;

import java.io.IOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Waits for the exit of containers that a previous daemon started (live restore). Their monitors outlive the
 * daemon but the sync socket to it is gone, so the exit is learnt from the durable record the monitor writes:
 * the {@code exit} file in the runtime's state directory (written atomically: exit.tmp, then rename). One
 * inotify watch (a WatchService) serves every such container; a check each second also catches a monitor
 * that died without writing it (killed), which the runtime's state reports as stopped.
 */
final class ExitWatcher implements AutoCloseable {
    /** How a container ended: code (128+signal), when (the exit file's time) and whether the OOM killer struck. */
    record Ended(int code, Instant finishedAt, boolean oomKilled) {}

    private final ContainerRuntime runtime;
    private final BiConsumer<String, Ended> onExit;
    private final Map<String, WatchKey> watched = new ConcurrentHashMap<>();
    private WatchService service;
    private Thread loop;

    ExitWatcher(ContainerRuntime runtime, BiConsumer<String, Ended> onExit) {
        this.runtime = runtime;
        this.onExit = onExit;
    }

    /**
     * How the container ended, if it has (the exit file, or else 255 when its process and monitor are gone
     * without one); null while it runs. Read before the runtime's state is deleted.
     */
    Ended ended(String id) throws IOException {
        ContainerState s;
        try {
            s = runtime.state(id);
        } catch (ContainerNotFoundException e) {
            return new Ended(255, Instant.now(), false);
        }
        if (s.status() != ContainerState.Status.STOPPED) return null;
        Path exit = runtime.root().resolve(id).resolve("exit");
        Instant at = Files.exists(exit) ? Files.getLastModifiedTime(exit).toInstant() : Instant.now();
        return new Ended(s.exitCode() == null ? 255 : s.exitCode(), at, s.oomKilled());
    }

    /** Watches a running (or paused) container until it ends, then calls onExit once. */
    synchronized void watch(String id) throws IOException {
        if (service == null) {
            service = FileSystems.getDefault().newWatchService();
            loop = Thread.ofVirtual().name("berth-restored-exits").start(this::run);
        }
        Path dir = runtime.root().resolve(id);
        watched.put(id, dir.register(service, StandardWatchEventKinds.ENTRY_CREATE));
        check(id); // it may have ended before the watch was set
    }

    private void run() {
        try {
            while (true) {
                WatchKey k = service.poll(1, TimeUnit.SECONDS);
                if (k != null) {
                    k.pollEvents();
                    k.reset();
                }
                for (String id : watched.keySet()) check(id);
            }
        } catch (ClosedWatchServiceException | InterruptedException e) {
            // closing
        }
    }

    private void check(String id) {
        try {
            Ended e = ended(id);
            if (e == null) return;
            WatchKey k = watched.remove(id);
            if (k == null) return; // reported already
            k.cancel();
            onExit.accept(id, e);
        } catch (IOException | RuntimeException e) {
            System.err.println("berth: watching " + id.substring(0, 12) + ": " + e.getMessage());
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (service != null) service.close();
        if (loop != null) loop.interrupt();
    }
}
