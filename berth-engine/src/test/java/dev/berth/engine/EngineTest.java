package dev.berth.engine;

import dev.berth.image.Images;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import dev.berth.runtime.BusyboxBundle;
import dev.berth.runtime.linux.Libc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** The engine on the real kernel: containers from a busybox image, their whole life (root). */
class EngineTest {
    @TempDir
    static Path tmp;
    static Engine engine;

    @BeforeAll
    static void setUp() throws Exception {
        boolean root = Libc.geteuid() == 0;
        if (!root) System.err.println("SKIP: the engine runs containers, which needs root");
        Assumptions.assumeTrue(root, "needs root");
        engine = new Engine(tmp.resolve("data"), tmp.resolve("run"));
        Images images = engine.images();
        Path rootfs = BusyboxBundle.rootfs(tmp.resolve("bb"));
        Process tar = new ProcessBuilder("tar", "--numeric-owner", "-C", rootfs.toString(), "-cf", "-", ".").start();
        var d = images.importTarball(tar.getInputStream(), new ImageConfig.Run(null, List.of("PATH=/bin:/sbin", "FROM_IMAGE=yes"), null,
                List.of("sh"), null, List.of(), List.of(), Map.of(), null, null, List.of(), null, false), "busybox");
        images.names().put(ImageReference.parse("busybox"), d);
    }

    @AfterAll
    static void nothingLeft() throws IOException {
        if (engine == null) return;
        for (var c : engine.list(true)) engine.remove((String) c.get("Id"), true, true);
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(tmp.toString())).toList()).isEmpty();
        engine.close();
    }

    private static JsonObject body(String json) {
        return Json.parseObject(json, "create");
    }

    private static String create(String name, String json) throws IOException {
        return (String) engine.create(name, body(json)).get("Id");
    }

    private static int run(String id) throws Exception {
        CompletableFuture<Map<String, Object>> exit = engine.waitFor(id, "next-exit");
        engine.start(id);
        return ((Number) exit.get(30, TimeUnit.SECONDS).get("StatusCode")).intValue();
    }

    /** What the container wrote to one stream, read back from its json-file log. */
    private static String output(String id, String stream) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (var r = engine.logs(id, -1, null, null)) {
            for (var e = r.next(0); e != null; e = r.next(0)) if (e.stream().equals(stream)) sb.append(e.text());
        }
        return sb.toString();
    }

    private static Map<?, ?> state(String id) throws IOException {
        return (Map<?, ?>) engine.inspect(id).get("State");
    }

    @Test
    void createStartWait_recordsTheExitAndTheOutput() throws Exception {
        String id = create("exit3", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"echo hello; echo oops >&2; echo $FROM_IMAGE $MINE; exit 3\"],"
                + "\"Env\":[\"MINE=set\"]}");
        assertThat(state(id).get("Status")).isEqualTo("created");
        assertThat(run(id)).isEqualTo(3);
        Map<?, ?> st = state(id);
        assertThat(st.get("Status")).isEqualTo("exited");
        assertThat(st.get("ExitCode")).isEqualTo(3L);
        assertThat(output(id, "stdout")).isEqualTo("hello\nyes set\n");
        assertThat(output(id, "stderr")).isEqualTo("oops\n");
        assertThat(engine.inspect("exit3").get("Id")).isEqualTo(id);
        assertThat(engine.inspect(id.substring(0, 12)).get("Id")).isEqualTo(id);
        assertThat(run(id)).as("a stopped container starts again").isEqualTo(3);
        engine.remove(id, false, false);
        assertThat(catchThrowable(() -> engine.inspect(id))).hasMessage("No such container: " + id);
    }

    @Test
    void badRequests_getDockersAnswers() throws Exception {
        assertThat(catchThrowable(() -> create("x", "{\"Image\":\"nope\"}"))).isInstanceOf(EngineException.class)
                .hasMessage("No such image: nope:latest").extracting(t -> ((EngineException) t).status()).isEqualTo(404);
        String id = create("taken", "{\"Image\":\"busybox\"}");
        assertThat(catchThrowable(() -> create("taken", "{\"Image\":\"busybox\"}")))
                .hasMessageStartingWith("Conflict. The container name \"/taken\" is already in use by container \"" + id)
                .extracting(t -> ((EngineException) t).status()).isEqualTo(409);
        assertThat(catchThrowable(() -> create("bad name!", "{\"Image\":\"busybox\"}"))).extracting(t -> ((EngineException) t).status()).isEqualTo(400);
        assertThat(catchThrowable(() -> engine.stop(id, 1, null))).extracting(t -> ((EngineException) t).status()).isEqualTo(304);
        engine.remove(id, false, false);
    }

    @Test
    void stop_escalatesToSigkill_andRmNeedsForceWhileRunning() throws Exception {
        String id = create("sleeper", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"1000\"]}");
        engine.start(id);
        assertThat(state(id).get("Running")).isEqualTo(true);
        assertThat(catchThrowable(() -> engine.remove(id, false, false))).extracting(t -> ((EngineException) t).status()).isEqualTo(409);
        long t0 = System.nanoTime();
        engine.stop(id, 1, null); // sleep as PID 1 ignores SIGTERM: killed after 1 s
        assertThat((System.nanoTime() - t0) / 1e9).isBetween(0.9, 10.0);
        assertThat(state(id).get("ExitCode")).isEqualTo(137L);
        String id2 = create("sleeper2", "{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"1000\"]}");
        engine.start(id2);
        engine.remove(id2, true, false);
        assertThat(engine.list(true).stream().map(c -> c.get("Id")).toList()).doesNotContain(id2);
        assertThat(tmp.resolve("run/containers").resolve(id2)).doesNotExist();
        engine.remove(id, false, false);
    }

    @Test
    void autoRemove_removesAfterExit_andReleasesRemovedWaiters() throws Exception {
        String id = create("rm", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"HostConfig\":{\"AutoRemove\":true}}");
        CompletableFuture<Map<String, Object>> removed = engine.waitFor(id, "removed");
        engine.start(id);
        assertThat(removed.get(30, TimeUnit.SECONDS).get("StatusCode")).isEqualTo(0);
        assertThat(catchThrowable(() -> engine.inspect(id))).hasMessageContaining("No such container");
    }

    @Test
    void hostConfig_limitsUserWorkdirBindsAndReadOnlyRoot() throws Exception {
        Path host = Files.createDirectories(tmp.resolve("hostdir"));
        Files.setPosixFilePermissions(host, java.nio.file.attribute.PosixFilePermissions.fromString("rwxrwxrwx"));
        String id = create("limits", "{\"Image\":\"busybox\",\"User\":\"nobody\",\"WorkingDir\":\"/tmp\",\"Hostname\":\"web\","
                + "\"Cmd\":[\"sh\",\"-c\",\"cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max; id -u; pwd; hostname; "
                + "echo written > /data/out; touch /x 2>/dev/null || echo read-only\"],"
                + "\"HostConfig\":{\"Memory\":67108864,\"PidsLimit\":50,\"ReadonlyRootfs\":true,\"Binds\":[\"" + host + ":/data\"]}}");
        assertThat(run(id)).isZero();
        assertThat(output(id, "stdout")).isEqualTo("67108864\n50\n65534\n/tmp\nweb\nread-only\n");
        assertThat(Files.readString(host.resolve("out"))).isEqualTo("written\n");
        engine.remove(id, false, false);
    }

    @Test
    void manyConcurrentRuns_getTheirOwnExitCodes() throws Exception {
        List<CompletableFuture<Integer>> runs = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            int code = i;
            runs.add(CompletableFuture.supplyAsync(() -> {
                try {
                    String id = create(null, "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"exit " + code + "\"],\"HostConfig\":{\"AutoRemove\":true}}");
                    CompletableFuture<Map<String, Object>> removed = engine.waitFor(id, "removed");
                    engine.start(id);
                    return ((Number) removed.get(60, TimeUnit.SECONDS).get("StatusCode")).intValue();
                } catch (Exception e) {
                    throw new RuntimeException(e);
                }
            }));
        }
        for (int i = 0; i < runs.size(); i++) assertThat(runs.get(i).get(120, TimeUnit.SECONDS)).isEqualTo(i);
        assertThat(engine.list(true).stream().filter(c -> ((Map<?, ?>) c.get("Config")).get("Cmd").toString().contains("exit")).toList()).isEmpty();
    }

    @Test
    void volumes_namedPersist_anonymousGoWithRmV() throws Exception {
        String a = create("vol-a", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"echo kept > /data/f\"],\"HostConfig\":{\"Binds\":[\"shared:/data\"]}}");
        assertThat(run(a)).isZero();
        String b = create("vol-b", "{\"Image\":\"busybox\",\"Cmd\":[\"cat\",\"/data/f\"],\"HostConfig\":{\"Binds\":[\"shared:/data:ro\"]}}");
        assertThat(run(b)).isZero();
        assertThat(output(b, "stdout")).isEqualTo("kept\n");
        assertThat(catchThrowable(() -> engine.volumes().remove("shared", engine.volumeUser("shared")))).extracting(t -> ((EngineException) t).status()).isEqualTo(409);
        String anon = create("vol-anon", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"],\"Volumes\":{\"/cache\":{}}}");
        String anonName = (String) ((Map<?, ?>) ((List<?>) engine.inspect(anon).get("Mounts")).getFirst()).get("Name");
        assertThat(engine.volumes().inspect(anonName).get("Mountpoint")).isNotNull();
        engine.remove(anon, false, true);
        assertThat(catchThrowable(() -> engine.volumes().inspect(anonName))).extracting(t -> ((EngineException) t).status()).isEqualTo(404);
        engine.remove(a, false, true);
        engine.remove(b, false, true);
        assertThat(engine.volumes().inspect("shared").get("Name")).as("named volumes outlive rm -v").isEqualTo("shared");
        engine.volumes().remove("shared", engine.volumeUser("shared"));
    }

    @Test
    void pauseRestartRenameTopStatsAndEvents() throws Exception {
        var events = engine.events().subscribe();
        String id = create("busy", "{\"Image\":\"busybox\",\"Cmd\":[\"sh\",\"-c\",\"trap 'exit 0' TERM; while :; do sleep 0.1; done\"],\"Labels\":{\"app\":\"t\"}}");
        engine.start(id);
        engine.pause(id);
        assertThat(state(id).get("Status")).isEqualTo("paused");
        engine.unpause(id);
        assertThat(state(id).get("Status")).isEqualTo("running");
        var top = engine.top(id);
        assertThat((List<?>) top.get("Processes")).isNotEmpty();
        var stats = engine.stats(id);
        assertThat(((Number) ((Map<?, ?>) stats.get("memory_stats")).get("usage")).longValue()).isPositive();
        assertThat(((Number) ((Map<?, ?>) stats.get("pids_stats")).get("current")).longValue()).isPositive();
        engine.restart(id, 5);
        assertThat(engine.inspect(id).get("RestartCount")).isEqualTo(0L); // docker restart is no restart by policy
        engine.rename(id, "busy2");
        assertThat(engine.inspect("busy2").get("Id")).isEqualTo(id);
        engine.stop(id, 5, null);
        engine.remove(id, false, false);
        List<String> seen = new ArrayList<>();
        for (Map<String, Object> e; (e = events.poll(1, TimeUnit.SECONDS)) != null; ) {
            if (id.equals(e.get("id"))) seen.add((String) e.get("status"));
            if ("destroy".equals(e.get("status")) && id.equals(e.get("id"))) {
                assertThat(((Map<?, ?>) ((Map<?, ?>) e.get("Actor")).get("Attributes")).get("app")).isEqualTo("t");
                break;
            }
        }
        engine.events().unsubscribe(events);
        assertThat(seen).containsSubsequence("create", "start", "pause", "unpause", "die", "stop", "start", "restart", "rename", "die", "stop", "destroy");
    }

    @Test
    void state_survivesANewEngine() throws Exception {
        String id = create("durable", "{\"Image\":\"busybox\",\"Cmd\":[\"true\"]}");
        run(id);
        try (Engine again = new Engine(tmp.resolve("data"), tmp.resolve("run"))) {
            assertThat(again.inspect("durable").get("Id")).isEqualTo(id);
            assertThat(((Map<?, ?>) again.inspect(id).get("State")).get("Status")).isEqualTo("exited");
        }
        engine.remove(id, false, false);
    }
}
