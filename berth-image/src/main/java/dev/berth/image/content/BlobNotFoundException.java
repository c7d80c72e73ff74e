package dev.berth.image.content;

import dev.berth.oci.image.Digest;

import java.io.FileNotFoundException;

/** No blob with this digest in the store. */
public class BlobNotFoundException extends FileNotFoundException {
    public BlobNotFoundException(Digest d) {
        super("blob " + d + ": not found");
    }
}
