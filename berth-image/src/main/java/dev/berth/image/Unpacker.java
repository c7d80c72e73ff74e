package dev.berth.image;

import dev.berth.image.snapshot.Snapshots;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.MediaType;

import java.io.IOException;
import java.util.List;

/** Image content → snapshots: each layer unpacked once, in order; the chain id of the top layer. */
public final class Unpacker {
    private Unpacker() {}

    /** Unpacks the image's layers (those not unpacked yet); the top chain id, or null for an image with no layers. */
    public static Digest unpack(Images images, Snapshots snapshots, Image img) throws IOException {
        return unpack(images, snapshots, img.manifest().layers(), img.config().diffIds());
    }

    /**
     * Removes unpacked layers no image (named, dangling or build cache) uses any more; returns the bytes freed.
     * Layers an active snapshot stands on are kept (removeLayer refuses them).
     */
    public static long pruneSnapshots(Images images, Snapshots snapshots) throws IOException {
        java.util.Set<Digest> used = new java.util.HashSet<>();
        for (ImageStore.Entry e : images.names().list()) {
            if (!dev.berth.oci.image.MediaType.isManifest(e.target().mediaType())) continue;
            List<Digest> diffIds = images.load(e.target()).config().diffIds();
            for (int i = 1; i <= diffIds.size(); i++) used.add(Snapshots.chainId(diffIds.subList(0, i)));
        }
        long freed = 0;
        // top layers first: a layer is only removable once nothing stands on it
        List<Snapshots.Layer> all = new java.util.ArrayList<>(snapshots.list());
        boolean removed = true;
        while (removed) {
            removed = false;
            for (Snapshots.Layer l : List.copyOf(all)) {
                if (used.contains(l.chainId())) continue;
                boolean isParent = all.stream().anyMatch(o -> l.chainId().equals(o.parent()));
                if (isParent) continue;
                try {
                    snapshots.removeLayer(l.chainId());
                    freed += l.usage();
                    all.remove(l);
                    removed = true;
                } catch (IOException inUse) {
                    used.add(l.chainId());
                }
            }
        }
        return freed;
    }

    /** The same for layers and their diff ids (a build's work in progress). */
    public static Digest unpack(Images images, Snapshots snapshots, List<Descriptor> layers, List<Digest> diffIds) throws IOException {
        if (layers.size() != diffIds.size()) {
            throw new IOException(layers.size() + " layers but " + diffIds.size() + " diff ids in the image config");
        }
        Digest chain = null;
        for (int i = 0; i < layers.size(); i++) {
            Descriptor l = layers.get(i);
            MediaType.Compression c = MediaType.compression(l.mediaType());
            chain = snapshots.ensureLayer(chain, diffIds.get(i), c, () -> images.content().open(l.digest())).chainId();
        }
        return chain;
    }
}
