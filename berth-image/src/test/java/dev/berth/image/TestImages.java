package dev.berth.image;

import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.image.MediaType;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPOutputStream;

/** Small synthetic images for tests: layers are tars made here, gzip-compressed like a registry's. */
public final class TestImages {
    private TestImages() {}

    /** A layer tar holding the given files (name → content). */
    public static byte[] tar(Map<String, String> files) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (TarArchiveOutputStream t = new TarArchiveOutputStream(b)) {
            t.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            for (var f : new java.util.TreeMap<>(files).entrySet()) {
                byte[] data = f.getValue().getBytes(StandardCharsets.UTF_8);
                TarArchiveEntry e = new TarArchiveEntry(f.getKey());
                e.setSize(data.length);
                e.setMode(0644);
                e.setModTime(1_000_000_000_000L);
                t.putArchiveEntry(e);
                t.write(data);
                t.closeArchiveEntry();
            }
        }
        return b.toByteArray();
    }

    public static byte[] gzip(byte[] data) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(b)) {
            g.write(data);
        }
        return b.toByteArray();
    }

    /** Stores an image of the given layers under name; returns its manifest descriptor. */
    public static Descriptor image(Images images, String name, List<Map<String, String>> layerFiles) throws IOException {
        List<Descriptor> layers = new ArrayList<>();
        ImageConfig config = new ImageConfig("amd64", "linux", "2026-01-01T00:00:00Z", null,
                new ImageConfig.Run(null, List.of("PATH=/bin"), null, List.of("sh"), "/", List.of(), List.of(), Map.of("test", name),
                        null, null, List.of(), null, false), List.of(), List.of());
        for (Map<String, String> files : layerFiles) {
            byte[] raw = tar(files);
            byte[] gz = gzip(raw);
            Digest d = images.content().put(gz, null);
            layers.add(new Descriptor(MediaType.OCI_LAYER_GZIP, d, gz.length));
            config = config.withLayer(Digest.sha256(raw), new ImageConfig.History("2026-01-01T00:00:00Z", "test layer", null, false));
        }
        Descriptor target = images.store(config, layers);
        images.names().put(ImageReference.parse(name), target);
        return target;
    }
}
