package dev.berth.image.registry;

import dev.berth.image.content.ContentStore;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.Index;
import dev.berth.oci.image.Manifest;
import dev.berth.oci.image.MediaType;
import dev.berth.oci.image.Platform;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.Deflater;
import java.util.zip.GZIPOutputStream;

/** Synthetic images written into a content store: gzip tar layers of random data, a config, a manifest, an index. */
final class SampleImages {
    private SampleImages() {}

    /** An image in the store: its manifest descriptor (the one to push), config and layers. */
    record Image(Descriptor manifest, Descriptor config, List<Descriptor> layers) {
        List<Digest> blobs() {
            List<Digest> out = new ArrayList<>();
            out.add(config.digest());
            layers.forEach(l -> out.add(l.digest()));
            return out;
        }
    }

    /** An image with layers of the given sizes (bytes of random file data each); docker or OCI media types. */
    static Image image(ContentStore store, boolean docker, String arch, long seed, int... layerSizes) throws IOException {
        Random random = new Random(seed);
        List<Descriptor> layers = new ArrayList<>();
        List<Digest> diffIds = new ArrayList<>();
        List<ImageConfig.History> history = new ArrayList<>();
        for (int i = 0; i < layerSizes.length; i++) {
            byte[] data = new byte[layerSizes[i]];
            random.nextBytes(data);
            MessageDigest diff = Digest.sha256();
            ByteArrayOutputStream gz = new ByteArrayOutputStream(layerSizes[i] + 4096);
            try (OutputStream g = new GZIPOutputStream(gz, 1 << 16) {{ def.setLevel(Deflater.BEST_SPEED); }};
                 TarArchiveOutputStream tar = new TarArchiveOutputStream(new DigestOutputStream(g, diff))) {
                TarArchiveEntry e = new TarArchiveEntry("layer" + i + "/data.bin");
                e.setSize(data.length);
                e.setMode(0644);
                tar.putArchiveEntry(e);
                tar.write(data);
                tar.closeArchiveEntry();
                tar.finish();
            }
            byte[] blob = gz.toByteArray();
            Digest d = store.put(blob, null);
            layers.add(new Descriptor(docker ? MediaType.DOCKER_LAYER_GZIP : MediaType.OCI_LAYER_GZIP, d, blob.length));
            diffIds.add(Digest.of(diff));
            history.add(new ImageConfig.History("2026-01-01T00:00:00Z", "layer " + i, null, false));
        }
        ImageConfig config = new ImageConfig(arch, "linux", "2026-01-01T00:00:00Z", null,
                new ImageConfig.Run(null, List.of("PATH=/bin"), null, List.of("/bin/sh"), null, List.of(), List.of(),
                        Map.of("seed", Long.toString(seed)), null, null, List.of(), null, false), diffIds, history);
        byte[] cb = config.bytes();
        Descriptor cd = new Descriptor(docker ? MediaType.DOCKER_CONFIG : MediaType.OCI_CONFIG, store.put(cb, null), cb.length);
        Manifest m = new Manifest(docker ? MediaType.DOCKER_MANIFEST : MediaType.OCI_MANIFEST, cd, layers, Map.of());
        byte[] mb = m.bytes();
        return new Image(new Descriptor(m.mediaType(), store.put(mb, null), mb.length), cd, layers);
    }

    /** An OCI index over manifests, each entry with its platform. */
    static Descriptor index(ContentStore store, Map<Platform, Image> images) throws IOException {
        List<Descriptor> entries = new ArrayList<>();
        images.forEach((p, img) -> entries.add(new Descriptor(img.manifest().mediaType(), img.manifest().digest(), img.manifest().size(), Map.of(), p)));
        byte[] b = new Index(MediaType.OCI_INDEX, entries, Map.of()).bytes();
        return new Descriptor(MediaType.OCI_INDEX, store.put(b, null), b.length);
    }
}
