package dev.berth.image.archive;

import dev.berth.image.Image;
import dev.berth.image.Images;
import dev.berth.image.TestImages;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class ImageArchiveTest {
    @TempDir
    Path tmp;

    private static byte[] save(Images images, ImageArchive.Format f, String... refs) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageArchive.save(images, List.of(refs), out, f);
        return out.toByteArray();
    }

    @Test
    void dockerFormat_roundTripKeepsIdNamesAndLayers() throws IOException {
        Images a = new Images(tmp.resolve("a"));
        TestImages.image(a, "app:1", List.of(Map.of("a", "1"), Map.of("b", "2")));
        a.tag("app:1", "app:2");
        Image orig = a.get("app:1");
        byte[] archive = save(a, ImageArchive.Format.DOCKER, "app:1", "app:2");
        Images b = new Images(tmp.resolve("b"));
        assertThat(ImageArchive.load(b, new ByteArrayInputStream(archive))).containsExactly("Loaded image: app:1", "Loaded image: app:2");
        Image loaded = b.get("app:1");
        assertThat(loaded.id()).as("the id is the config digest: unchanged").isEqualTo(orig.id());
        assertThat(loaded.config().diffIds()).isEqualTo(orig.config().diffIds());
        assertThat(loaded.names()).containsExactlyInAnyOrder("docker.io/library/app:1", "docker.io/library/app:2");
        assertThat(b.content().list()).as("nothing but the image's blobs is left").hasSize(2 + 1 + 1);
    }

    @Test
    void ociFormat_roundTripKeepsManifestDigest() throws IOException {
        Images a = new Images(tmp.resolve("a"));
        var target = TestImages.image(a, "localhost:5000/app:1", List.of(Map.of("a", "1")));
        byte[] archive = save(a, ImageArchive.Format.OCI, "localhost:5000/app:1");
        Images b = new Images(tmp.resolve("b"));
        assertThat(ImageArchive.load(b, new ByteArrayInputStream(archive))).containsExactly("Loaded image: localhost:5000/app:1");
        assertThat(b.get("localhost:5000/app:1").target().digest()).isEqualTo(target.digest());
    }

    @Test
    void tamperedLayer_isRefusedAndTheStoreIsUnchanged() throws IOException {
        Images a = new Images(tmp.resolve("a"));
        TestImages.image(a, "app", List.of(Map.of("a", "1")));
        byte[] archive = save(a, ImageArchive.Format.DOCKER, "app");
        byte[] evil = rewrite(archive, "blobs/sha256/", "tampered");
        Images b = new Images(tmp.resolve("b"));
        Throwable t = catchThrowable(() -> ImageArchive.load(b, new ByteArrayInputStream(evil)));
        assertThat(t).hasMessageContaining("digest mismatch");
        assertThat(b.content().list()).isEmpty();
        assertThat(b.list()).isEmpty();
    }

    @Test
    void pathEscape_isRefused() throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            TarArchiveEntry e = new TarArchiveEntry("../../etc/evil");
            e.setSize(1);
            t.putArchiveEntry(e);
            t.write('x');
            t.closeArchiveEntry();
        }
        Images b = new Images(tmp.resolve("b"));
        assertThat(catchThrowable(() -> ImageArchive.load(b, new ByteArrayInputStream(out.toByteArray()))))
                .hasMessageContaining("path escapes the archive");
        assertThat(b.content().list()).isEmpty();
    }

    /** Copies a tar, replacing the content of the first entry whose name starts with prefix and is a layer. */
    private static byte[] rewrite(byte[] archive, String prefix, String content) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        boolean done = false;
        try (TarArchiveInputStream in = new TarArchiveInputStream(new ByteArrayInputStream(archive));
             TarArchiveOutputStream t = new TarArchiveOutputStream(out)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (TarArchiveEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] data = in.readAllBytes();
                if (!done && e.getName().startsWith(prefix) && data.length > 1000) {
                    data = content.getBytes();
                    done = true;
                }
                TarArchiveEntry n = new TarArchiveEntry(e.getName());
                n.setSize(data.length);
                t.putArchiveEntry(n);
                t.write(data);
                t.closeArchiveEntry();
            }
        }
        assertThat(done).as("found a layer to tamper with").isTrue();
        return out.toByteArray();
    }
}
