package dev.berth.image.layer;

import dev.berth.image.linux.Sys;

import dev.berth.image.content.LocalContentStore;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.MediaType;
import dev.berth.oci.image.MediaType.Compression;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.stream.Stream;

import static java.net.StandardProtocolFamily.UNIX;
import static org.assertj.core.api.Assertions.assertThat;

/** A tree with every kind of file and attribute → LayerWriter → LayerApplier (FLAT) → the same tree. Needs root. */
class LayerRoundTripTest {
    @TempDir
    Path tmp;
    Path src;
    byte[] capability;

    @BeforeEach
    void buildTree() throws Exception {
        TestTars.assumeRoot();
        src = Files.createDirectories(tmp.resolve("src"));
        Files.writeString(src.resolve("file.txt"), "hello");
        byte[] big = new byte[3 << 20];
        new Random(42).nextBytes(big);
        Files.write(src.resolve("big.bin"), big);
        Sys.chmod(src.resolve("big.bin"), 0600);
        Files.createFile(src.resolve("empty"));
        Files.createDirectories(src.resolve("dir"));
        Files.writeString(src.resolve("dir/inner"), "in");
        Sys.chmod(src.resolve("dir"), 0750);
        Sys.symlink("file.txt", src.resolve("link"));
        Sys.symlink("../no/such/dir/", src.resolve("dangling"));
        Sys.lchown(src.resolve("dangling"), 1234, 5678);
        Sys.lutimes(src.resolve("dangling"), 0, 0, TestTars.T2001.getEpochSecond(), 0);
        Files.writeString(src.resolve("hard1"), "same inode");
        Files.createLink(src.resolve("hard2"), src.resolve("hard1"));
        Sys.mknod(src.resolve("null"), Sys.S_IFCHR, 0666, Sys.makedev(1, 3));
        Sys.mknod(src.resolve("sda"), Sys.S_IFBLK, 0660, Sys.makedev(8, 0));
        Sys.mknod(src.resolve("fifo"), Sys.S_IFIFO, 0644, 0);
        Files.writeString(src.resolve("suid"), "#!/bin/sh\n");
        Sys.chmod(src.resolve("suid"), 04755);
        Files.createDirectories(src.resolve("sgid"));
        Sys.chmod(src.resolve("sgid"), 02775);
        Files.createDirectories(src.resolve("tmp"));
        Sys.chmod(src.resolve("tmp"), 01777);
        Files.writeString(src.resolve("owned"), "mine");
        Sys.lchown(src.resolve("owned"), 1234, 5678);
        Files.writeString(src.resolve("old"), "2001");
        Files.setLastModifiedTime(src.resolve("old"), FileTime.from(TestTars.T2001));
        Files.writeString(src.resolve("capfile"), "ping");
        Path setcap = Stream.of("/usr/sbin/setcap", "/sbin/setcap", "/usr/bin/setcap").map(Path::of).filter(Files::isExecutable).findFirst().orElse(null);
        if (setcap != null) {
            Process p = new ProcessBuilder(setcap.toString(), "cap_net_raw+ep", src.resolve("capfile").toString()).inheritIO().start();
            assertThat(p.waitFor()).isZero();
        } else { // VFS_CAP_REVISION_2, effective, CAP_NET_RAW (13) permitted
            Sys.lsetxattr(src.resolve("capfile"), "security.capability", HexFormat.of().parseHex("0100000200200000000000000000000000000000"));
        }
        capability = Sys.lgetxattr(src.resolve("capfile"), "security.capability");
        assertThat(capability).isNotNull();
        Sys.lsetxattr(src.resolve("file.txt"), "user.binary", new byte[] {0, (byte) 0xff, (byte) 0x80, 10});
        Sys.lsetxattr(src.resolve("dir"), "trusted.note", "x".getBytes());
        Sys.lsetxattr(src.resolve("dir"), "trusted.overlay.origin", "leak".getBytes()); // never carried
        Path deep = Files.createDirectories(src.resolve("a".repeat(80) + "/" + "b".repeat(80) + "/" + "c".repeat(80)));
        Files.writeString(deep.resolve("d".repeat(120)), "deep");
        Files.writeString(src.resolve("ünïcödé ☃.txt"), "utf-8");
        try (ServerSocketChannel s = ServerSocketChannel.open(UNIX)) {
            s.bind(UnixDomainSocketAddress.of(src.resolve("socket")));
        }
    }

    @Test
    void everyAttributeSurvivesEachCompression() throws IOException {
        Digest diffId = null;
        for (Compression c : Compression.values()) {
            ByteArrayOutputStream blob = new ByteArrayOutputStream();
            LayerWriter.Written w = LayerWriter.tree(src).write(blob, c);
            assertThat(w.blob().digest()).isEqualTo(Digest.sha256(blob.toByteArray()));
            assertThat(w.blob().size()).isEqualTo(blob.size());
            assertThat(w.blob().mediaType()).isEqualTo(LayerWriter.mediaType(c));
            if (diffId != null) assertThat(w.diffId()).as("diffID does not depend on compression").isEqualTo(diffId);
            diffId = w.diffId();

            Path dst = Files.createDirectories(tmp.resolve("dst-" + c));
            LayerApplier.Applied a = LayerApplier.apply(new ByteArrayInputStream(blob.toByteArray()), c, dst, LayerApplier.Mode.FLAT);
            FileTime atime = (FileTime) Files.getAttribute(dst.resolve("old"), "lastAccessTime"); // before reading it
            assertThat(atime.toInstant()).as("atime is the mtime when the layer has none").isEqualTo(TestTars.T2001);
            assertThat(a.diffId()).isEqualTo(w.diffId());
            assertThat(a.size()).isEqualTo(w.diffSize());
            assertThat(describe(dst)).isEqualTo(describe(src).entrySet().stream().filter(e -> !e.getKey().equals("socket"))
                    .collect(TreeMap::new, (m, e) -> m.put(e.getKey(), e.getValue()), Map::putAll));
            assertThat(Files.getAttribute(dst.resolve("hard1"), "unix:ino")).isEqualTo(Files.getAttribute(dst.resolve("hard2"), "unix:ino"));
            assertThat(Sys.lgetxattr(dst.resolve("capfile"), "security.capability")).isEqualTo(capability);
            assertThat(Files.readSymbolicLink(dst.resolve("dangling")).toString()).isEqualTo("../no/such/dir/");
            assertThat(Sys.lgetxattr(dst.resolve("dir"), "trusted.overlay.origin")).isNull();
            assertThat(Files.exists(dst.resolve("socket"), LinkOption.NOFOLLOW_LINKS)).isFalse();
        }
    }

    @Test
    void outputIsDeterministic() throws IOException {
        for (Compression c : Compression.values()) {
            ByteArrayOutputStream one = new ByteArrayOutputStream(), two = new ByteArrayOutputStream();
            LayerWriter.tree(src).write(one, c);
            Files.readString(src.resolve("file.txt")); // atimes change; the bytes must not
            LayerWriter.tree(src).write(two, c);
            assertThat(one.toByteArray()).isEqualTo(two.toByteArray());
        }
    }

    @Test
    void entriesAreSortedParentsFirstWithHardLinks() throws IOException {
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        LayerWriter.tree(src).write(blob, Compression.NONE);
        TarReader r = new TarReader(new ByteArrayInputStream(blob.toByteArray()), Limits.DEFAULT);
        List<String> names = new java.util.ArrayList<>();
        for (TarEntry e; (e = r.next()) != null; ) {
            names.add(e.name());
            if (e.name().equals("hard2")) {
                assertThat(e.type()).isEqualTo(TarEntry.Type.HARDLINK);
                assertThat(e.linkName()).isEqualTo("hard1");
            }
        }
        assertThat(names).startsWith("a".repeat(80) + "/", "a".repeat(80) + "/" + "b".repeat(80) + "/");
        assertThat(names).containsSubsequence("dir/", "dir/inner", "empty", "fifo", "file.txt", "hard1", "hard2");
        assertThat(names).doesNotContain("socket");
    }

    @Test
    void streamsThroughTheContentStore() throws IOException {
        LocalContentStore store = new LocalContentStore(tmp.resolve("content"));
        LayerWriter.Written w = LayerWriter.tree(src).write(store, Compression.GZIP);
        assertThat(w.blob().mediaType()).isEqualTo(MediaType.OCI_LAYER_GZIP);
        assertThat(store.size(w.blob().digest())).isEqualTo(w.blob().size());
        Path dst = Files.createDirectories(tmp.resolve("from-store"));
        try (InputStream in = store.open(w.blob().digest())) {
            assertThat(LayerApplier.apply(in, MediaType.compression(w.blob().mediaType()), dst, LayerApplier.Mode.FLAT).diffId()).isEqualTo(w.diffId());
        }
        assertThat(Files.readString(dst.resolve("ünïcödé ☃.txt"), StandardCharsets.UTF_8)).isEqualTo("utf-8");
    }

    /** Everything that must survive, per relative path. */
    static Map<String, String> describe(Path root) throws IOException {
        Map<String, String> out = new TreeMap<>();
        try (Stream<Path> s = Files.walk(root)) {
            for (Path p : s.filter(p -> !p.equals(root)).toList()) {
                Map<String, Object> a = Files.readAttributes(p, "unix:*", LinkOption.NOFOLLOW_LINKS);
                int mode = (Integer) a.get("mode");
                StringBuilder d = new StringBuilder(String.format("mode=%o uid=%s gid=%s mtime=%d", mode, a.get("uid"), a.get("gid"),
                        ((FileTime) a.get("lastModifiedTime")).toInstant().getEpochSecond()));
                int fmt = mode & Sys.S_IFMT;
                if (fmt == Sys.S_IFREG) d.append(" size=").append(a.get("size")).append(" sha=").append(Digest.sha256(Files.readAllBytes(p)).shortHex());
                if (fmt == Sys.S_IFLNK) d.append(" -> ").append(Files.readSymbolicLink(p));
                if (fmt == Sys.S_IFCHR || fmt == Sys.S_IFBLK) d.append(" rdev=").append(a.get("rdev"));
                for (String x : Sys.llistxattr(p)) {
                    if (Whiteouts.carried(x, true)) d.append(' ').append(x).append('=').append(HexFormat.of().formatHex(Sys.lgetxattr(p, x)));
                }
                out.put(root.relativize(p).toString(), d.toString());
            }
        }
        return out;
    }
}
