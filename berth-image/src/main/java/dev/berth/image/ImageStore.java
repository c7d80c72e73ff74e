package dev.berth.image;

import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Function;

/**
 * Image names (fully qualified references, e.g. docker.io/library/busybox:latest) → the descriptor of their
 * manifest or index in the content store. Kept in {@code ROOT/images.json}, rewritten atomically under a file
 * lock, so concurrent berth processes and a crash never lose or half-write a name.
 */
public final class ImageStore {
    /** One name and what it points at. */
    public record Entry(String name, Descriptor target, String created) {}

    private final Path file;
    private final Path lock;

    public ImageStore(Path root) throws IOException {
        Files.createDirectories(root);
        this.file = root.resolve("images.json");
        this.lock = root.resolve("images.lock");
    }

    public List<Entry> list() throws IOException {
        return new ArrayList<>(read().values());
    }

    public Optional<Entry> get(ImageReference ref) throws IOException {
        return Optional.ofNullable(read().get(ref.toString()));
    }

    /** Points the name at target (replacing what it pointed at). */
    public void put(ImageReference ref, Descriptor target) throws IOException {
        put(ref.toString(), target);
    }

    /**
     * Keeps an image that has no name (docker's dangling "&lt;none&gt;" images: untagged builds, loads without
     * tags) under the key {@code sha256:<manifest hex>}.
     */
    public void putDangling(Descriptor target) throws IOException {
        put(target.digest().toString(), target);
    }

    /** True for the key of an image kept without a name. */
    public static boolean isDangling(String key) {
        return key.startsWith("sha256:");
    }

    /** True for a build-cache key (an intermediate image a build step made), hidden from image lists. */
    public static boolean isCache(String key) {
        return key.startsWith("cache:");
    }

    /** A build step's result, under its cache key (a hex digest of the step and what it depends on). */
    public void putCache(String key, Descriptor target) throws IOException {
        String k = "cache:" + key;
        update(m -> m.put(k, new Entry(k, target, Instant.now().toString())));
    }

    public Optional<Entry> getCache(String key) throws IOException {
        return Optional.ofNullable(read().get("cache:" + key));
    }

    /** Drops the whole build cache; the number of entries removed. */
    public int clearCache() throws IOException {
        return update(m -> {
            int before = m.size();
            m.keySet().removeIf(ImageStore::isCache);
            return before - m.size();
        });
    }

    private void put(String key, Descriptor target) throws IOException {
        update(m -> {
            // a name given to a dangling image replaces its placeholder
            m.remove(target.digest().toString());
            m.put(key, new Entry(key, target, Instant.now().toString()));
            return null;
        });
    }

    /** Removes the placeholder of a dangling image. */
    public boolean removeDangling(Digest target) throws IOException {
        return update(m -> m.remove(target.toString()) != null);
    }

    /** Removes a name; false if it was not there. */
    public boolean remove(ImageReference ref) throws IOException {
        return update(m -> m.remove(ref.toString()) != null);
    }

    /** Runs a change under the lock: read, change, write atomically. */
    public <T> T update(Function<Map<String, Entry>, T> change) throws IOException {
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            Map<String, Entry> m = read();
            T result = change.apply(m);
            write(m);
            return result;
        }
    }

    private Map<String, Entry> read() throws IOException {
        Map<String, Entry> m = new TreeMap<>();
        if (!Files.exists(file)) return m;
        JsonObject o = Json.parseObject(Files.readString(file), file.toString());
        JsonObject images = o.object("images");
        if (images == null) return m;
        for (String name : images.map().keySet()) {
            JsonObject e = images.object(name);
            m.put(name, new Entry(name, Descriptor.read(e.object("target")), e.string("created")));
        }
        return m;
    }

    private void write(Map<String, Entry> m) throws IOException {
        Map<String, Object> images = new LinkedHashMap<>();
        for (Entry e : m.values()) images.put(e.name(), Json.obj("target", e.target().json(), "created", e.created()));
        Path tmp = file.resolveSibling("images.json.tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
            ch.write(java.nio.ByteBuffer.wrap(Json.writePretty(Json.obj("images", images)).getBytes()));
            ch.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** Names whose target is this digest (an image's tags; a dangling image has none). */
    public List<String> namesOf(Digest target) throws IOException {
        return read().values().stream().filter(e -> e.target().digest().equals(target) && !isDangling(e.name()) && !isCache(e.name()))
                .map(Entry::name).toList();
    }

    /** True if any key (a name, or the dangling placeholder) points at this digest. */
    public boolean isKept(Digest target) throws IOException {
        return read().values().stream().anyMatch(e -> e.target().digest().equals(target) && !isCache(e.name()));
    }
}
