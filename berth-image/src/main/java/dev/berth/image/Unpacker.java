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
