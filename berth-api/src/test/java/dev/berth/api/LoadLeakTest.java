package dev.berth.api;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Load and leaks: 50 {@code docker run --rm} at once through the real docker CLI, each with its own exit code
 * (half with an anonymous volume), then nothing of them may be left: rows, mounts, cgroups, shims, snapshots,
 * volumes.
 */
class LoadLeakTest {
    static final int RUNS = 50;

    @TempDir
    static Path tmp;
    static TestDaemon d;
    static DockerCli docker;

    @BeforeAll
    static void start() throws Exception {
        d = TestDaemon.start(tmp);
        docker = new DockerCli(d.socket, tmp.resolve("docker-config"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (d != null) d.close();
    }

    @Test
    void fiftyConcurrentRunRm_rightExitCodes_nothingLeaks() throws Exception {
        var events = d.daemon.engine().events().subscribe();
        List<Future<DockerCli.Result>> runs = new ArrayList<>();
        try (ExecutorService pool = Executors.newFixedThreadPool(RUNS)) {
            for (int i = 0; i < RUNS; i++) {
                List<String> args = new ArrayList<>(List.of("run", "--rm"));
                if (i % 2 == 1) args.addAll(List.of("-v", "/data")); // an anonymous volume, removed with the container
                args.addAll(List.of("busybox", "sh", "-c", "echo run " + i + "; exit " + (i + 1)));
                runs.add(pool.submit(() -> docker.run(args.toArray(String[]::new))));
            }
        }
        for (int i = 0; i < RUNS; i++) {
            DockerCli.Result r = runs.get(i).get(2, TimeUnit.MINUTES);
            assertThat(r.exit()).as("run %d: %s", i, r.output()).isEqualTo(i + 1);
            assertThat(r.stdout()).as("run %d", i).isEqualTo("run " + i + "\n");
        }
        Set<String> ids = new LinkedHashSet<>(), destroyed = new LinkedHashSet<>();
        for (Map<String, Object> e; (e = events.poll()) != null; ) {
            if ("create".equals(e.get("Action"))) ids.add((String) e.get("id"));
            if ("destroy".equals(e.get("Action"))) destroyed.add((String) e.get("id"));
        }
        d.daemon.engine().events().unsubscribe(events);
        assertThat(ids).hasSize(RUNS);
        assertThat(destroyed).as("every --rm container was removed before its docker run returned").isEqualTo(ids);
        assertThat(d.leaks(ids)).isEmpty();
        assertThat(docker.run("ps", "-aq").stdout()).isEmpty();
        assertThat(Files.exists(tmp.resolve("run").resolve("io")) ? Files.list(tmp.resolve("run").resolve("io")).toList() : List.of())
                .as("attach and control sockets").isEmpty();
    }

    /** The leak check sees a running container's parts (so an empty list above means something), then none after rm -f. */
    @Test
    void leakCheck_seesARunningContainer() throws Exception {
        var run = docker.run("run", "-d", "-v", "/data", "busybox", "sleep", "1000");
        assertThat(run.exit()).as(run.output()).isZero();
        String id = run.stdout().trim();
        List<String> seen = d.leaks(List.of(id));
        assertThat(seen).anyMatch(l -> l.startsWith("container row " + id));
        assertThat(seen).anyMatch(l -> l.startsWith("mount "));
        assertThat(seen).anyMatch(l -> l.startsWith("cgroup ") && l.endsWith(id));
        assertThat(seen).anyMatch(l -> l.startsWith("process "));
        assertThat(seen).anyMatch(l -> l.startsWith("snapshot " + id));
        assertThat(seen).anyMatch(l -> l.startsWith("anonymous volume "));
        assertThat(docker.run("rm", "-f", "-v", id).exit()).isZero();
        assertThat(d.leaks(List.of(id))).isEmpty();
    }

    /** kill then rm -f at once (Testcontainers' stop): the rm must not fail because the process died in between. */
    @Test
    void killThenForceRemove_atOnce() throws Exception {
        var engine = d.daemon.engine();
        var body = dev.berth.oci.json.Json.parseObject("{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"1000\"]}", "test");
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            String id = (String) engine.create(null, body).get("Id");
            ids.add(id);
            engine.start(id);
            engine.kill(id, "KILL");
            engine.remove(id, true, true);
        }
        assertThat(d.leaks(ids)).isEmpty();
    }
}
