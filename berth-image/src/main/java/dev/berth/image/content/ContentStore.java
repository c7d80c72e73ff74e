package dev.berth.image.content;

import dev.berth.oci.image.Digest;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Path;
import java.util.List;

/**
 * Blobs addressed by their sha256 digest. A blob becomes visible only whole and verified: writers stream into
 * an ingest file, and {@link Writer#commit} checks size and digest, syncs, and renames it into place. An
 * interrupted ingest is resumed by opening a writer with the same ref.
 */
public interface ContentStore {
    boolean has(Digest digest);

    /** Size in bytes; throws {@link BlobNotFoundException} when absent. */
    long size(Digest digest) throws IOException;

    InputStream open(Digest digest) throws IOException;

    byte[] read(Digest digest) throws IOException;

    /** The blob's file, for readers that want a path (throws when absent). */
    Path path(Digest digest) throws IOException;

    /** Stores bytes, verifying them against {@code expected} when given; the digest. */
    Digest put(byte[] data, Digest expected) throws IOException;

    /** A writer for one blob; {@code ref} names the ingest so a later writer with the same ref resumes it. */
    Writer writer(String ref) throws IOException;

    void delete(Digest digest) throws IOException;

    List<Digest> list() throws IOException;

    /** Total bytes of all blobs. */
    long totalSize() throws IOException;

    /** An ingest in progress. Close without commit keeps the partial data for resuming; abort removes it. */
    interface Writer extends AutoCloseable {
        /** Bytes already written (non-zero when resuming). */
        long offset();

        OutputStream stream();

        /** Verifies and publishes the blob; the ingest is removed whether or not it verifies. */
        Digest commit(long expectedSize, Digest expected) throws IOException;

        void abort() throws IOException;

        @Override
        void close() throws IOException;
    }
}
