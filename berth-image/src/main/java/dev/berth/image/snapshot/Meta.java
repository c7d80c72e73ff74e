package dev.berth.image.snapshot;

import dev.berth.oci.image.Digest;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A layer snapshot's small description, {@code l/ID/meta}: "key=value" lines (chain, parent, diff, size,
 * usage). A tombstone ({@code tombstone=1}) keeps a removed layer's short id taken while a longer id that
 * collided with it is still in use.
 */
record Meta(Digest chain, Digest parent, Digest diff, long size, long usage, boolean tombstone) {
    static final String FILE = "meta";

    static Meta tombstoneMeta() {
        return new Meta(null, null, null, 0, 0, true);
    }

    /** The meta in {@code layerDir}, or null when there is none (a directory being created or removed). */
    static Meta read(Path layerDir) throws IOException {
        String text;
        try {
            text = Files.readString(layerDir.resolve(FILE), StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
        Map<String, String> kv = new LinkedHashMap<>();
        for (String line : text.split("\n")) {
            int eq = line.indexOf('=');
            if (eq > 0) kv.put(line.substring(0, eq), line.substring(eq + 1));
        }
        if (kv.containsKey("tombstone")) return tombstoneMeta();
        try {
            return new Meta(Digest.parse(kv.get("chain")), kv.getOrDefault("parent", "").isEmpty() ? null : Digest.parse(kv.get("parent")),
                    Digest.parse(kv.get("diff")), Long.parseLong(kv.get("size")), Long.parseLong(kv.get("usage")), false);
        } catch (RuntimeException e) {
            throw new IOException(layerDir.resolve(FILE) + ": unreadable layer description (" + e.getMessage() + ")");
        }
    }

    /** Writes the meta file atomically (temp file, fsync, rename). */
    void write(Path layerDir) throws IOException {
        String text = tombstone ? "tombstone=1\n"
                : "chain=" + chain + "\nparent=" + (parent == null ? "" : parent) + "\ndiff=" + diff + "\nsize=" + size + "\nusage=" + usage + "\n";
        Path tmp = layerDir.resolve(FILE + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8)));
            ch.force(true);
        }
        Files.move(tmp, layerDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE);
    }
}
