package dev.berth.cli;

import dev.berth.runtime.BusyboxBundle;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.ContainerState;
import dev.berth.runtime.plan.Io;

import java.io.File;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * {@code berth bench}: measures berth on this machine, with the peer measured in the same run. Figures are
 * medians and 95th percentiles of wall time; the machine is noisy, so compare within one run.
 */
final class BenchCommand {
    static final String HELP = """
            Usage: berth bench runtime [--runs N] [--idle N] [--managed] [--no-peer] [--no-cli]
                   berth bench image [--runs N]
                   berth bench engine [--runs N] [--containers N] [--ps-runs N]

            Measures the container runtime on this machine against runc, in the same run:
              api    create + start + wait of /bin/true in a busybox bundle through the Java API the
                     engine calls (no JVM start per run), vs `runc run`
              cli    `berth runtime run` as a command (JVM start-up included), vs `runc run`
              idle   N idle containers started back to back: total time, host memory added,
                     and the resident memory of each container's monitor; with --managed the
                     monitors log (json-file) and listen for attach and resize, and each
                     container writes a line to stdout and stderr before it idles
            image: builds of a 10-instruction Dockerfile vs `podman build`, push/pull of a 100 MB image vs
                   `skopeo copy` (local registry, fresh each run), unpack throughput, shared-layer storage
            engine: `docker run --rm busybox true` through berth's daemon (--runs, default 20; 0 skips), then
                    --containers N idle `sleep` containers (default 500; 0 skips) through the engine: time
                    to start them all, host memory and monitor RSS/PSS per container, GET /containers/json
                    and `docker ps` latency with all of them running (--ps-runs calls, default 50), removal,
                    and a check that nothing of them is left
            Needs root, runc, busybox-static, podman, skopeo, docker-registry (scripts/setup installs them).
            """;

    private final PrintStream out;
    private final PrintStream err;

    BenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    int run(List<String> argv) throws Exception {
        Args a = new Args(argv);
        if (!a.hasNext() || a.peek().equals("--help") || a.peek().equals("-h")) {
            out.print(HELP);
            return a.hasNext() ? 0 : 2;
        }
        String what = a.next();
        if (what.equals("image")) return image(a);
        if (what.equals("engine")) return engine(a);
        if (!what.equals("runtime")) throw new Args.UsageException("unknown benchmark \"" + what + "\" (see berth bench --help)");
        int runs = 100, idle = 200;
        boolean peer = true, cli = true, managed = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "--runs" -> runs = Integer.parseInt(a.value(f));
                case "--idle" -> idle = Integer.parseInt(a.value(f));
                case "--no-peer" -> peer = false;
                case "--managed" -> managed = true;
                case "--no-cli" -> cli = false;
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        a.end();
        return runtime(runs, idle, peer, cli, managed);
    }

    private int engine(Args a) throws Exception {
        int runs = 20, containers = 500, psRuns = 50;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "--runs" -> runs = Integer.parseInt(a.value(f));
                case "--containers" -> containers = Integer.parseInt(a.value(f));
                case "--ps-runs" -> psRuns = Integer.parseInt(a.value(f));
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        a.end();
        if (runs < 0 || containers < 0 || psRuns < 1) throw new Args.UsageException("--runs and --containers must be >= 0, --ps-runs >= 1");
        Path work = Files.createTempDirectory(Path.of("/var/tmp"), "berth-bench-engine");
        try {
            new EngineBench(out, work).run(runs, containers, psRuns);
        } finally {
            BusyboxBundle.deleteTree(work);
        }
        return 0;
    }

    private int image(Args a) throws Exception {
        int runs = 5;
        while (a.atFlag()) {
            String f = a.next();
            if (Args.name(f).equals("--runs")) runs = Integer.parseInt(a.value(f));
            else throw new Args.UsageException("unknown flag " + f);
        }
        a.end();
        Path work = Files.createTempDirectory(Path.of("/var/tmp"), "berth-bench-image");
        try {
            new ImageBench(out, work).run(runs);
        } finally {
            BusyboxBundle.deleteTree(work);
        }
        return 0;
    }

    private int runtime(int runs, int idle, boolean peer, boolean cli, boolean managed) throws Exception {
        Path work = Files.createTempDirectory("berth-bench");
        try {
            Path bundle = BusyboxBundle.create(work.resolve("true"), List.of("/bin/true"));
            Path sleeper = BusyboxBundle.create(work.resolve("sleep"), managed
                    ? List.of("sh", "-c", "echo idle; echo idle >&2; exec sleep 100000") : List.of("sleep", "100000"));
            ContainerRuntime rt = ContainerRuntime.defaults(work.resolve("berth-root"), w -> { });
            Path runcRoot = work.resolve("runc-root");
            out.printf("berth bench runtime: %d runs each, busybox /bin/true, %s%n", runs, machine());
            out.printf("%-46s %9s %9s%n", "", "median", "p95");

            // warm-up: first runs pay for page cache and JIT
            for (int i = 0; i < 5; i++) rt.run(new ContainerRuntime.CreateOptions("bench-warm", bundle, null, null));
            double[] api = new double[runs];
            for (int i = 0; i < runs; i++) {
                long t = System.nanoTime();
                int code = rt.run(new ContainerRuntime.CreateOptions("bench-" + i, bundle, null, null));
                api[i] = (System.nanoTime() - t) / 1e6;
                if (code != 0) throw new IllegalStateException("berth run exited " + code);
            }
            row("berth, Java API (create+start+wait+delete)", api);
            double[] runc = null;
            if (peer) {
                runc = command(runs, List.of("runc", "--root", runcRoot.toString(), "run", "--bundle", bundle.toString(), "bench"));
                row("runc run (command)", runc);
            }
            if (cli) {
                String home = System.getenv("BERTH_HOME");
                if (home == null) {
                    err.println("berth bench: BERTH_HOME is not set (run through ./berth); skipping the command benchmark");
                } else {
                    List<String> cmd = List.of(home + "/berth", "runtime", "--root", work.resolve("cli-root").toString(), "run", "--bundle", bundle.toString(), "bench");
                    command(3, cmd); // warm the page cache
                    row("berth runtime run (command, JVM start-up incl.)", command(runs, cmd));
                }
            }
            if (runc != null) out.printf("ratio berth API / runc run (median): %.2f%n", median(api) / median(runc));
            if (idle > 0) idle(rt, sleeper, idle, managed ? Files.createDirectories(work.resolve("io")) : null);
            return 0;
        } finally {
            dev.berth.runtime.BusyboxBundle.deleteTree(work);
        }
    }

    /** io: where managed containers keep their logs and sockets, or null for inherited stdio. */
    private void idle(ContainerRuntime rt, Path bundle, int n, Path io) throws Exception {
        long before = memAvailableKb();
        List<String> ids = new ArrayList<>();
        long t = System.nanoTime();
        try {
            for (int i = 0; i < n; i++) {
                String id = "bench-idle-" + i;
                rt.create(io == null ? new ContainerRuntime.CreateOptions(id, bundle, null, null)
                        : ContainerRuntime.CreateOptions.managed(id, bundle, Io.logTo(io.resolve(i + ".log"))
                                .withAttach(io.resolve(i + ".a"), io.resolve(i + ".c"), true, false))).close();
                ids.add(id);
                rt.start(id);
            }
            double total = (System.nanoTime() - t) / 1e6;
            Thread.sleep(500);
            long after = memAvailableKb();
            double[] pss = new double[n], rss = new double[n];
            for (int i = 0; i < n; i++) {
                ContainerState s = rt.state(ids.get(i));
                int monitor = parentOf(s.pid());
                pss[i] = kb(Path.of("/proc/" + monitor + "/smaps_rollup"), "Pss:");
                rss[i] = kb(Path.of("/proc/" + monitor + "/status"), "VmRSS:");
            }
            out.printf("%d idle containers started back to back: %.0f ms total, %.1f ms each%n", n, total, total / n);
            out.printf("host memory added (MemAvailable drop): %.2f MiB per container%n", (before - after) / 1024.0 / n);
            out.printf("monitor (berth-shim) per container%s: median RSS %.0f KiB, median PSS %.0f KiB%n",
                    io == null ? "" : " (logging, attach and control sockets)", median(rss), median(pss));
        } finally {
            for (String id : ids) {
                try {
                    rt.delete(id, true);
                } catch (Exception e) {
                    err.println("berth bench: cleanup of " + id + ": " + e.getMessage());
                }
            }
        }
    }

    private static double[] command(int runs, List<String> cmd) throws IOException, InterruptedException {
        double[] times = new double[runs];
        for (int i = 0; i < runs; i++) {
            long t = System.nanoTime();
            Process p = new ProcessBuilder(cmd).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(ProcessBuilder.Redirect.DISCARD).redirectInput(new File("/dev/null")).start();
            int code = p.waitFor();
            times[i] = (System.nanoTime() - t) / 1e6;
            if (code != 0) throw new IllegalStateException(String.join(" ", cmd) + " exited " + code);
        }
        return times;
    }

    private void row(String name, double[] ms) {
        row(out, name, ms);
    }

    static void row(PrintStream out, String name, double[] ms) {
        out.printf("%-46s %7.1f ms  (p95 %7.1f ms)%n", name, median(ms), percentile(ms, 95));
    }

    static double median(double[] v) {
        return percentile(v, 50);
    }

    static double percentile(double[] v, int p) {
        double[] s = v.clone();
        Arrays.sort(s);
        return s[Math.min(s.length - 1, (int) Math.ceil(p / 100.0 * s.length) - 1)];
    }

    static int parentOf(int pid) throws IOException {
        String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
        return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[1]);
    }

    static long kb(Path file, String key) throws IOException {
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(key)) return Long.parseLong(line.substring(key.length()).trim().split("\\s+")[0]);
        }
        return 0;
    }

    static long memAvailableKb() throws IOException {
        return kb(Path.of("/proc/meminfo"), "MemAvailable:");
    }

    private static String machine() {
        return Runtime.getRuntime().availableProcessors() + " CPUs, " + System.getProperty("os.version");
    }
}
