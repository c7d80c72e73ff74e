package dev.berth.cli;

import dev.berth.image.Image;
import dev.berth.image.Images;
import dev.berth.image.archive.ImageArchive;
import dev.berth.image.layer.LayerApplier;
import dev.berth.image.layer.LayerWriter;
import dev.berth.image.registry.ProgressListener;
import dev.berth.image.registry.RegistryClient;
import dev.berth.image.registry.RegistryOptions;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.image.MediaType;
import dev.berth.runtime.BusyboxBundle;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/**
 * {@code berth bench image}: builds against {@code podman build}, push and pull against {@code skopeo copy}
 * (a fresh local registry on 127.0.0.1 for every run), layer unpack throughput and store size with shared layers.
 */
final class ImageBench {
    static final String DOCKERFILE = String.join("\n",
            "FROM busybox",
            "ENV APP=/app",
            "WORKDIR /app",
            "COPY data/ /app/data/",
            "RUN echo one > /app/one",
            "RUN for i in $(seq 1 500); do echo line $i; done > /app/seq.txt",
            "ARG VERSION=1",
            "LABEL version=$VERSION",
            "EXPOSE 8080",
            "CMD [\"cat\", \"/app/one\"]", "");

    private final PrintStream out;
    private final Path work;
    private final Images images;
    private final String home = System.getenv("BERTH_HOME");

    ImageBench(PrintStream out, Path work) throws IOException {
        this.out = out;
        this.work = work;
        this.images = new Images(work.resolve("berth/images"));
    }

    void run(int runs) throws Exception {
        out.printf("berth bench image: %d runs each, medians (p95 in brackets)%n", runs);
        build(runs);
        registry(Math.max(3, runs / 2));
        unpack();
    }

    // ------------------------------------------------------------------ build

    private void build(int runs) throws Exception {
        if (home == null) {
            out.println("build: skipped (run through ./berth so the command can be timed)");
            return;
        }
        Path ctx = Files.createDirectories(work.resolve("ctx/data"));
        Random rnd = new Random(1);
        for (int i = 0; i < 50; i++) {
            byte[] b = new byte[4096];
            rnd.nextBytes(b);
            Files.write(ctx.resolve("f" + i), b);
        }
        Files.writeString(work.resolve("ctx/Dockerfile"), DOCKERFILE);
        BaseImages.busybox(images, "busybox:latest");
        List<String> berth = List.of(home + "/berth", "build", "-q", "-t", "bench:1", work.resolve("ctx").toString());
        List<String> berthCold = new ArrayList<>(berth);
        berthCold.add(2, "--no-cache");
        Map<String, String> env = Map.of("BERTH_ROOT", work.resolve("berth").toString(), "BERTH_RUN", work.resolve("run").toString());
        time(berth, env, 1);
        double[] cold = time(berthCold, env, runs), cached = time(berth, env, runs);
        out.println("build of a 10-instruction Dockerfile (FROM busybox, COPY 50 files, 2 RUN), command incl. JVM start-up:");
        BenchCommand.row(out, "  berth build, cold (--no-cache)", cold);
        BenchCommand.row(out, "  berth build, cached", cached);
        if (!Files.isExecutable(Path.of("/usr/bin/podman"))) {
            out.println("  podman: not installed, skipped");
            return;
        }
        Podman podman = new Podman(work.resolve("podman"));
        try {
            Path saved = work.resolve("busybox.tar");
            try (OutputStream os = Files.newOutputStream(saved)) {
                ImageArchive.save(images, List.of("busybox:latest"), os, ImageArchive.Format.DOCKER);
            }
            podman.run("load", "-i", saved.toString());
            List<String> p = List.of("podman", "build", "--network", "host", "-q", "-t", "bench:1", work.resolve("ctx").toString());
            List<String> pCold = new ArrayList<>(p);
            pCold.add(2, "--no-cache");
            time(p, podman.env(), 1);
            double[] pc = time(pCold, podman.env(), runs), pk = time(p, podman.env(), runs);
            BenchCommand.row(out, "  podman build, cold (--no-cache, runc)", pc);
            BenchCommand.row(out, "  podman build, cached", pk);
            out.printf("  ratio berth/podman: cold %.2f, cached %.2f%n", BenchCommand.median(cold) / BenchCommand.median(pc),
                    BenchCommand.median(cached) / BenchCommand.median(pk));
        } finally {
            podman.reset();
        }
    }

    /** Podman with its own storage and config under a directory (overlay; reset afterwards). */
    private record Podman(Path dir) {
        Podman {
            try {
                Files.createDirectories(dir);
                Files.writeString(dir.resolve("storage.conf"), "[storage]\ndriver = \"overlay\"\nrunroot = \"" + dir.resolve("run")
                        + "\"\ngraphroot = \"" + dir.resolve("graph") + "\"\n");
                Files.writeString(dir.resolve("containers.conf"), "[containers]\ndefault_ulimits = [\"nofile=1024:1024\", \"nproc=1024:1024\"]\n"
                        + "[engine]\nruntime = \"runc\"\ncgroup_manager = \"cgroupfs\"\nevents_logger = \"file\"\n");
            } catch (IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        }

        Map<String, String> env() {
            return Map.of("CONTAINERS_STORAGE_CONF", dir.resolve("storage.conf").toString(), "CONTAINERS_CONF", dir.resolve("containers.conf").toString());
        }

        void run(String... args) throws Exception {
            List<String> cmd = new ArrayList<>(List.of("podman"));
            cmd.addAll(List.of(args));
            time(cmd, env(), 1);
        }

        void reset() {
            try {
                run("system", "reset", "--force");
            } catch (Exception ignored) {
                // best effort
            }
        }
    }

    static double[] time(List<String> cmd, Map<String, String> env, int runs) throws Exception {
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++) {
            ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(new java.io.File("/dev/null"));
            pb.environment().putAll(env);
            long start = System.nanoTime();
            Process p = pb.start();
            String output = new String(p.getInputStream().readAllBytes());
            if (!p.waitFor(600, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException(String.join(" ", cmd) + " failed: " + output);
            t[i] = (System.nanoTime() - start) / 1e6;
        }
        return t;
    }

    // ------------------------------------------------------------------ registry

    /** A ~100 MB image of 5 incompressible layers, made with berth's layer writer. */
    private Image bigImage() throws IOException {
        List<Descriptor> layers = new ArrayList<>();
        ImageConfig config = new ImageConfig("amd64", "linux", "2026-01-01T00:00:00Z", null, ImageConfig.Run.EMPTY, List.of(), List.of());
        Random rnd = new Random(42);
        for (int l = 0; l < 5; l++) {
            Path dir = Files.createDirectories(work.resolve("big/l" + l));
            for (int f = 0; f < 20; f++) {
                byte[] b = new byte[1 << 20];
                rnd.nextBytes(b);
                Files.write(dir.resolve("f" + f), b);
            }
            LayerWriter.Written w = LayerWriter.tree(dir).write(images.content(), MediaType.Compression.GZIP);
            layers.add(w.blob());
            config = config.withLayer(w.diffId(), new ImageConfig.History("2026-01-01T00:00:00Z", "layer " + l, null, false));
        }
        Descriptor d = images.store(config, layers);
        images.names().put(ImageReference.parse("bench/big:1"), d);
        BusyboxBundle.deleteTree(work.resolve("big"));
        return images.load(d);
    }

    private void registry(int runs) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/docker-registry"))) {
            out.println("push/pull: docker-registry is not installed, skipped");
            return;
        }
        Image big = bigImage();
        double mb = big.size() / 1e6;
        Path archive = work.resolve("big-oci.tar");
        try (OutputStream os = Files.newOutputStream(archive)) {
            ImageArchive.save(images, List.of("bench/big:1"), os, ImageArchive.Format.OCI);
        }
        boolean skopeo = Files.isExecutable(Path.of("/usr/bin/skopeo"));
        double[] bPush = new double[runs], bPull = new double[runs], sPush = new double[runs], sPull = new double[runs];
        RegistryOptions opts = RegistryOptions.defaults();
        for (int i = 0; i < runs; i++) {
            try (Registry reg = Registry.start(work.resolve("registry-" + i))) {
                String host = "127.0.0.1:" + reg.port;
                try (RegistryClient c = new RegistryClient(host, opts)) {
                    long t = System.nanoTime();
                    c.push(ImageReference.parse(host + "/berth/big:1"), big.target(), images.content(), ProgressListener.NONE);
                    bPush[i] = (System.nanoTime() - t) / 1e6;
                    Images fresh = new Images(work.resolve("pull-" + i));
                    t = System.nanoTime();
                    c.pull(ImageReference.parse(host + "/berth/big:1"), null, fresh.content(), ProgressListener.NONE);
                    bPull[i] = (System.nanoTime() - t) / 1e6;
                    BusyboxBundle.deleteTree(work.resolve("pull-" + i));
                }
                if (skopeo) {
                    sPush[i] = time(List.of("skopeo", "copy", "-q", "--dest-tls-verify=false", "oci-archive:" + archive,
                            "docker://" + host + "/skopeo/big:1"), Map.of(), 1)[0];
                    Path dest = work.resolve("skopeo-pull-" + i);
                    sPull[i] = time(List.of("skopeo", "copy", "-q", "--src-tls-verify=false", "docker://" + host + "/skopeo/big:1",
                            "oci:" + dest), Map.of(), 1)[0];
                    BusyboxBundle.deleteTree(dest);
                }
            }
        }
        out.printf("push and pull of a %.0f MB image (5 gzip layers) to a local registry (fresh per run), berth in-process:%n", mb);
        BenchCommand.row(out, "  berth push", bPush);
        if (skopeo) BenchCommand.row(out, "  skopeo copy oci-archive -> registry", sPush);
        BenchCommand.row(out, "  berth pull (verified, fsynced)", bPull);
        if (skopeo) BenchCommand.row(out, "  skopeo copy registry -> oci dir", sPull);
        if (skopeo) {
            out.printf("  ratio berth/skopeo: push %.2f, pull %.2f%n", BenchCommand.median(bPush) / BenchCommand.median(sPush),
                    BenchCommand.median(bPull) / BenchCommand.median(sPull));
        }
    }

    /** docker-registry on 127.0.0.1 and a free port, storing under dir; stopped and removed on close. */
    private record Registry(Process process, int port, Path dir) implements AutoCloseable {
        static Registry start(Path dir) throws Exception {
            Files.createDirectories(dir);
            int port;
            try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            Files.writeString(dir.resolve("config.yml"), "version: 0.1\nlog:\n  level: error\n  accesslog:\n    disabled: true\n"
                    + "storage:\n  filesystem:\n    rootdirectory: " + dir.resolve("data") + "\nhttp:\n  addr: 127.0.0.1:" + port + "\n");
            Process p = new ProcessBuilder("/usr/bin/docker-registry", "serve", dir.resolve("config.yml").toString())
                    .redirectErrorStream(true).redirectOutput(dir.resolve("log").toFile()).start();
            Registry r = new Registry(p, port, dir);
            for (int i = 0; i < 200; i++) {
                try (java.net.Socket s = new java.net.Socket(InetAddress.getLoopbackAddress(), port)) {
                    return r; // listening
                } catch (IOException notYet) {
                    Thread.sleep(25);
                }
            }
            r.close();
            throw new IOException("docker-registry did not start on 127.0.0.1:" + port);
        }

        @Override
        public void close() throws Exception {
            process.destroy();
            if (!process.waitFor(10, TimeUnit.SECONDS)) process.destroyForcibly().waitFor();
            BusyboxBundle.deleteTree(dir);
        }
    }

    // ------------------------------------------------------------------ unpack, sharing

    private void unpack() throws IOException {
        Image big = images.get("bench/big:1");
        long bytes = 0;
        double ms = 0;
        for (Descriptor l : big.manifest().layers()) {
            Path dir = Files.createDirectories(work.resolve("unpack"));
            long t = System.nanoTime();
            try (InputStream in = images.content().open(l.digest())) {
                bytes += LayerApplier.apply(in, MediaType.compression(l.mediaType()), dir, LayerApplier.Mode.FLAT).size();
            }
            ms += (System.nanoTime() - t) / 1e6;
            BusyboxBundle.deleteTree(dir);
        }
        out.printf("layer unpack (gzip, 5 layers, %.0f MB of tar): %.0f MB/s%n", bytes / 1e6, bytes / 1e6 / (ms / 1000));
        // a second image sharing the first four layers: the store keeps one copy of each
        Descriptor shared = images.store(big.config(), big.manifest().layers().subList(0, 4));
        images.names().put(ImageReference.parse("bench/shared:1"), shared);
        long sum = big.size() + images.load(shared).size();
        out.printf("store size with shared layers: two images of %.0f MB and %.0f MB take %.0f MB (%.0f MB if stored apart)%n",
                big.size() / 1e6, images.load(shared).size() / 1e6, images.content().totalSize() / 1e6, sum / 1e6);
    }
}
