package dev.berth.image;

import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.Manifest;

import java.util.List;

/**
 * An image in the local store: its manifest, its configuration and the names pointing at it. Its id is the
 * digest of its configuration, as docker shows it.
 */
public record Image(Descriptor target, Manifest manifest, ImageConfig config, List<String> names) {
    public Image {
        names = List.copyOf(names);
    }

    public Digest id() {
        return manifest.config().digest();
    }

    /** Compressed size of the layers plus config, as stored. */
    public long size() {
        return manifest.layers().stream().mapToLong(Descriptor::size).sum() + manifest.config().size();
    }
}
