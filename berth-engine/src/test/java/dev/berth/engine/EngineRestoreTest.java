package dev.berth.engine;

import dev.berth.image.Images;
import dev.berth.image.snapshot.Snapshots;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.json.Json;
import dev.berth.runtime.BusyboxBundle;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.linux.Libc;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Restore at the engine's level, with the windows a crash can leave: an engine goes away with containers
 * running, paused and about to end, and with documents as a daemon dying between two steps would leave them
 * (the runtime's create done but the start not saved; an exit saved but the runtime's record not deleted). A
 * second engine on the same roots restores them (root).
 */
class EngineRestoreTest {
    @TempDir
    Path tmp;

    private static boolean alive(long pid) {
        return Files.exists(Path.of("/proc/" + pid));
    }

    private static boolean mounted(Path p) throws IOException {
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().anyMatch(l -> l.split(" ")[4].equals(p.toString()));
    }

    private static String start(Engine e, String name, String cmd) throws IOException {
        String id = (String) e.create(name, Json.parseObject("{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"" + cmd + "\"]}", "create")).get("Id");
        e.start(id);
        return id;
    }

    private static long pid(Engine e, String id) throws IOException {
        return ((Number) Engine.state(e.inspect(id)).get("Pid")).longValue();
    }

    /** Rewrites a container's state in the store, as a daemon that died at some step would have left it. */
    private static void rewrite(Path data, String id, Map<String, Object> state) throws IOException {
        try (StateStore s = new StateStore(data)) {
            Map<String, Object> c = s.get(id).orElseThrow().map();
            Engine.state(c).putAll(state);
            s.update(id, (String) c.get("Name"), Json.write(c));
        }
    }

    @Test
    void secondEngine_findsRunningPausedAndEnded_andCleansHalfDoneSteps() throws Exception {
        boolean root = Libc.geteuid() == 0;
        if (!root) System.err.println("SKIP: the engine runs containers, which needs root");
        Assumptions.assumeTrue(root, "needs root");
        Path data = tmp.resolve("data"), run = tmp.resolve("run");
        Engine first = new Engine(data, run);
        Engine second = null;
        try {
            Images images = first.images();
            Path rootfs = BusyboxBundle.rootfs(tmp.resolve("bb"));
            Process tar = new ProcessBuilder("tar", "--numeric-owner", "-C", rootfs.toString(), "-cf", "-", ".").start();
            var d = images.importTarball(tar.getInputStream(), new ImageConfig.Run(null, List.of("PATH=/bin:/sbin"), null, List.of("sh"),
                    null, List.of(), List.of(), Map.of(), null, null, List.of(), null, false), "busybox");
            images.names().put(ImageReference.parse("busybox"), d);

            String running = start(first, "running", "sleep 1000");
            String paused = start(first, "paused", "sleep 1000");
            first.pause(paused);
            String halfStarted = start(first, "half-started", "sleep 1000");
            String ending = start(first, "ending", "sleep 1; exit 5");
            String exitSaved = start(first, "exit-saved", "sleep 1; exit 0");
            long runningPid = pid(first, running), halfPid = pid(first, halfStarted), endingPid = pid(first, ending);
            first.close(); // the engine goes; its containers stay
            first = null;
            assertThat(alive(runningPid) && alive(halfPid) && alive(endingPid)).isTrue();
            for (int i = 0; i < 100 && alive(endingPid); i++) Thread.sleep(50);
            Thread.sleep(300);
            // the windows: started in the runtime but never saved as such; an exit saved, the runtime's record left
            rewrite(data, halfStarted, Json.obj("Status", "created", "Running", false, "Pid", 0));
            rewrite(data, exitSaved, Json.obj("Status", "exited", "Running", false, "Pid", 0, "ExitCode", 0, "FinishedAt", Instant.now().toString()));
            ContainerRuntime rt = ContainerRuntime.defaults(run.resolve("containers"), w -> { });
            assertThat(Files.exists(rt.root().resolve(exitSaved))).isTrue();

            Instant restoredAt = Instant.now();
            second = new Engine(data, run);
            second.restore();
            Map<String, Object> st = Engine.state(second.inspect(running));
            assertThat(st).containsEntry("Status", "running").containsEntry("Pid", runningPid);
            assertThat(Engine.state(second.inspect(paused))).containsEntry("Status", "paused").containsEntry("Paused", true);
            Map<String, Object> ended = Engine.state(second.inspect(ending));
            assertThat(ended).containsEntry("Status", "exited").containsEntry("ExitCode", 5L);
            assertThat(Instant.parse((String) ended.get("FinishedAt"))).isBefore(restoredAt);
            assertThat(Engine.state(second.inspect(halfStarted))).containsEntry("Status", "created");
            assertThat(alive(halfPid)).as("the half-started process is removed").isFalse();
            for (String id : List.of(ending, exitSaved, halfStarted)) {
                assertThat(rt.root().resolve(id)).as("runtime state of " + id).doesNotExist();
                assertThat(mounted(second.snapshots().mergedDir(id))).as("rootfs of " + id).isFalse();
            }
            // the restored exits are watched: stop records 137 and releases waiters
            var exit = second.waitFor(running, "not-running");
            second.stop(running, 1, null);
            assertThat(exit.get(10, TimeUnit.SECONDS)).containsEntry("StatusCode", 137);
            assertThat(alive(runningPid)).isFalse();
            second.unpause(paused);
            // a half-started container starts normally
            second.start(halfStarted);
            assertThat(Engine.state(second.inspect(halfStarted))).containsEntry("Status", "running");
            for (var c : second.list(true)) second.remove((String) c.get("Id"), true, true);
            try (Stream<Path> s = Files.list(rt.root())) {
                assertThat(s.toList()).isEmpty();
            }
        } finally {
            if (second != null) {
                for (var c : second.list(true)) second.remove((String) c.get("Id"), true, true);
                second.close();
            }
            if (first != null) {
                for (var c : first.list(true)) first.remove((String) c.get("Id"), true, true);
                first.close();
            }
        }
        List<String> left = Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(tmp.toString())).toList();
        for (String l : left) Snapshots.unmount(Path.of(l.split(" ")[4]));
        assertThat(left).isEmpty();
    }
}
