package dev.berth.image.registry;

import dev.berth.image.content.ContentStore;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.Index;
import dev.berth.oci.image.MediaType;
import dev.berth.oci.json.Json;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Map;

/** Writes an image from a content store as an OCI image layout directory (what {@code skopeo copy oci:DIR:TAG} reads). */
final class OciLayout {
    private OciLayout() {}

    static void write(ContentStore store, Path dir, SampleImages.Image img, String tag) throws IOException {
        Path blobs = Files.createDirectories(dir.resolve("blobs/sha256"));
        copy(store, blobs, img.manifest().digest());
        for (Digest d : img.blobs()) copy(store, blobs, d);
        Files.writeString(dir.resolve("oci-layout"), Json.write(Json.obj("imageLayoutVersion", "1.0.0")));
        Descriptor entry = img.manifest().withAnnotations(Map.of("org.opencontainers.image.ref.name", tag));
        Files.write(dir.resolve("index.json"), new Index(MediaType.OCI_INDEX, List.of(entry), Map.of()).bytes());
    }

    private static void copy(ContentStore store, Path blobs, Digest d) throws IOException {
        Path target = blobs.resolve(d.hex());
        if (!Files.exists(target)) Files.copy(store.path(d), target, StandardCopyOption.COPY_ATTRIBUTES);
    }
}
