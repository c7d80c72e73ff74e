package dev.berth.cli;

import dev.berth.api.Daemon;
import dev.berth.engine.Engine;
import dev.berth.oci.json.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * {@code berth bench engine}: {@code docker run --rm busybox true} with the docker CLI through berth's daemon,
 * then N idle containers through the engine: time to start them, host memory and the monitors' RSS/PSS, the
 * latency of {@code GET /containers/json} (and {@code docker ps}) with all N running, and their removal, after
 * which nothing of them may be left. The comparison with Podman's Docker API runs from
 * scripts/bench-engine-vs-podman (a Podman service started by a JVM hangs attached runs; started from a shell
 * it does not).
 */
final class EngineBench {
    private final PrintStream out;
    private final Path work;

    EngineBench(PrintStream out, Path work) {
        this.out = out;
        this.work = work;
    }

    void run(int runs, int containers, int psRuns) throws Exception {
        Path sock = work.resolve("berth.sock");
        try (Daemon d = Daemon.start(sock, work.resolve("data"), work.resolve("run"))) {
            BaseImages.busybox(d.engine().images(), "busybox:latest");
            if (runs > 0) {
                List<String> cmd = List.of("docker", "-H", "unix://" + sock, "run", "--rm", "busybox", "true");
                ImageBench.time(cmd, Map.of(), 3);
                double[] berth = ImageBench.time(cmd, Map.of(), runs);
                out.printf("docker run --rm busybox true, %d runs each, docker CLI 28 (medians):%n", runs);
                BenchCommand.row(out, "  through berth's daemon", berth);
                out.println("  the same through Podman's Docker API, in one hyperfine run: scripts/bench-engine-vs-podman");
            }
            if (containers > 0) idle(d.engine(), sock, containers, psRuns);
        }
    }

    /** N `sleep` containers made and started back to back through the engine, measured, then removed. */
    private void idle(Engine engine, Path sock, int n, int psRuns) throws Exception {
        var body = Json.parseObject("{\"Image\":\"busybox\",\"Cmd\":[\"sleep\",\"100000\"]}", "bench");
        List<String> ids = new ArrayList<>();
        long before = BenchCommand.memAvailableKb();
        try {
            long t = System.nanoTime();
            for (int i = 0; i < n; i++) {
                String id = (String) engine.create("bench-idle-" + i, body).get("Id");
                ids.add(id);
                engine.start(id);
            }
            double total = (System.nanoTime() - t) / 1e6;
            Thread.sleep(500);
            long after = BenchCommand.memAvailableKb();
            double[] pss = new double[n], rss = new double[n], cpss = new double[n], cg = new double[n];
            for (int i = 0; i < n; i++) {
                int pid = ((Number) ((Map<?, ?>) engine.inspect(ids.get(i)).get("State")).get("Pid")).intValue();
                int monitor = BenchCommand.parentOf(pid);
                pss[i] = BenchCommand.kb(Path.of("/proc/" + monitor + "/smaps_rollup"), "Pss:");
                rss[i] = BenchCommand.kb(Path.of("/proc/" + monitor + "/status"), "VmRSS:");
                cpss[i] = BenchCommand.kb(Path.of("/proc/" + pid + "/smaps_rollup"), "Pss:");
                cg[i] = cgroupMemoryKb(ids.get(i));
            }
            out.printf("%d idle containers (busybox sleep) created and started back to back through the engine:%n", n);
            out.printf("  %.0f ms total, %.1f ms per container%n", total, total / n);
            out.printf("  host memory added (MemAvailable drop, machine-wide: noisy): %.2f MiB per container (monitor, container, mounts, cgroups, daemon)%n",
                    (before - after) / 1024.0 / n);
            out.printf("  monitor (berth-shim) per container: median RSS %.0f KiB, median PSS %.0f KiB; the container's sleep: median PSS %.0f KiB%n",
                    BenchCommand.median(rss), BenchCommand.median(pss), BenchCommand.median(cpss));
            out.printf("  the container's cgroup (its processes, page cache and kernel memory charged to it): median %.0f KiB%n", BenchCommand.median(cg));
            double[] api = new double[psRuns];
            try (SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX)) {
                ch.connect(UnixDomainSocketAddress.of(sock));
                InputStream in = Channels.newInputStream(ch);
                for (int i = -3; i < psRuns; i++) { // 3 warm-up calls
                    long s = System.nanoTime();
                    byte[] reply = get(ch, in, "/containers/json");
                    if (i >= 0) api[i] = (System.nanoTime() - s) / 1e6;
                    int listed = ((List<?>) Json.parse(new String(reply, StandardCharsets.UTF_8), "ps")).size();
                    if (listed != n) throw new IllegalStateException("GET /containers/json listed " + listed + " containers, not " + n);
                }
            }
            out.printf("ps with %d running containers (%d calls):%n", n, psRuns);
            BenchCommand.row(out, "  GET /containers/json (keep-alive)", api);
            List<String> ps = List.of("docker", "-H", "unix://" + sock, "ps");
            ImageBench.time(ps, Map.of(), 2);
            BenchCommand.row(out, "  docker ps (CLI, process start incl.)", ImageBench.time(ps, Map.of(), Math.max(1, psRuns / 5)));
        } finally {
            long t = System.nanoTime();
            for (String id : ids) engine.remove(id, true, true);
            out.printf("removed all %d (rm -f): %.0f ms total%n", ids.size(), (System.nanoTime() - t) / 1e6);
            List<String> left = leftovers(engine, ids);
            out.println(left.isEmpty() ? "left behind: nothing (rows, mounts, cgroups, monitors, snapshots)" : "LEFT BEHIND: " + left);
            if (!left.isEmpty()) throw new IllegalStateException(left.size() + " things left behind by the idle containers");
        }
    }

    /** The memory charged to a container's cgroup (v1 memory.usage_in_bytes or v2 memory.current), in KiB; 0 if unknown. */
    private static double cgroupMemoryKb(String id) {
        for (Path p : List.of(Path.of("/sys/fs/cgroup/memory/berth", id, "memory.usage_in_bytes"), Path.of("/sys/fs/cgroup/berth", id, "memory.current"),
                Path.of("/sys/fs/cgroup/unified/berth", id, "memory.current"))) {
            try {
                return Long.parseLong(Files.readString(p).trim()) / 1024.0;
            } catch (IOException | NumberFormatException e) {
                // not this layout
            }
        }
        return 0;
    }

    /** What the removed containers left: rows, mounts under the work dir, cgroups by id, monitor processes, snapshots. */
    private List<String> leftovers(Engine engine, List<String> ids) throws IOException {
        List<String> left = new ArrayList<>();
        for (var c : engine.list(true)) left.add("container " + c.get("Id"));
        for (String l : Files.readAllLines(Path.of("/proc/self/mountinfo"))) if (l.contains(work.toString())) left.add("mount " + l.split(" ")[4]);
        List<Path> hierarchies = new ArrayList<>(List.of(Path.of("/sys/fs/cgroup")));
        try (Stream<Path> s = Files.list(Path.of("/sys/fs/cgroup"))) {
            s.filter(Files::isDirectory).forEach(hierarchies::add);
        }
        for (Path h : hierarchies) for (String id : ids) if (Files.exists(h.resolve("berth").resolve(id))) left.add("cgroup " + h.resolve("berth").resolve(id));
        String runRoot = work.resolve("run").toString();
        try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
            for (Path p : procs.filter(p -> p.getFileName().toString().matches("\\d+")).toList()) {
                try {
                    if (new String(Files.readAllBytes(p.resolve("cmdline"))).contains(runRoot)) left.add("process " + p.getFileName());
                } catch (IOException gone) {
                    // exited meanwhile
                }
            }
        }
        for (var a : engine.snapshots().activeSnapshots()) left.add("snapshot " + a.key());
        return left;
    }

    /** One GET on a kept-alive connection; the body (Content-Length or chunked). */
    private static byte[] get(SocketChannel ch, InputStream in, String path) throws IOException {
        ch.write(java.nio.ByteBuffer.wrap(("GET " + path + " HTTP/1.1\r\nHost: berth\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1)));
        String status = line(in);
        if (!status.startsWith("HTTP/1.1 200")) throw new IOException("GET " + path + ": " + status);
        long length = -1;
        boolean chunked = false;
        for (String h; !(h = line(in)).isEmpty(); ) {
            String k = h.substring(0, h.indexOf(':')).trim().toLowerCase(), v = h.substring(h.indexOf(':') + 1).trim();
            if (k.equals("content-length")) length = Long.parseLong(v);
            if (k.equals("transfer-encoding") && v.equalsIgnoreCase("chunked")) chunked = true;
        }
        if (!chunked) return in.readNBytes((int) length);
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        for (int size; (size = Integer.parseInt(line(in).split(";")[0].trim(), 16)) > 0; line(in)) body.write(in.readNBytes(size));
        line(in);
        return body.toByteArray();
    }

    private static String line(InputStream in) throws IOException {
        StringBuilder b = new StringBuilder();
        for (int c; (c = in.read()) != '\n'; ) {
            if (c < 0) throw new IOException("connection closed");
            if (c != '\r') b.append((char) c);
        }
        return b.toString();
    }
}
