package dev.berth.image;

import com.github.luben.zstd.ZstdInputStream;
import dev.berth.oci.image.MediaType;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.zip.GZIPInputStream;

/** Layer compression: detected from the first bytes (archives do not say) and undone as a stream. */
public final class Compression {
    private Compression() {}

    /** gzip starts 1f 8b, zstd 28 b5 2f fd; anything else is taken as a plain tar. */
    public static MediaType.Compression detect(InputStream in) throws IOException {
        if (!in.markSupported()) throw new IllegalArgumentException("detect needs a stream that supports mark");
        in.mark(4);
        byte[] b = in.readNBytes(4);
        in.reset();
        if (b.length >= 2 && (b[0] & 0xff) == 0x1f && (b[1] & 0xff) == 0x8b) return MediaType.Compression.GZIP;
        if (b.length == 4 && (b[0] & 0xff) == 0x28 && (b[1] & 0xff) == 0xb5 && (b[2] & 0xff) == 0x2f && (b[3] & 0xff) == 0xfd) {
            return MediaType.Compression.ZSTD;
        }
        return MediaType.Compression.NONE;
    }

    public static InputStream decompress(InputStream in, MediaType.Compression c) throws IOException {
        return switch (c) {
            case GZIP -> new GZIPInputStream(in, 1 << 16);
            case ZSTD -> new ZstdInputStream(in);
            case NONE -> in;
        };
    }

    /** Decompresses whatever the stream turns out to be. */
    public static InputStream open(InputStream raw) throws IOException {
        InputStream in = new BufferedInputStream(raw, 1 << 16);
        return decompress(in, detect(in));
    }

    /** The OCI layer media type for a compression. */
    public static String ociLayerType(MediaType.Compression c) {
        return switch (c) {
            case GZIP -> MediaType.OCI_LAYER_GZIP;
            case ZSTD -> MediaType.OCI_LAYER_ZSTD;
            case NONE -> MediaType.OCI_LAYER;
        };
    }
}
