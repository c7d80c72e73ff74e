package dev.berth.image.content;

import dev.berth.oci.image.Digest;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The content store on disk: {@code ROOT/blobs/sha256/HEX} for blobs and {@code ROOT/ingest/KEY/data} for
 * writes in progress (KEY is the sha256 of the writer's ref). Commit = fsync, verify, rename, fsync the
 * directory: a crash or a full disk never leaves a partial blob under blobs/.
 */
public final class LocalContentStore implements ContentStore {
    private final Path blobs;
    private final Path ingest;

    public LocalContentStore(Path root) throws IOException {
        this.blobs = Files.createDirectories(root.resolve("blobs/sha256"));
        this.ingest = Files.createDirectories(root.resolve("ingest"));
    }

    private Path file(Digest d) {
        if (!d.algorithm().equals("sha256")) throw new IllegalArgumentException("blob " + d + ": only sha256 content is stored");
        return blobs.resolve(d.hex());
    }

    @Override
    public boolean has(Digest d) {
        return d.algorithm().equals("sha256") && Files.isRegularFile(file(d));
    }

    @Override
    public long size(Digest d) throws IOException {
        try {
            return Files.size(file(d));
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(d);
        }
    }

    @Override
    public InputStream open(Digest d) throws IOException {
        try {
            return Files.newInputStream(file(d));
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(d);
        }
    }

    @Override
    public byte[] read(Digest d) throws IOException {
        try {
            return Files.readAllBytes(file(d));
        } catch (NoSuchFileException e) {
            throw new BlobNotFoundException(d);
        }
    }

    @Override
    public Path path(Digest d) throws IOException {
        Path f = file(d);
        if (!Files.isRegularFile(f)) throw new BlobNotFoundException(d);
        return f;
    }

    @Override
    public Digest put(byte[] data, Digest expected) throws IOException {
        Digest actual = Digest.sha256(data);
        if (expected != null && !expected.equals(actual)) throw new DigestMismatchException("blob", expected, actual, data.length, data.length);
        if (has(actual)) return actual;
        try (Writer w = writer("put-" + actual)) {
            if (w.offset() > 0) {
                w.abort();
                return put(data, expected);
            }
            w.stream().write(data);
            return w.commit(data.length, actual);
        }
    }

    @Override
    public Writer writer(String ref) throws IOException {
        String key = Digest.sha256(ref.getBytes(StandardCharsets.UTF_8)).hex();
        Path dir = Files.createDirectories(ingest.resolve(key));
        return new IngestWriter(dir);
    }

    @Override
    public void delete(Digest d) throws IOException {
        Files.deleteIfExists(file(d));
    }

    @Override
    public List<Digest> list() throws IOException {
        List<Digest> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(blobs)) {
            for (Path p : ds) {
                try {
                    out.add(new Digest("sha256", p.getFileName().toString()));
                } catch (IllegalArgumentException ignored) {
                    // not a blob (a stray file): ignore
                }
            }
        }
        Collections.sort(out);
        return out;
    }

    @Override
    public long totalSize() throws IOException {
        long total = 0;
        for (Digest d : list()) total += size(d);
        return total;
    }

    /** Removes ingests nobody resumed since {@code cutoffMillis} (after a crash); called by garbage collection. */
    public void clearIngests(long cutoffMillis) throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(ingest)) {
            for (Path p : ds) {
                Path data = p.resolve("data");
                if (Files.exists(data) && Files.getLastModifiedTime(data).toMillis() > cutoffMillis) continue;
                Files.deleteIfExists(data);
                Files.deleteIfExists(p);
            }
        }
    }

    private final class IngestWriter implements Writer {
        private final Path dir;
        private final Path data;
        private final FileChannel channel;
        private final MessageDigest md = Digest.sha256();
        private final OutputStream out;
        private long written;
        private boolean done;

        IngestWriter(Path dir) throws IOException {
            this.dir = dir;
            this.data = dir.resolve("data");
            this.channel = FileChannel.open(data, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.READ);
            // Resuming: the digest state is rebuilt from what is already there.
            long existing = channel.size();
            if (existing > 0) {
                try (InputStream in = Files.newInputStream(data)) {
                    byte[] buf = new byte[1 << 16];
                    for (int n; (n = in.read(buf)) > 0; ) md.update(buf, 0, n);
                }
            }
            channel.position(existing);
            written = existing;
            OutputStream raw = java.nio.channels.Channels.newOutputStream(channel);
            out = new FilterOutputStream(raw) {
                @Override
                public void write(int b) throws IOException {
                    raw.write(b);
                    md.update((byte) b);
                    written++;
                }

                @Override
                public void write(byte[] b, int off, int len) throws IOException {
                    raw.write(b, off, len);
                    md.update(b, off, len);
                    written += len;
                }
            };
        }

        @Override
        public long offset() {
            return written;
        }

        @Override
        public OutputStream stream() {
            return out;
        }

        @Override
        public Digest commit(long expectedSize, Digest expected) throws IOException {
            done = true;
            try {
                channel.force(true);
                channel.close();
                Digest actual = Digest.of(md);
                if ((expected != null && !expected.equals(actual)) || (expectedSize >= 0 && expectedSize != written)) {
                    throw new DigestMismatchException("blob " + (expected != null ? expected : actual), expected, actual, expectedSize, written);
                }
                Path target = file(actual);
                if (!Files.exists(target)) {
                    try {
                        Files.move(data, target, StandardCopyOption.ATOMIC_MOVE);
                    } catch (AtomicMoveNotSupportedException e) {
                        throw new IOException("content store: " + data + " and " + target + " must be on one filesystem", e);
                    }
                    try (FileChannel d = FileChannel.open(blobs, StandardOpenOption.READ)) {
                        d.force(true);
                    }
                }
                return actual;
            } finally {
                removeIngest();
            }
        }

        @Override
        public void abort() throws IOException {
            done = true;
            channel.close();
            removeIngest();
        }

        private void removeIngest() throws IOException {
            Files.deleteIfExists(data);
            Files.deleteIfExists(dir);
        }

        @Override
        public void close() throws IOException {
            if (!done) channel.close(); // keep the partial data: a writer with the same ref resumes it
        }
    }
}
