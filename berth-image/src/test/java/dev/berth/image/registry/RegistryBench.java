package dev.berth.image.registry;

import dev.berth.image.content.LocalContentStore;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.ImageReference;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Push and pull of a synthetic multi-layer image (~100 MB of gzip layers) to a local docker-registry, by berth and by
 * {@code skopeo copy} (from an {@code oci:} layout to the registry and back into another layout). Not a surefire
 * test; run it with a main:
 *
 * <pre>
 * export JAVA_HOME=/usr/lib/jvm/temurin-25-jdk-amd64
 * mvn -q -o test-compile dependency:build-classpath -pl berth-image -am -Dmdep.outputFile=/tmp/berth-image.cp
 * $JAVA_HOME/bin/java -cp berth-image/target/test-classes:berth-image/target/classes:$(cat /tmp/berth-image.cp) \
 *     dev.berth.image.registry.RegistryBench [MB] [runs]
 * </pre>
 *
 * Each run uses a fresh registry (so nothing is skipped or mounted) and a fresh destination; berth's times include
 * creating its client, skopeo's its process start. berth's store fsyncs every blob it commits.
 */
public final class RegistryBench {
    private RegistryBench() {}

    private interface Step {
        void run() throws Exception;
    }

    private static double seconds(Step s) throws Exception {
        long t = System.nanoTime();
        s.run();
        return (System.nanoTime() - t) / 1e9;
    }

    public static void main(String[] args) throws Exception {
        int mb = args.length > 0 ? Integer.parseInt(args[0]) : 100;
        int runs = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Path dir = Files.createTempDirectory("berth-registry-bench");
        try {
            LocalContentStore src = new LocalContentStore(dir.resolve("src"));
            int[] percent = {40, 25, 20, 10, 5};
            int[] sizes = new int[percent.length];
            for (int i = 0; i < percent.length; i++) sizes[i] = (int) ((long) mb * (1 << 20) * percent[i] / 100);
            SampleImages.Image img = SampleImages.image(src, false, "amd64", 1, sizes);
            long total = 0;
            for (Digest d : img.blobs()) total += src.size(d);
            Path layout = dir.resolve("layout");
            OciLayout.write(src, layout, img, "v1");
            System.out.printf("image: %d layers, %.1f MB of blobs%n", sizes.length, total / 1e6);

            List<double[]> rows = new ArrayList<>();
            for (int run = 1; run <= runs; run++) {
                double[] row = new double[4];
                Path reg = dir.resolve("registry-berth");
                Files.createDirectories(reg);
                try (LocalRegistry r = LocalRegistry.start(reg)) {
                    ImageReference ref = ImageReference.parse(r.address() + "/bench/app:1");
                    row[0] = seconds(() -> {
                        try (RegistryClient c = new RegistryClient(r.address(), RegistryOptions.defaults())) {
                            c.push(ref, img.manifest(), src, ProgressListener.NONE);
                        }
                    });
                    LocalContentStore dst = new LocalContentStore(dir.resolve("pulled-berth"));
                    row[1] = seconds(() -> {
                        try (RegistryClient c = new RegistryClient(r.address(), RegistryOptions.defaults())) {
                            c.pull(ref, null, dst, ProgressListener.NONE);
                        }
                    });
                }
                delete(reg);
                delete(dir.resolve("pulled-berth"));
                reg = Files.createDirectories(dir.resolve("registry-skopeo"));
                try (LocalRegistry r = LocalRegistry.start(reg)) {
                    String target = "docker://" + r.address() + "/bench/app:1";
                    row[2] = seconds(() -> Tools.check(List.of("skopeo", "--insecure-policy", "--tmpdir", dir.toString(), "copy", "-q",
                            "--dest-tls-verify=false", "oci:" + layout + ":v1", target), 600));
                    row[3] = seconds(() -> Tools.check(List.of("skopeo", "--insecure-policy", "--tmpdir", dir.toString(), "copy", "-q",
                            "--src-tls-verify=false", target, "oci:" + dir.resolve("pulled-skopeo") + ":v1"), 600));
                }
                delete(reg);
                delete(dir.resolve("pulled-skopeo"));
                rows.add(row);
                System.out.printf("run %d: berth push %.2f s, berth pull %.2f s, skopeo push %.2f s, skopeo pull %.2f s%n", run, row[0], row[1], row[2], row[3]);
            }
            String[] names = {"berth push", "berth pull", "skopeo push", "skopeo pull"};
            for (int i = 0; i < 4; i++) {
                int col = i;
                double[] v = rows.stream().mapToDouble(x -> x[col]).sorted().toArray();
                double median = v[v.length / 2];
                System.out.printf("%-12s median %.2f s (%.0f MB/s), min %.2f s, max %.2f s%n", names[i], median, total / 1e6 / median, v[0], v[v.length - 1]);
            }
        } finally {
            delete(dir);
        }
    }

    private static void delete(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path x : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(x);
        }
    }
}
