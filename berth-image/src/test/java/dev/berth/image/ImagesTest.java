package dev.berth.image;

import dev.berth.oci.image.Digest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

class ImagesTest {
    @TempDir
    Path root;

    @Test
    void get_findsByNameShortIdFullIdAndManifestDigest() throws IOException {
        Images images = new Images(root);
        var target = TestImages.image(images, "busybox", List.of(Map.of("bin/sh", "x")));
        Image img = images.get("busybox");
        assertThat(img.names()).containsExactly("docker.io/library/busybox:latest");
        assertThat(images.get("docker.io/library/busybox:latest").id()).isEqualTo(img.id());
        assertThat(images.get(img.id().shortHex()).id()).isEqualTo(img.id());
        assertThat(images.get(img.id().toString()).id()).isEqualTo(img.id());
        assertThat(images.get(target.digest().hex()).id()).isEqualTo(img.id());
        assertThat(catchThrowable(() -> images.get("nope"))).isInstanceOf(ImageNotFoundException.class).hasMessage("No such image: nope");
    }

    @Test
    void tagAndRemove_behaveLikeDocker() throws IOException {
        Images images = new Images(root);
        TestImages.image(images, "app:1", List.of(Map.of("a", "1"), Map.of("b", "2")));
        images.tag("app:1", "localhost:5000/app:prod");
        Image img = images.get("app:1");
        assertThat(images.get("localhost:5000/app:prod").id()).isEqualTo(img.id());
        assertThat(images.list()).hasSize(1);
        assertThat(catchThrowable(() -> images.remove(img.id().shortHex(), false)))
                .hasMessageContaining("must be forced").hasMessageContaining("multiple repositories");
        assertThat(images.remove("app:1", false)).containsExactly("Untagged: app:1");
        assertThat(images.content().has(img.id())).as("still named").isTrue();
        List<String> out = images.remove("localhost:5000/app:prod", false);
        assertThat(out.getFirst()).isEqualTo("Untagged: localhost:5000/app:prod");
        assertThat(out).contains("Deleted: " + img.id());
        assertThat(images.content().list()).as("every blob of the image is gone").isEmpty();
    }

    @Test
    void remove_keepsLayersAnotherImageShares() throws IOException {
        Images images = new Images(root);
        TestImages.image(images, "base", List.of(Map.of("shared", "s")));
        TestImages.image(images, "child", List.of(Map.of("shared", "s"), Map.of("own", "o")));
        Digest shared = images.get("base").manifest().layers().getFirst().digest();
        images.remove("child", false);
        assertThat(images.content().has(shared)).isTrue();
        assertThat(images.get("base").manifest().layers()).hasSize(1);
    }

    @Test
    void collectGarbage_sparesYoungBlobsAndFreesOld() throws IOException {
        Images images = new Images(root);
        TestImages.image(images, "keep", List.of(Map.of("k", "k")));
        Digest orphan = images.content().put("orphan".getBytes(), null);
        assertThat(images.collectGarbage(Duration.ofHours(1))).isZero();
        assertThat(images.content().has(orphan)).as("young: maybe a pull in progress").isTrue();
        assertThat(images.collectGarbage(Duration.ZERO)).isEqualTo(6);
        assertThat(images.content().has(orphan)).isFalse();
        assertThat(images.get("keep")).isNotNull();
    }
}
