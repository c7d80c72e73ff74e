package dev.berth.image.content;

import dev.berth.oci.image.Digest;

import java.io.IOException;

/** Content whose digest or size is not what was promised: it was refused and the store is unchanged. */
public class DigestMismatchException extends IOException {
    public DigestMismatchException(String what, Digest expected, Digest actual, long expectedSize, long actualSize) {
        super(what + ": " + (expected != null && !expected.equals(actual)
                ? "digest mismatch: expected " + expected + ", got " + actual
                : "size mismatch: expected " + expectedSize + " bytes, got " + actualSize));
    }
}
