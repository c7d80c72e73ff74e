package dev.berth.image.layer;

import com.github.luben.zstd.ZstdInputStreamNoFinalizer;
import com.github.luben.zstd.ZstdOutputStreamNoFinalizer;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.MediaType;

import java.io.FilterInputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.security.MessageDigest;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** Compression codecs and the digesting, counting stream wrappers that layers flow through. */
final class Streams {
    static final int BUFFER = 1 << 20;

    private Streams() {}

    /** Decompresses {@code raw} (which is not closed when the result is). */
    static InputStream decompress(InputStream raw, MediaType.Compression c) throws IOException {
        InputStream shielded = new FilterInputStream(raw) {
            @Override
            public void close() {
            }
        };
        return switch (c) {
            case NONE -> shielded;
            case GZIP -> new GZIPInputStream(shielded, 1 << 16);
            case ZSTD -> new ZstdInputStreamNoFinalizer(shielded);
        };
    }

    /** Compresses into {@code raw}; closing the result finishes the stream but does not close {@code raw}. */
    static OutputStream compress(OutputStream raw, MediaType.Compression c, int gzipLevel, int zstdLevel) throws IOException {
        OutputStream shielded = new FilterOutputStream(raw) {
            @Override
            public void write(byte[] b, int off, int len) throws IOException {
                out.write(b, off, len);
            }

            @Override
            public void close() throws IOException {
                out.flush();
            }
        };
        return switch (c) {
            case NONE -> shielded;
            case GZIP -> new GZIPOutputStream(shielded, 1 << 16) {
                {
                    def.setLevel(gzipLevel);
                }
            };
            case ZSTD -> new ZstdOutputStreamNoFinalizer(shielded, zstdLevel);
        };
    }

    /** Counts and digests what is read through it; skip reads too, so nothing escapes the digest. */
    static final class HashingInput extends InputStream {
        private final InputStream in;
        private final MessageDigest md = Digest.sha256();
        private long count;

        HashingInput(InputStream in) {
            this.in = in;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                md.update((byte) b);
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int n = in.read(b, off, len);
            if (n > 0) {
                md.update(b, off, n);
                count += n;
            }
            return n;
        }

        @Override
        public void close() throws IOException {
            in.close();
        }

        long count() {
            return count;
        }

        Digest digest() {
            return Digest.of(md);
        }
    }

    /** Counts and digests what is written through it. */
    static final class HashingOutput extends FilterOutputStream {
        private final MessageDigest md = Digest.sha256();
        private long count;

        HashingOutput(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            md.update((byte) b);
            count++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            md.update(b, off, len);
            count += len;
        }

        long count() {
            return count;
        }

        Digest digest() {
            return Digest.of(md);
        }
    }
}
