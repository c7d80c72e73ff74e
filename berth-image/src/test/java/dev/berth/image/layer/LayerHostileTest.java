package dev.berth.image.layer;

import dev.berth.oci.image.MediaType.Compression;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Layers built to escape the target directory. Each must be refused with a message naming the entry, and
 * nothing outside the target may change: the sentinel keeps its content and time, no file appears.
 * Layout: base/outside/sentinel, and the target three levels down (base/work/x/root), so that any escape
 * lands inside base where the test can see it rather than somewhere on the host.
 */
class LayerHostileTest {
    @TempDir
    Path base;
    Path root;
    Path outside;
    Map<String, String> before;

    @BeforeEach
    void setUp() throws IOException {
        outside = Files.createDirectories(base.resolve("outside"));
        Files.writeString(outside.resolve("sentinel"), "sentinel");
        Files.setLastModifiedTime(outside.resolve("sentinel"), FileTime.from(Instant.parse("2010-01-01T00:00:00Z")));
        Files.createDirectories(outside.resolve("e"));
        Files.setLastModifiedTime(outside.resolve("e"), FileTime.from(Instant.parse("2010-01-01T00:00:00Z")));
        root = Files.createDirectories(base.resolve("work/x/root"));
        before = TestTars.snapshot(base, root);
    }

    private void refused(LayerApplier.Mode mode, byte[] tar, String message) throws IOException {
        refused(new LayerApplier(mode), tar, message);
    }

    private void refused(LayerApplier applier, byte[] tar, String message) throws IOException {
        assertThatThrownBy(() -> applier.apply(new ByteArrayInputStream(tar), Compression.NONE, root))
                .isInstanceOf(LayerException.class).hasMessage(message);
        assertThat(TestTars.snapshot(base, root)).as("nothing outside the target changed").isEqualTo(before);
        assertThat(Files.readString(outside.resolve("sentinel"))).isEqualTo("sentinel");
    }

    private void refusedBoth(byte[] tar, String message) throws IOException {
        emptyRoot();
        refused(LayerApplier.Mode.FLAT, tar, message);
        emptyRoot();
        refused(LayerApplier.Mode.OVERLAY, tar, message);
    }

    /** Empties the target (recreating it would change its parent's time, which the snapshot compares). */
    private void emptyRoot() throws IOException {
        try (var children = Files.list(root)) {
            for (Path c : children.toList()) Trees.delete(c);
        }
    }

    @Test
    void dotDotEscapes() throws IOException {
        refusedBoth(new TestTars().file("../escape", "x").build(), "layer entry \"../escape\": path escapes the layer root");
        refusedBoth(new TestTars().file("../../../outside/sentinel", "pwned").build(),
                "layer entry \"../../../outside/sentinel\": path escapes the layer root");
        refusedBoth(new TestTars().dir("a").file("a/../../x", "x").build(), "layer entry \"a/../../x\": path escapes the layer root");
        refusedBoth(new TestTars().file("/../escape", "x").build(), "layer entry \"/../escape\": path escapes the layer root");
        refusedBoth(new TestTars().file("./a/./../..", "x").build(), "layer entry \"./a/./../..\": path escapes the layer root");
    }

    @Test
    void absoluteNamesStayInside() throws IOException {
        // Docker strips the leading "/" rather than refusing; so does berth: the file lands inside the target.
        LayerApplier.apply(new TestTars().file("/abs", "x").file("//etc/passwd", "p").stream(), Compression.NONE, root, LayerApplier.Mode.FLAT);
        assertThat(root.resolve("abs")).hasContent("x");
        assertThat(root.resolve("etc/passwd")).hasContent("p");
        assertThat(TestTars.snapshot(base, root)).isEqualTo(before);
    }

    @Test
    void writeThroughSymlinkPlantedInTheSameLayer() throws IOException {
        refusedBoth(new TestTars().symlink("lnk", outside.toString()).file("lnk/sentinel", "pwned").build(),
                "layer entry \"lnk/sentinel\": path: parent \"lnk\" is a symlink; refusing to follow it");
        refusedBoth(new TestTars().symlink("rel", "../../../outside").file("rel/new", "x").build(),
                "layer entry \"rel/new\": path: parent \"rel\" is a symlink; refusing to follow it");
        // A directory already written to, then replaced by a symlink: the replacement is noticed.
        refusedBoth(new TestTars().dir("a").file("a/x", "1").symlink("a", outside.toString()).file("a/sentinel", "pwned").build(),
                "layer entry \"a/sentinel\": path: parent \"a\" is a symlink; refusing to follow it");
        refusedBoth(new TestTars().dir("a/b").file("a/b/x", "1").symlink("a", "../../../outside").file("a/b/y", "pwned").build(),
                "layer entry \"a/b/y\": path: parent \"a\" is a symlink; refusing to follow it");
        refusedBoth(new TestTars().symlink("lnk", outside.toString()).dir("lnk/sub").build(),
                "layer entry \"lnk/sub/\": path: parent \"lnk\" is a symlink; refusing to follow it");
    }

    @Test
    void symlinkChainEscape() throws IOException {
        refusedBoth(new TestTars().symlink("b", "../../../outside").symlink("a", "b").file("a/sentinel", "pwned").build(),
                "layer entry \"a/sentinel\": path: parent \"a\" is a symlink; refusing to follow it");
        // ".." is resolved lexically, never through a symlink: this names d/sentinel, inside the root.
        LayerApplier.apply(new TestTars().dir("d").symlink("d/up", "..").symlink("d/up2", "up/..").file("d/up2/x/../../sentinel", "p").stream(),
                Compression.NONE, root, LayerApplier.Mode.FLAT);
        assertThat(root.resolve("d/sentinel")).hasContent("p");
        assertThat(TestTars.snapshot(base, root)).isEqualTo(before);
    }

    @Test
    void writeThroughSymlinkInLowerContent() throws IOException {
        Files.createSymbolicLink(root.resolve("lower"), outside);
        Files.createSymbolicLink(root.resolve("lower-rel"), Path.of("../../../outside"));
        before = TestTars.snapshot(base, root);
        refused(LayerApplier.Mode.FLAT, new TestTars().file("lower/sentinel", "pwned").build(),
                "layer entry \"lower/sentinel\": path: parent \"lower\" is a symlink; refusing to follow it");
        refused(LayerApplier.Mode.FLAT, new TestTars().file("lower-rel/new", "x").build(),
                "layer entry \"lower-rel/new\": path: parent \"lower-rel\" is a symlink; refusing to follow it");
        refused(LayerApplier.Mode.FLAT, new TestTars().file("lower/.wh.sentinel", "").build(),
                "layer entry \"lower/.wh.sentinel\": whiteout: parent \"lower\" is a symlink; refusing to follow it");
        refused(LayerApplier.Mode.FLAT, new TestTars().file("lower/.wh..wh..opq", "").build(),
                "layer entry \"lower/.wh..wh..opq\": opaque directory: parent \"lower\" is a symlink; refusing to follow it");
        // Replacing the symlink itself is fine: the link is removed, not followed.
        LayerApplier.apply(new TestTars().file("lower", "now a file").stream(), Compression.NONE, root, LayerApplier.Mode.FLAT);
        assertThat(root.resolve("lower")).hasContent("now a file");
        assertThat(outside.resolve("sentinel")).hasContent("sentinel");
    }

    @Test
    void whiteoutOfASymlinkRemovesTheLinkOnly() throws IOException {
        Files.createSymbolicLink(root.resolve("lnk"), outside);
        LayerApplier.apply(new TestTars().file(".wh.lnk", "").stream(), Compression.NONE, root, LayerApplier.Mode.FLAT);
        assertThat(root.resolve("lnk")).doesNotExist();
        assertThat(TestTars.snapshot(base, root)).isEqualTo(before);
    }

    @Test
    void hardLinksOutside() throws IOException {
        refused(LayerApplier.Mode.FLAT, new TestTars().hardlink("pw", "/etc/passwd").build(),
                "layer entry \"pw\": hard link target \"/etc/passwd\" not found in the layer");
        refused(LayerApplier.Mode.OVERLAY, new TestTars().hardlink("pw", "/etc/passwd").build(),
                "layer entry \"pw\": hard link target \"/etc/passwd\" not found in the layer or below it");
        refusedBoth(new TestTars().hardlink("s", "../../../outside/sentinel").build(),
                "layer entry \"s\": hard link target \"../../../outside/sentinel\" escapes the layer root");
        refusedBoth(new TestTars().symlink("lnk", outside.toString()).hardlink("s", "lnk/sentinel").build(),
                "layer entry \"s\": hard link target \"lnk/sentinel\": parent \"lnk\" is a symlink; refusing to follow it");
        refusedBoth(new TestTars().dir("d").hardlink("h", "d").build(), "layer entry \"h\": hard link target \"d\" is a directory");
        refusedBoth(new TestTars().hardlink("h", "./").build(), "layer entry \"h\": hard link target \"./\" is the layer root");
    }

    @Test
    void hardLinkThroughASymlinkInALowerLayer() throws IOException {
        Path lower = Files.createDirectories(base.resolve("work/lower"));
        Files.createSymbolicLink(lower.resolve("l"), outside);
        before = TestTars.snapshot(base, root);
        refused(new LayerApplier(LayerApplier.Mode.OVERLAY).withLowerDirs(List.of(lower)), new TestTars().hardlink("h", "l/sentinel").build(),
                "layer entry \"h\": hard link target \"l/sentinel\": parent \"l\" is a symlink; refusing to follow it");
    }

    @Test
    void hugeHeadersAndNames() throws IOException {
        refusedBoth(new TestTars().pax("f", "comment", "c".repeat(2 << 20)).build(),
                "layer: tar header at byte 0: PAX extended header of 2097169 bytes exceeds the 1048576-byte limit");
        String longName = "n/".repeat(2100) + "x";
        assertThatThrownBy(() -> LayerApplier.apply(new TestTars().file(longName, "").stream(), Compression.NONE, root, LayerApplier.Mode.FLAT))
                .isInstanceOf(LayerException.class).hasMessageEndingWith("...(4201 characters)\": name longer than 4096 bytes");
        refusedBoth(new TestTars(TarArchiveOutputStream.LONGFILE_GNU).file(longName, "").build(),
                "layer: tar header at byte 0: GNU long name of 4202 bytes exceeds the 4097-byte limit");
    }

    @Test
    void whiteoutsThatNameNothingOrEscape() throws IOException {
        refusedBoth(new TestTars().file("a/.wh..", "").build(), "layer entry \"a/.wh..\": whiteout names no file (\".\")");
        refusedBoth(new TestTars().file("a/.wh...", "").build(), "layer entry \"a/.wh...\": whiteout names no file (\"..\")");
        refusedBoth(new TestTars().file(".wh.", "").build(), "layer entry \".wh.\": whiteout names no file (\"\")");
        refusedBoth(new TestTars().file("../.wh.sentinel", "").build(), "layer entry \"../.wh.sentinel\": path escapes the layer root");
    }

    @Test
    void directoryTimesAreNotSetThroughAReplacedParent() throws IOException {
        // d/e's time is applied at the end; by then d is a symlink to outside/. It must not touch outside/e.
        TestTars t = new TestTars().dir("d").dir("d/e");
        TarArchiveEntry link = TestTars.entry("d", TarConstants.LF_SYMLINK);
        link.setLinkName(outside.toString());
        byte[] tar = t.add(link).build();
        refused(LayerApplier.Mode.FLAT, tar, "layer entry \"d/e\": directory: parent \"d\" is a symlink; refusing to follow it");
    }

    @Test
    void entryCountAndSizeLimits() throws IOException {
        Limits few = new Limits(4096, 1 << 20, 2, 1L << 40);
        refused(new LayerApplier(LayerApplier.Mode.FLAT).withLimits(few), new TestTars().file("a", "").file("b", "").file("c", "").build(),
                "layer: more than 2 entries");
        Limits small = new Limits(4096, 1 << 20, 100, 8192);
        refused(new LayerApplier(LayerApplier.Mode.FLAT).withLimits(small), new TestTars().file("a", "z".repeat(10_000)).build(),
                "layer entry \"a\": size 10000 exceeds the layer limit of 8192 bytes");
    }

    @Test
    void theRootMayOnlyBeADirectory() throws IOException {
        refusedBoth(new TestTars().file(".", "x").build(), "layer entry \".\": only a directory may name the layer root");
        refusedBoth(new TestTars().symlink(".", "/").build(), "layer entry \".\": only a directory may name the layer root");
    }

    @Test
    void nonTarInputIsRefused() throws IOException {
        refused(LayerApplier.Mode.FLAT, "<html>not found</html>".repeat(40).getBytes(),
                "layer: tar header at byte 0: checksum mismatch (not a tar stream, or a corrupt one)");
        assertThatThrownBy(() -> LayerApplier.apply(new ByteArrayInputStream(new byte[] {1, 2, 3}), Compression.GZIP, root, LayerApplier.Mode.FLAT))
                .isInstanceOf(IOException.class).hasMessageContaining("Not in GZIP format");
    }
}
