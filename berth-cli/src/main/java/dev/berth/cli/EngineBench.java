package dev.berth.cli;

import dev.berth.api.Daemon;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * {@code berth bench engine}: {@code docker run --rm busybox true} with the docker CLI through berth's daemon.
 * The comparison with Podman's Docker API runs from scripts/bench-engine-vs-podman (a Podman service started
 * by a JVM hangs attached runs; started from a shell it does not).
 */
final class EngineBench {
    private final PrintStream out;
    private final Path work;

    EngineBench(PrintStream out, Path work) {
        this.out = out;
        this.work = work;
    }

    void run(int runs) throws Exception {
        Path sock = work.resolve("berth.sock");
        try (Daemon d = Daemon.start(sock, work.resolve("data"), work.resolve("run"))) {
            BaseImages.busybox(d.engine().images(), "busybox:latest");
            List<String> cmd = List.of("docker", "-H", "unix://" + sock, "run", "--rm", "busybox", "true");
            ImageBench.time(cmd, Map.of(), 3);
            double[] berth = ImageBench.time(cmd, Map.of(), runs);
            out.printf("docker run --rm busybox true, %d runs each, docker CLI 28 (medians):%n", runs);
            BenchCommand.row(out, "  through berth's daemon", berth);
            out.println("  the same through Podman's Docker API, in one hyperfine run: scripts/bench-engine-vs-podman");
        }
    }
}
