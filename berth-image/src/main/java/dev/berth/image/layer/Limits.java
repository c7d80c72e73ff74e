package dev.berth.image.layer;

/**
 * Bounds on what one layer may contain, checked while it streams in, before anything is allocated for it.
 *
 * @param maxNameBytes   longest entry or link name (PATH_MAX: 4096)
 * @param maxHeaderBytes largest PAX extended header or GNU long-name record
 * @param maxEntries     most entries in one layer
 * @param maxBytes       most bytes in the uncompressed tar stream
 */
public record Limits(int maxNameBytes, int maxHeaderBytes, long maxEntries, long maxBytes) {
    /** 4 KiB names, 1 MiB headers, 10 million entries, 1 TiB of tar. */
    public static final Limits DEFAULT = new Limits(4096, 1 << 20, 10_000_000, 1L << 40);

    public Limits {
        if (maxNameBytes < 1 || maxHeaderBytes < 512 || maxEntries < 1 || maxBytes < 1024) {
            throw new IllegalArgumentException("layer limits too small: " + maxNameBytes + ", " + maxHeaderBytes + ", " + maxEntries + ", " + maxBytes);
        }
    }
}
