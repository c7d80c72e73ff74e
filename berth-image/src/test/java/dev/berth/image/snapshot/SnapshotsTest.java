package dev.berth.image.snapshot;

import dev.berth.image.layer.LayerApplier;
import dev.berth.image.layer.LayerWriter;
import dev.berth.image.layer.Trees;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.MediaType.Compression;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Layers unpacked into snapshots, stacked by overlayfs, written back as layers. Needs root and overlayfs. */
class SnapshotsTest {
    @TempDir
    Path tmp;
    Snapshots snapshots;

    @BeforeEach
    void setUp() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Integer.valueOf(0).equals(Files.getAttribute(Path.of("/proc/self"), "unix:uid")),
                "needs root (mount, devices, trusted.* xattrs)");
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.readString(Path.of("/proc/filesystems")).contains("\toverlay\n"), "needs overlayfs");
        snapshots = new Snapshots(tmp);
    }

    @AfterEach
    void noLeaks() throws IOException {
        if (snapshots == null) return;
        List<String> left = mountsUnder(tmp);
        for (String m : left.reversed()) Snapshots.unmount(Path.of(m)); // never leave a mount behind, even on failure
        assertThat(left).as("mounts left under the test root").isEmpty();
    }

    static List<String> mountsUnder(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
            String mountPoint = line.split(" ")[4];
            if (mountPoint.startsWith(dir.toString())) out.add(mountPoint);
        }
        return out;
    }

    /** A layer: tar entries built with Commons Compress, gzip-compressed. */
    record Blob(byte[] gzip, Digest diffId) {
        Snapshots.BlobSource source() {
            return () -> new ByteArrayInputStream(gzip);
        }
    }

    static Blob layer(String... spec) throws IOException {
        ByteArrayOutputStream tar = new ByteArrayOutputStream();
        try (TarArchiveOutputStream out = new TarArchiveOutputStream(tar)) {
            out.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (String s : spec) { // "name/" a directory, "name=content" a file
                boolean dir = s.endsWith("/");
                String name = dir ? s : s.substring(0, s.indexOf('='));
                byte[] content = dir ? new byte[0] : s.substring(s.indexOf('=') + 1).getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(name);
                e.setMode(dir ? 040755 : 0100644);
                e.setSize(content.length);
                out.putArchiveEntry(e);
                out.write(content);
                out.closeArchiveEntry();
            }
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write(tar.toByteArray());
        }
        return new Blob(gz.toByteArray(), Digest.sha256(tar.toByteArray()));
    }

    private Snapshots.Layer unpack(Digest parent, Blob b) throws IOException {
        return snapshots.ensureLayer(parent, b.diffId(), Compression.GZIP, b.source());
    }

    private List<String> children(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private void assertNoLeftovers() throws IOException {
        assertThat(children(snapshots.root().resolve("tmp"))).isEmpty();
        assertThat(mountsUnder(tmp)).isEmpty();
    }

    @Test
    void threeLayersStackedWrittenAndCommitted() throws IOException {
        Blob b1 = layer("etc/", "etc/a=1", "etc/b=1", "d/", "d/x=1", "d/sub/", "d/sub/y=1");
        Blob b2 = layer("etc/", "etc/.wh.b=", "etc/c=2");
        Blob b3 = layer("d/", "d/.wh..wh..opq=", "d/z=3");
        Snapshots.Layer l1 = unpack(null, b1), l2 = unpack(l1.chainId(), b2), l3 = unpack(l2.chainId(), b3);
        assertThat(l1.chainId()).isEqualTo(b1.diffId());
        assertThat(l3.chainId()).isEqualTo(Snapshots.chainId(List.of(b1.diffId(), b2.diffId(), b3.diffId())));
        assertThat(snapshots.lowerDirs(l3.chainId())).containsExactly(l3.dir(), l2.dir(), l1.dir());

        Mount m = snapshots.prepare("c1", l3.chainId());
        assertThat(m.lowerDirs()).containsExactly(l3.dir().toString(), l2.dir().toString(), l1.dir().toString());
        Path merged = snapshots.mergedDir("c1");
        Snapshots.mount(m, merged);
        try {
            assertThat(mountsUnder(tmp)).containsExactly(merged.toString());
            assertThat(children(merged.resolve("etc"))).containsExactly("a", "c");
            assertThat(children(merged.resolve("d"))).as("opaque: only layer 3's content").containsExactly("z");

            // The container writes: all of it lands in the upper directory.
            Files.writeString(merged.resolve("new.txt"), "written");
            Files.delete(merged.resolve("etc/a"));
            Files.writeString(merged.resolve("etc/c"), "changed");
            Trees.delete(merged.resolve("d"));
            Files.createDirectories(merged.resolve("d"));
            Files.writeString(merged.resolve("d/w"), "fresh");
            assertThat(children(snapshots.upperDir("c1"))).containsExactly("d", "etc", "new.txt");
            assertThat(l1.dir().resolve("etc/a")).as("lower layers are untouched").exists();
        } finally {
            Snapshots.unmount(merged);
        }
        assertThat(mountsUnder(tmp)).isEmpty();

        // commit: the upper directory becomes a layer with whiteouts, and stacks like any other.
        ByteArrayOutputStream diff = new ByteArrayOutputStream();
        LayerWriter.Written w = LayerWriter.upper(snapshots.upperDir("c1")).write(diff, Compression.GZIP);
        List<String> names = new ArrayList<>();
        try (var in = new org.apache.commons.compress.archivers.tar.TarArchiveInputStream(
                new java.util.zip.GZIPInputStream(new ByteArrayInputStream(diff.toByteArray())))) {
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) names.add(e.getName());
        }
        assertThat(names).containsExactly("d/", "d/.wh..wh..opq", "d/w", "etc/", "etc/.wh.a", "etc/c", "new.txt");
        Snapshots.Layer l4 = snapshots.ensureLayer(l3.chainId(), w.diffId(), Compression.GZIP, () -> new ByteArrayInputStream(diff.toByteArray()));

        Path view = Files.createDirectories(tmp.resolve("view"));
        Snapshots.mount(snapshots.view(l4.chainId()), view);
        try {
            assertThat(children(view)).containsExactly("d", "etc", "new.txt");
            assertThat(children(view.resolve("etc"))).containsExactly("c");
            assertThat(view.resolve("etc/c")).hasContent("changed");
            assertThat(children(view.resolve("d"))).containsExactly("w");
            assertThatThrownBy(() -> Files.writeString(view.resolve("x"), "x")).isInstanceOf(IOException.class);
        } finally {
            Snapshots.unmount(view);
        }

        snapshots.remove("c1");
        assertThat(snapshots.activeSnapshots()).isEmpty();
        assertThat(children(snapshots.root().resolve("active"))).isEmpty();
        assertNoLeftovers();
    }

    @Test
    void removeUnmountsAndDeletes() throws IOException {
        Snapshots.Layer l1 = unpack(null, layer("a=1"));
        Snapshots.mount(snapshots.prepare("busy", l1.chainId()), snapshots.mergedDir("busy"));
        Files.writeString(snapshots.mergedDir("busy").resolve("b"), "2");
        assertThat(snapshots.usage().active()).containsEntry("busy", 1L);
        snapshots.remove("busy");
        assertThat(Files.exists(snapshots.root().resolve("active/busy"))).isFalse();
        snapshots.remove("busy"); // again: nothing to do
        assertNoLeftovers();
    }

    @Test
    void sharedLayersAreUnpackedOnce() throws IOException {
        Blob base = layer("bin/", "bin/sh=shell");
        AtomicInteger opens = new AtomicInteger();
        Snapshots.BlobSource counting = () -> {
            opens.incrementAndGet();
            return base.source().open();
        };
        Snapshots.Layer a0 = snapshots.ensureLayer(null, base.diffId(), Compression.GZIP, counting);
        unpack(a0.chainId(), layer("app-a=a"));
        Snapshots.Layer b0 = snapshots.ensureLayer(null, base.diffId(), Compression.GZIP, counting);
        unpack(b0.chainId(), layer("app-b=b"));
        assertThat(b0).isEqualTo(a0);
        assertThat(opens).hasValue(1);
        assertThat(children(snapshots.root().resolve("l"))).hasSize(3);
        assertThat(snapshots.list()).hasSize(3);
        assertThat(snapshots.usage().layers().get(a0.chainId())).isEqualTo(5L);
        assertNoLeftovers();
    }

    @Test
    void anInterruptedUnpackLeavesNothing() throws IOException {
        byte[] random = new byte[1 << 20];
        new java.util.Random(1).nextBytes(random);
        byte[] big = layer("f=" + new String(random, StandardCharsets.ISO_8859_1), "g=y").gzip();
        Snapshots.BlobSource failing = () -> new FilterInputStream(new ByteArrayInputStream(big)) {
            int read;

            @Override
            public int read(byte[] b, int off, int len) throws IOException {
                if (read > big.length / 2) throw new IOException("connection reset"); // in the middle of file f
                int n = super.read(b, off, Math.min(len, 4096));
                read += Math.max(n, 0);
                return n;
            }
        };
        Digest diff = Digest.sha256(new byte[0]); // not checked: the read fails first
        assertThatThrownBy(() -> snapshots.ensureLayer(null, diff, Compression.GZIP, failing)).hasMessage("connection reset");
        assertThat(children(snapshots.root().resolve("l"))).isEmpty();

        Blob b = layer("a=1");
        Blob other = layer("a=2");
        assertThatThrownBy(() -> snapshots.ensureLayer(null, b.diffId(), Compression.GZIP, other.source()))
                .hasMessage("layer " + b.diffId() + ": the blob's uncompressed content has diffID " + other.diffId());
        assertThat(children(snapshots.root().resolve("l"))).isEmpty();
        assertNoLeftovers();
    }

    @Test
    void concurrentUnpacksOfOneLayerAreSafe() throws Exception {
        Blob b = layer("big=" + "z".repeat(1 << 20));
        Snapshots other = new Snapshots(tmp); // a second berth process on the same root: no shared lock
        CountDownLatch both = new CountDownLatch(2);
        Snapshots.BlobSource waiting = () -> {
            both.countDown();
            try {
                both.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            return b.source().open();
        };
        try (ExecutorService pool = Executors.newFixedThreadPool(2)) {
            Future<Snapshots.Layer> one = pool.submit(() -> snapshots.ensureLayer(null, b.diffId(), Compression.GZIP, waiting));
            Future<Snapshots.Layer> two = pool.submit(() -> other.ensureLayer(null, b.diffId(), Compression.GZIP, waiting));
            assertThat(one.get()).isEqualTo(two.get());
        }
        assertThat(children(snapshots.root().resolve("l"))).hasSize(1);
        assertNoLeftovers();
    }

    @Test
    void layersInUseAreNotRemoved() throws IOException {
        Snapshots.Layer l1 = unpack(null, layer("a=1"));
        Snapshots.Layer l2 = unpack(l1.chainId(), layer("b=2"));
        snapshots.prepare("user", l2.chainId());
        assertThatThrownBy(() -> snapshots.removeLayer(l1.chainId())).hasMessage("layer " + l1.chainId() + ": in use by snapshot user");
        assertThatThrownBy(() -> snapshots.removeLayer(l2.chainId())).hasMessage("layer " + l2.chainId() + ": in use by snapshot user");
        assertThatThrownBy(() -> snapshots.prepare("user", l1.chainId())).hasMessage("snapshot user: already exists");
        snapshots.remove("user");
        assertThatThrownBy(() -> snapshots.removeLayer(l1.chainId())).hasMessage("layer " + l1.chainId() + ": it is the parent of layer " + l2.chainId());
        snapshots.removeLayer(l2.chainId());
        snapshots.removeLayer(l1.chainId());
        assertThat(snapshots.list()).isEmpty();
        assertThat(children(snapshots.root().resolve("l"))).isEmpty();
        assertThatThrownBy(() -> snapshots.prepare("late", l2.chainId())).hasMessage("layer " + l2.chainId() + ": not unpacked");
        assertNoLeftovers();
    }

    @Test
    void imagesWithNoOrOneLayer() throws IOException {
        Mount m = snapshots.prepare("scratch", null);
        Snapshots.mount(m, snapshots.mergedDir("scratch"));
        try {
            Files.writeString(snapshots.mergedDir("scratch").resolve("hello"), "hi");
        } finally {
            Snapshots.unmount(snapshots.mergedDir("scratch"));
        }
        assertThat(snapshots.upperDir("scratch").resolve("hello")).hasContent("hi");
        snapshots.remove("scratch");

        Path view = Files.createDirectories(tmp.resolve("view"));
        Snapshots.mount(snapshots.view(null), view);
        try {
            assertThat(children(view)).isEmpty();
            assertThatThrownBy(() -> Files.writeString(view.resolve("x"), "x")).isInstanceOf(IOException.class);
        } finally {
            Snapshots.unmount(view);
        }
        Snapshots.Layer l1 = unpack(null, layer("only=1"));
        Snapshots.mount(snapshots.view(l1.chainId()), view);
        try {
            assertThat(children(view)).containsExactly("only");
        } finally {
            Snapshots.unmount(view);
        }
        assertNoLeftovers();
    }

    @Test
    void shortIdCollisionsTakeALongerName() throws IOException {
        Blob b = layer("real=1");
        Digest fake = new Digest("sha256", b.diffId().hex().substring(0, 12) + "0".repeat(52));
        Path squatter = Files.createDirectories(snapshots.root().resolve("l").resolve(b.diffId().hex().substring(0, 12)));
        Files.createDirectories(squatter.resolve("d"));
        new Meta(fake, null, fake, 0, 0, false).write(squatter);

        Snapshots.Layer real = unpack(null, b);
        assertThat(real.dir().getParent().getFileName().toString()).isEqualTo(b.diffId().hex().substring(0, 13));
        assertThat(snapshots.layer(fake)).isPresent();
        snapshots.removeLayer(fake); // leaves a tombstone: the longer name must stay reachable
        assertThat(snapshots.layer(fake)).isEmpty();
        assertThat(snapshots.layer(real.chainId())).contains(real);
        assertThat(unpack(null, b)).isEqualTo(real);
        snapshots.removeLayer(real.chainId());
        assertThat(snapshots.layer(real.chainId())).isEmpty();
        assertNoLeftovers();
    }

    @Test
    void tooManyLayersForOnePageOfOptions() throws IOException {
        Path deep = tmp.resolve("r".repeat(200));
        Snapshots s = new Snapshots(deep);
        int max = s.maxLayers("k");
        assertThat(max).isBetween(10, 20);
        Digest top = null;
        for (int i = 0; i <= max; i++) {
            Blob b = layer("f" + i + "=" + i);
            top = s.ensureLayer(top, b.diffId(), Compression.GZIP, b.source()).chainId();
            if (i == max - 1) { // exactly the most that fits: the kernel takes it
                Mount m = s.prepare("k", top);
                Snapshots.mount(m, s.mergedDir("k"));
                try {
                    assertThat(children(s.mergedDir("k"))).hasSize(max);
                } finally {
                    Snapshots.unmount(s.mergedDir("k"));
                }
                s.remove("k");
            }
        }
        Digest tooMany = top;
        assertThatThrownBy(() -> s.prepare("k", tooMany)).hasMessageStartingWith("image has " + (max + 1) + " layers: the overlay mount options would be")
                .hasMessageEndingWith("at most " + max + " layers fit");
        assertThat(snapshots.maxLayers("0123456789ab".repeat(5) + "abcd")).isGreaterThan(max);
    }

    @Test
    void chainIdsFollowTheSpec() {
        Digest a = Digest.sha256("a".getBytes()), b = Digest.sha256("b".getBytes());
        assertThat(Snapshots.chainId(List.of(a))).isEqualTo(a);
        assertThat(Snapshots.chainId(List.of(a, b))).isEqualTo(Digest.sha256((a + " " + b).getBytes(StandardCharsets.UTF_8)));
        assertThatThrownBy(() -> Snapshots.chainId(List.of())).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> snapshots.prepare("../x", null)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void layerUnpackUsesOverlayWhiteouts() throws IOException {
        Snapshots.Layer l1 = unpack(null, layer("a=1", "d/", "d/x=1"));
        Snapshots.Layer l2 = unpack(l1.chainId(), layer(".wh.a=", "d/", "d/.wh..wh..opq="));
        var attrs = Files.readAttributes(l2.dir().resolve("a"), "unix:mode,rdev", java.nio.file.LinkOption.NOFOLLOW_LINKS);
        assertThat(((Integer) attrs.get("mode")) & 0170000).isEqualTo(0020000);
        assertThat(attrs.get("rdev")).isEqualTo(0L);
        assertThat(l2.tarSize()).isPositive();
        assertThat(LayerApplier.Mode.OVERLAY).isNotNull();
    }
}
