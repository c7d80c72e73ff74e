package dev.berth.image.layer;

import dev.berth.oci.image.MediaType.Compression;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;

/**
 * Unpack and write throughput of a generated ~100 MB layer (not a test: surefire runs *Test only). Run as root:
 * <pre>
 *   java --enable-native-access=ALL-UNNAMED -cp berth-image/target/classes:berth-image/target/test-classes:\
 *     berth-oci/target/classes:ZSTD_JNI_JAR dev.berth.image.layer.LayerBench [work dir]
 * </pre>
 * The tree: 2,000 files (a few large, most 4-64 KiB) in 100 directories, a third random bytes, the rest text-like
 * (gzip -1 keeps about 52%). Throughput is of the uncompressed tar, best of 3, with and without writing the files;
 * files land in the page cache (no fsync), as a real unpack before syncfs.
 */
public final class LayerBench {
    private LayerBench() {}

    public static void main(String[] args) throws IOException {
        Path work = Files.createTempDirectory(args.length > 0 ? Path.of(args[0]) : Path.of(System.getProperty("java.io.tmpdir")), "layerbench");
        try {
            Path src = Files.createDirectories(work.resolve("src"));
            long bytes = generate(src, 100L << 20);
            System.out.printf("tree: %d MB in %s%n", bytes >> 20, src);
            for (int level : new int[] {1, 6}) {
                for (int run = 0; run < 2; run++) {
                    long t = System.nanoTime();
                    LayerWriter.Written w = LayerWriter.tree(src).gzipLevel(level).write(OutputStream.nullOutputStream(), Compression.GZIP);
                    if (run == 1) report("write gzip -" + level, w.diffSize(), t, "blob " + (w.blob().size() >> 20) + " MB");
                }
            }
            for (Compression c : Compression.values()) {
                ByteArrayOutputStream blob = new ByteArrayOutputStream();
                long t = System.nanoTime();
                LayerWriter.Written w = LayerWriter.tree(src).write(blob, c);
                report("write " + c, w.diffSize(), t, "blob " + (blob.size() >> 20) + " MB");
                byte[] data = blob.toByteArray();
                double best = 0;
                for (int run = 0; run < 3; run++) {
                    Path dst = Files.createDirectories(work.resolve("dst"));
                    long t0 = System.nanoTime();
                    LayerApplier.Applied a = LayerApplier.apply(new ByteArrayInputStream(data), c, dst, LayerApplier.Mode.OVERLAY);
                    double s = (System.nanoTime() - t0) / 1e9;
                    best = Math.max(best, a.size() / 1e6 / s);
                    Trees.delete(dst);
                }
                double parse = 0;
                for (int run = 0; run < 3; run++) { // the same stream without the filesystem: decompress, parse, digest
                    long t0 = System.nanoTime();
                    try (var in = Streams.decompress(new ByteArrayInputStream(data), c)) {
                        Streams.HashingInput h = new Streams.HashingInput(new java.io.BufferedInputStream(in, Streams.BUFFER));
                        TarReader r = new TarReader(h, Limits.DEFAULT);
                        byte[] buf = new byte[Streams.BUFFER];
                        while (r.next() != null) while (r.read(buf, 0, buf.length) > 0) { }
                        r.drain();
                        h.digest();
                        parse = Math.max(parse, h.count() / 1e6 / ((System.nanoTime() - t0) / 1e9));
                    }
                }
                System.out.printf("unpack %-5s %7.0f MB/s (uncompressed tar, best of 3); without the filesystem %.0f MB/s%n", c, best, parse);
            }
            smallFiles(work);
        } finally {
            Trees.delete(work);
        }
    }

    /** Per-entry cost: 20,000 files of 0-2 KiB in 400 directories, uncompressed. */
    private static void smallFiles(Path work) throws IOException {
        Path src = Files.createDirectories(work.resolve("small"));
        Random r = new Random(3);
        for (int i = 0; i < 20_000; i++) {
            byte[] b = new byte[r.nextInt(2048)];
            r.nextBytes(b);
            Files.write(Files.createDirectories(src.resolve("d" + (i % 400))).resolve("f" + i), b);
        }
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        LayerWriter.tree(src).write(blob, Compression.NONE);
        byte[] data = blob.toByteArray();
        double best = 0;
        for (int run = 0; run < 3; run++) {
            Path dst = Files.createDirectories(work.resolve("dst"));
            long t0 = System.nanoTime();
            LayerApplier.Applied a = LayerApplier.apply(new ByteArrayInputStream(data), Compression.NONE, dst, LayerApplier.Mode.OVERLAY);
            best = Math.max(best, a.entries() / ((System.nanoTime() - t0) / 1e9));
            Trees.delete(dst);
        }
        System.out.printf("unpack small files %7.0f entries/s (20,400 entries, best of 3)%n", best);
    }

    private static void report(String what, long tarBytes, long t0, String extra) {
        double s = (System.nanoTime() - t0) / 1e9;
        System.out.printf("%-13s %7.0f MB/s  %s%n", what, tarBytes / 1e6 / s, extra);
    }

    private static long generate(Path root, long target) throws IOException {
        Random r = new Random(7);
        String[] words = "the quick brown fox jumps over lazy dog lib usr share locale config module import return static".split(" ");
        long total = 0;
        for (int i = 0; total < target; i++) {
            Path dir = Files.createDirectories(root.resolve("d" + (i % 100)));
            int size = i % 200 == 0 ? 4 << 20 : 4096 + r.nextInt(60 << 10);
            byte[] b = new byte[size];
            if (i % 3 == 0) { // a third incompressible (binaries, compressed assets), the rest text
                r.nextBytes(b);
            } else {
                StringBuilder sb = new StringBuilder(size);
                while (sb.length() < size) sb.append(words[r.nextInt(words.length)]).append(r.nextInt(10) == 0 ? '\n' : ' ');
                b = sb.substring(0, size).getBytes();
            }
            Files.write(dir.resolve("f" + i), b);
            total += size;
        }
        return total;
    }
}
