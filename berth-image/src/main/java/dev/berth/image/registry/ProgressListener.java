package dev.berth.image.registry;

import dev.berth.oci.image.Digest;
import dev.berth.oci.image.Manifest;

/**
 * What a pull or push is doing, blob by blob; the CLI draws its progress bars from it. Blobs move in parallel, so
 * calls come from several threads and implementations must be thread-safe. For one blob the calls come in order:
 * {@code started}, then {@code resumed} (pull, at most once) and {@code progress}, then {@code done}; a blob that
 * needs no transfer gets only {@code exists} or {@code mounted}. A failed transfer gets no {@code done}.
 */
public interface ProgressListener {
    /** Does nothing. */
    ProgressListener NONE = new ProgressListener() {
        @Override
        public void started(Digest digest, long size) {}

        @Override
        public void progress(Digest digest, long bytes) {}

        @Override
        public void done(Digest digest) {}
    };

    /**
     * The image's manifest is known, before any blob moves: which blobs are its layers and which its config (a
     * push of an index calls this once per manifest).
     */
    default void manifest(Manifest manifest) {}

    /** A transfer of {@code size} bytes begins. */
    void started(Digest digest, long size);

    /** {@code bytes} of the blob are transferred so far (including any resumed part). */
    void progress(Digest digest, long bytes);

    /** The blob is transferred and verified. */
    void done(Digest digest);

    /** A pull continues an interrupted download from {@code offset} bytes. */
    default void resumed(Digest digest, long offset) {}

    /** Nothing to transfer: the store (pull) or the registry (push) already has the blob. */
    default void exists(Digest digest, long size) {}

    /** A push mounted the blob from another repository of the same registry instead of uploading it. */
    default void mounted(Digest digest, String fromRepository) {}
}
