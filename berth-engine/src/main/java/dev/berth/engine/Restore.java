package dev.berth.engine;

import dev.berth.image.snapshot.Snapshots;
import dev.berth.oci.json.JsonObject;
import dev.berth.runtime.ContainerNotFoundException;
import dev.berth.runtime.ContainerState;

import java.io.IOException;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Live restore: what a starting daemon does with the containers of the one before it (which may have been
 * SIGKILLed at any point). Containers keep running without a daemon: their monitors (berth-shim) are their own
 * session, write the log themselves and record the exit in the runtime's state directory. So, for each
 * container:
 * <ul>
 * <li>saved as running or paused: the runtime says whether it still runs (exit file, pid + start time, freezer).
 *     If so its exit is watched again ({@link ExitWatcher}), paused stays paused, healthchecks resume; attach and
 *     logs work as before (the monitor's socket and file). If it ended meanwhile, its exit code and time come
 *     from the monitor's exit file, and it is recorded as any exit is: rootfs unmounted, --rm, restart policy.</li>
 * <li>saved as restarting (the daemon died during the backoff): the restart happens now.</li>
 * <li>saved as created or exited, with a runtime state left (the daemon died between the runtime's create and
 *     saving the start, or between saving an exit and deleting the runtime's record): that is removed.</li>
 * <li>exited: started again when its restart policy says so ({@link RestartManager#startsWithDaemon}).</li>
 * </ul>
 * Exec instances of the previous daemon are forgotten (their processes run to their end).
 */
final class Restore {
    private Restore() {}

    static void run(Engine engine) throws IOException {
        List<String> toStart = new ArrayList<>();
        for (JsonObject j : engine.store().all()) {
            Map<String, Object> c = j.map();
            String id = (String) c.get("Id");
            try {
                switch (String.valueOf(Engine.state(c).get("Status"))) {
                    case "running", "paused" -> running(engine, id);
                    case "restarting" -> toStart.add(id);
                    case "created" -> leftovers(engine, id);
                    case "exited" -> {
                        leftovers(engine, id);
                        if (RestartManager.startsWithDaemon(c)) toStart.add(id);
                    }
                    default -> { }
                }
            } catch (IOException | RuntimeException e) {
                System.err.println("berth: restoring container " + id.substring(0, 12) + ": " + e.getMessage());
            }
        }
        for (String id : toStart) {
            try {
                engine.startContainer(id, false);
            } catch (IOException | RuntimeException e) {
                engine.restarts().startFailed(id, e);
            }
        }
    }

    private static void running(Engine engine, String id) throws IOException {
        var rt = engine.runtime();
        try {
            if (rt.state(id).status() == ContainerState.Status.CREATED) rt.delete(id, true); // never started: cannot be resumed
        } catch (ContainerNotFoundException gone) {
            // ended() says so below
        }
        ExitWatcher.Ended ended = engine.restoredExits().ended(id);
        if (ended != null) {
            engine.exited(id, ended.code(), ended.finishedAt(), ended.oomKilled());
            return;
        }
        synchronized (engine.lock(id)) {
            Map<String, Object> c = engine.find(id);
            ContainerState s = rt.state(id);
            Map<String, Object> st = Engine.state(c);
            boolean paused = s.status() == ContainerState.Status.PAUSED;
            st.put("Paused", paused);
            st.put("Status", paused ? "paused" : "running");
            st.put("Pid", s.pid());
            engine.networks().reclaimPorts(c);
            engine.health().started(c, true);
            engine.save(c);
        }
        engine.restoredExits().watch(id);
    }

    /**
     * The runtime's state and the mounted rootfs of a container that does not run: a daemon that died between
     * the runtime's create and saving the start, or between saving an exit and deleting the runtime's record.
     */
    private static void leftovers(Engine engine, String id) throws IOException {
        if (Files.exists(engine.runtime().root().resolve(id))) {
            try {
                engine.runtime().delete(id, true);
            } catch (ContainerNotFoundException gone) {
                // nothing left
            }
        }
        Snapshots.unmount(engine.snapshots().mergedDir(id)); // nothing when it is not mounted
    }
}
