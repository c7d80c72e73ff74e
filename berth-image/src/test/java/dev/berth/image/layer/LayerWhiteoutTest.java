package dev.berth.image.layer;

import dev.berth.image.linux.Sys;

import dev.berth.oci.image.MediaType.Compression;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Whiteouts and opaque directories, in both modes and both directions. Needs root (devices, trusted.* xattrs). */
class LayerWhiteoutTest {
    @TempDir
    Path tmp;

    @BeforeEach
    void root() {
        TestTars.assumeRoot();
    }

    private static boolean whiteout(Path p) throws IOException {
        var a = SafeTree.lstat(p);
        return a != null && LowerLookup.isWhiteout(p, a);
    }

    private static List<String> children(Path d) throws IOException {
        try (var s = Files.list(d)) {
            return s.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    @Test
    void flatWhiteoutsDeleteFromTheLowerContent() throws IOException {
        Path dst = Files.createDirectories(tmp.resolve("flat"));
        Files.createDirectories(dst.resolve("d/sub"));
        Files.writeString(dst.resolve("d/old"), "lower");
        Files.writeString(dst.resolve("d/sub/old2"), "lower");
        Files.createDirectories(dst.resolve("gone/deep"));
        Files.writeString(dst.resolve("keep"), "lower");
        // The opaque marker comes after this layer's own entries for d: they stay, the lower ones go.
        byte[] tar = new TestTars().file(".wh.gone", "").dir("d").file("d/new", "upper").dir("d/sub").file("d/sub/new2", "upper")
                .file("d/.wh..wh..opq", "").file("same", "layer").file(".wh.same", "").file(".wh..wh.plnk", "").build();
        LayerApplier.apply(new ByteArrayInputStream(tar), Compression.NONE, dst, LayerApplier.Mode.FLAT);
        assertThat(children(dst)).containsExactly("d", "keep", "same");
        assertThat(children(dst.resolve("d"))).containsExactly("new", "sub");
        assertThat(children(dst.resolve("d/sub"))).containsExactly("new2");
        assertThat(dst.resolve("same")).as("a whiteout hides lower layers only").hasContent("layer");
    }

    @Test
    void flatReplacesAcrossTypes() throws IOException {
        Path dst = Files.createDirectories(tmp.resolve("flat"));
        Files.createDirectories(dst.resolve("x/inside"));
        Files.writeString(dst.resolve("y"), "file");
        Files.createDirectories(dst.resolve("z"));
        Files.writeString(dst.resolve("z/kept"), "lower");
        LayerApplier.apply(new TestTars().file("x", "now a file").dir("y").dir("z").file("z/added", "u").stream(), Compression.NONE, dst,
                LayerApplier.Mode.FLAT);
        assertThat(dst.resolve("x")).hasContent("now a file");
        assertThat(dst.resolve("y")).isDirectory();
        assertThat(children(dst.resolve("z"))).containsExactly("added", "kept");
    }

    @Test
    void overlayModeWritesOverlayWhiteouts() throws IOException {
        Path layer = Files.createDirectories(tmp.resolve("layer"));
        byte[] tar = new TestTars().file(".wh.gone", "").dir("d").file("d/.wh..wh..opq", "").file("d/new", "n")
                .file("e/.wh.x", "").file("keep", "k").build();
        LayerApplier.apply(new ByteArrayInputStream(tar), Compression.NONE, layer, LayerApplier.Mode.OVERLAY);
        assertThat(whiteout(layer.resolve("gone"))).isTrue();
        assertThat(whiteout(layer.resolve("e/x"))).isTrue();
        assertThat(LowerLookup.isOpaque(layer.resolve("d"))).isTrue();
        assertThat(LowerLookup.isOpaque(layer.resolve("e"))).isFalse();
        assertThat(children(layer)).containsExactly("d", "e", "gone", "keep");
        assertThat(children(layer.resolve("d"))).containsExactly("new");
    }

    @Test
    void upperDirectoryBecomesWhiteoutEntries() throws IOException {
        Path upper = Files.createDirectories(tmp.resolve("upper"));
        Sys.mknod(upper.resolve("gone"), Sys.S_IFCHR, 0, 0);
        Files.createDirectories(upper.resolve("d"));
        Sys.lsetxattr(upper.resolve("d"), Whiteouts.OVERLAY_OPAQUE_XATTR, "y".getBytes());
        Sys.lsetxattr(upper.resolve("d"), "trusted.overlay.impure", "y".getBytes());
        Files.writeString(upper.resolve("d/new"), "n");
        Sys.mknod(upper.resolve("null"), Sys.S_IFCHR, 0666, Sys.makedev(1, 3)); // a real device stays one
        ByteArrayOutputStream blob = new ByteArrayOutputStream();
        LayerWriter.upper(upper).write(blob, Compression.NONE);
        TarReader r = new TarReader(new ByteArrayInputStream(blob.toByteArray()), Limits.DEFAULT);
        List<String> names = new ArrayList<>();
        for (TarEntry e; (e = r.next()) != null; ) {
            names.add(e.name() + (e.type() == TarEntry.Type.CHAR ? " c" + e.devMajor() + ":" + e.devMinor() : ""));
            if (e.isDir()) assertThat(e.xattrs()).as("overlay's own xattrs are not carried").isEmpty();
        }
        assertThat(names).containsExactly("d/", "d/.wh..wh..opq", "d/new", ".wh.gone", "null c1:3");

        // And back: applied in OVERLAY mode, it is the same upper again; a whole tree keeps the device as a device.
        Path again = Files.createDirectories(tmp.resolve("again"));
        LayerApplier.apply(new ByteArrayInputStream(blob.toByteArray()), Compression.NONE, again, LayerApplier.Mode.OVERLAY);
        assertThat(whiteout(again.resolve("gone"))).isTrue();
        assertThat(LowerLookup.isOpaque(again.resolve("d"))).isTrue();
        ByteArrayOutputStream tree = new ByteArrayOutputStream();
        LayerWriter.tree(upper).write(tree, Compression.NONE);
        TarReader t = new TarReader(new ByteArrayInputStream(tree.toByteArray()), Limits.DEFAULT);
        List<String> treeNames = new ArrayList<>();
        for (TarEntry e; (e = t.next()) != null; ) treeNames.add(e.name());
        assertThat(treeNames).containsExactly("d/", "d/new", "gone", "null");
    }

    @Test
    void overlayHardLinksFindLowerLayers() throws IOException {
        Path lower = Files.createDirectories(tmp.resolve("lower/bin"));
        Files.writeString(lower.resolve("busybox"), "bb");
        Path middle = Files.createDirectories(tmp.resolve("middle/bin"));
        Path layer = Files.createDirectories(tmp.resolve("layer"));
        LayerApplier overlay = new LayerApplier(LayerApplier.Mode.OVERLAY).withLowerDirs(List.of(tmp.resolve("middle"), tmp.resolve("lower")));
        overlay.apply(new TestTars().hardlink("bin/sh", "bin/busybox").stream(), Compression.NONE, layer);
        assertThat(Files.getAttribute(layer.resolve("bin/sh"), "unix:ino")).isEqualTo(Files.getAttribute(lower.resolve("busybox"), "unix:ino"));

        Sys.mknod(middle.resolve("busybox"), Sys.S_IFCHR, 0, 0); // deleted in the middle layer: no longer visible
        Path layer2 = Files.createDirectories(tmp.resolve("layer2"));
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> overlay.apply(new TestTars().hardlink("bin/sh", "bin/busybox").stream(),
                        Compression.NONE, layer2))
                .hasMessage("layer entry \"bin/sh\": hard link target \"bin/busybox\" not found in the layer or below it");
    }

    @Test
    void unknownXattrNamespacesAreSkipped() throws IOException {
        Path dst = Files.createDirectories(tmp.resolve("x"));
        TestTars t = new TestTars();
        var e = TestTars.entry("f", org.apache.commons.compress.archivers.tar.TarConstants.LF_NORMAL);
        e.addPaxHeader("SCHILY.xattr.user.ok", "1");
        e.addPaxHeader("SCHILY.xattr.trusted.overlay.redirect", "/etc");
        e.addPaxHeader("SCHILY.xattr.security.selinux", "system_u:object_r:shadow_t:s0");
        LayerApplier.apply(t.add(e, new byte[0]).stream(), Compression.NONE, dst, LayerApplier.Mode.OVERLAY);
        assertThat(Sys.llistxattr(dst.resolve("f"))).contains("user.ok").doesNotContain("trusted.overlay.redirect");
        assertThat(Sys.lgetxattr(dst.resolve("f"), "trusted.overlay.redirect")).isNull();
        assertThat(Files.exists(dst.resolve("f"), LinkOption.NOFOLLOW_LINKS)).isTrue();
    }
}
