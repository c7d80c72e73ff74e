package dev.berth.image.snapshot;

import dev.berth.image.linux.Sys;

import dev.berth.image.layer.LayerApplier;
import dev.berth.image.layer.LayerException;
import dev.berth.image.layer.Trees;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.MediaType;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;

/**
 * Unpacked layers and the writable snapshots containers and build steps run on, under {@code ROOT/snapshots}
 * (mode 0700: layers hold set-uid files and devices that host users must not reach):
 * <pre>
 *   l/ID/d          one layer's tree (an overlayfs lower directory); ID = the first 12 hex digits of its ChainID,
 *   l/ID/meta       longer on a collision; meta says which chain, parent, diffID and sizes
 *   active/KEY/     upper, work, merged, and "parent" (the top layer's ChainID) of a writable snapshot
 *   tmp/            unpacks and removals in progress
 *   empty/          an empty lower directory, for images with no layers (overlayfs needs one)
 * </pre>
 * A layer is unpacked once and published by renaming its directory into {@code l/}: a crash leaves no half
 * layer, and of two concurrent unpacks of the same layer the loser discards its copy. The short ids keep
 * overlayfs's option string (one page, {@value Mount#MAX_DATA} bytes) as roomy as possible:
 * {@link #maxLayers} says how many layers fit.
 */
public final class Snapshots {
    /** An unpacked layer: its ChainID, diffID, parent ChainID (null for a base layer), tree and sizes in bytes. */
    public record Layer(Digest chainId, Digest diffId, Digest parent, Path dir, long tarSize, long usage) {}

    /** A writable snapshot. */
    public record Active(String key, Digest parent, Path dir) {
        public Path upper() {
            return dir.resolve("upper");
        }

        public Path merged() {
            return dir.resolve("merged");
        }
    }

    /** Bytes per layer and per writable snapshot (apparent file sizes, hard links counted once). */
    public record Usage(Map<Digest, Long> layers, Map<String, Long> active) {
        public long total() {
            return layers.values().stream().mapToLong(Long::longValue).sum() + active.values().stream().mapToLong(Long::longValue).sum();
        }
    }

    /** Opens a layer blob (compressed as its media type says); called once per unpack. */
    @FunctionalInterface
    public interface BlobSource {
        InputStream open() throws IOException;
    }

    private static final Pattern KEY = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,127}");
    private static final int ID_LENGTH = 12;
    /** On a writable snapshot the upper directory must be a plain diff: no redirects, no metadata-only copy-ups. */
    private static final List<String> WRITABLE = List.of("redirect_dir=off", "metacopy=off");

    private final Path root, layers, active, tmp, empty;
    private final Map<Digest, Object> unpacking = new ConcurrentHashMap<>();
    private final Object lock = new Object();

    public Snapshots(Path berthRoot) throws IOException {
        root = berthRoot.toAbsolutePath().normalize().resolve("snapshots");
        String s = root.toString();
        if (s.contains(":") || s.contains(",") || s.contains("\\")) {
            throw new IOException("snapshot root " + root + ": overlayfs mount options cannot name a path containing ':', ',' or '\\'");
        }
        Files.createDirectories(root);
        Files.setPosixFilePermissions(root, PosixFilePermissions.fromString("rwx------"));
        layers = Files.createDirectories(root.resolve("l"));
        active = Files.createDirectories(root.resolve("active"));
        tmp = Files.createDirectories(root.resolve("tmp"));
        empty = Files.createDirectories(root.resolve("empty"));
    }

    public Path root() {
        return root;
    }

    /** OCI ChainID of a stack of layers, bottom first: chainID(L0) = diffID(L0), chainID(Ln) = sha256(chainID(Ln-1) + " " + diffID(Ln)). */
    public static Digest chainId(List<Digest> diffIds) {
        if (diffIds.isEmpty()) throw new IllegalArgumentException("no layers: no ChainID");
        Digest c = null;
        for (Digest d : diffIds) c = chainId(c, d);
        return c;
    }

    /** The ChainID of {@code diffId} on top of the chain {@code parent} (null for a base layer). */
    public static Digest chainId(Digest parent, Digest diffId) {
        return parent == null ? diffId : Digest.sha256((parent + " " + diffId).getBytes(StandardCharsets.UTF_8));
    }

    // ---- layers ----

    /**
     * The layer {@code diffId} on top of {@code parentChain}, unpacking it (OVERLAY mode) when it is not there yet.
     * The blob's content must have that diffID; otherwise nothing is published.
     */
    public Layer ensureLayer(Digest parentChain, Digest diffId, MediaType.Compression c, BlobSource blob) throws IOException {
        Digest chain = chainId(parentChain, diffId);
        synchronized (unpacking.computeIfAbsent(chain, k -> new Object())) {
            Optional<Layer> have = layer(chain);
            if (have.isPresent()) return have.get();
            List<Path> lowers = parentChain == null ? List.of() : lowerDirs(parentChain);
            Path work = Files.createDirectory(tmp.resolve("unpack-" + UUID.randomUUID()));
            try {
                Path d = Files.createDirectory(work.resolve("d"));
                Files.setPosixFilePermissions(d, PosixFilePermissions.fromString("rwxr-xr-x"));
                LayerApplier.Applied a;
                try (InputStream in = blob.open()) {
                    a = new LayerApplier(LayerApplier.Mode.OVERLAY).withLowerDirs(lowers).apply(in, c, d);
                }
                if (!a.diffId().equals(diffId)) {
                    throw new LayerException("layer " + diffId + ": the blob's uncompressed content has diffID " + a.diffId());
                }
                new Meta(chain, parentChain, diffId, a.size(), Fs.usage(d), false).write(work);
                Sys.syncfs(work);
                return publish(chain, parentChain, work);
            } finally {
                Trees.delete(work); // gone when published
            }
        }
    }

    private Layer publish(Digest chain, Digest parent, Path work) throws IOException {
        synchronized (lock) {
            if (parent != null && find(parent) == null) throw new IOException("layer " + chain + ": its parent " + parent + " was removed meanwhile");
            String hex = chain.hex();
            for (int n = ID_LENGTH; n <= hex.length(); n++) {
                Path target = layers.resolve(hex.substring(0, n));
                try {
                    Files.move(work, target, StandardCopyOption.ATOMIC_MOVE);
                    Fs.fsync(layers);
                    return toLayer(target, Meta.read(target));
                } catch (FileSystemException e) {
                    Meta m = Meta.read(target);
                    if (m == null && !Files.exists(target, LinkOption.NOFOLLOW_LINKS)) throw e;
                    if (m != null && !m.tombstone() && chain.equals(m.chain())) return toLayer(target, m); // a concurrent unpack won
                    // else: a different chain (or a tombstone) holds this short id: try a longer one
                }
            }
            throw new IOException("layer " + chain + ": no free directory name under " + layers);
        }
    }

    /** The directory of the layer with this ChainID, or null. Short ids are tried shortest first. */
    private Path find(Digest chain) throws IOException {
        String hex = chain.hex();
        for (int n = ID_LENGTH; n <= hex.length(); n++) {
            Path d = layers.resolve(hex.substring(0, n));
            Meta m = Meta.read(d);
            if (m == null && !Files.exists(d, LinkOption.NOFOLLOW_LINKS)) return null;
            if (m != null && !m.tombstone() && chain.equals(m.chain())) return d;
        }
        return null;
    }

    private static Layer toLayer(Path d, Meta m) {
        return new Layer(m.chain(), m.diff(), m.parent(), d.resolve("d"), m.size(), m.usage());
    }

    public Optional<Layer> layer(Digest chainId) throws IOException {
        Path d = find(chainId);
        return d == null ? Optional.empty() : Optional.of(toLayer(d, Meta.read(d)));
    }

    /** The trees of the layers of a chain, topmost first (the order of overlayfs's lowerdir). */
    public List<Path> lowerDirs(Digest top) throws IOException {
        List<Path> out = new ArrayList<>();
        for (Digest c = top; c != null; ) {
            Path d = find(c);
            if (d == null) throw new IOException("layer " + c + ": not unpacked" + (c.equals(top) ? "" : " (an ancestor of " + top + ")"));
            out.add(d.resolve("d"));
            c = Meta.read(d).parent();
            if (out.size() > 10_000) throw new IOException("layer " + top + ": its parent chain does not end");
        }
        return out;
    }

    public List<Layer> list() throws IOException {
        List<Layer> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(layers)) {
            for (Path d : ds) {
                Meta m = Meta.read(d);
                if (m != null && !m.tombstone()) out.add(toLayer(d, m));
            }
        }
        out.sort((a, b) -> a.chainId().compareTo(b.chainId()));
        return out;
    }

    /** Removes a layer (garbage collection); refused while a writable snapshot or another layer stands on it. */
    public void removeLayer(Digest chainId) throws IOException {
        synchronized (lock) {
            Path d = find(chainId);
            if (d == null) throw new IOException("layer " + chainId + ": no such snapshot");
            for (Active a : activeSnapshots()) {
                if (a.parent() != null && ancestors(a.parent()).contains(chainId)) {
                    throw new IOException("layer " + chainId + ": in use by snapshot " + a.key());
                }
            }
            for (Layer l : list()) {
                if (chainId.equals(l.parent())) throw new IOException("layer " + chainId + ": it is the parent of layer " + l.chainId());
            }
            Meta.tombstoneMeta().write(d); // from here on no lookup finds it
            String id = d.getFileName().toString();
            boolean longer;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(layers, id + "?*")) {
                longer = ds.iterator().hasNext();
            }
            Path gone = tmp.resolve("remove-" + UUID.randomUUID());
            Files.move(longer ? d.resolve("d") : d, gone, StandardCopyOption.ATOMIC_MOVE); // a longer id needs the tombstone
            Trees.delete(gone);
        }
    }

    private Set<Digest> ancestors(Digest top) throws IOException {
        Set<Digest> out = new HashSet<>();
        for (Digest c = top; c != null && out.add(c); ) {
            Path d = find(c);
            c = d == null ? null : Meta.read(d).parent();
        }
        return out;
    }

    // ---- writable snapshots and views ----

    /** How many layers a writable snapshot named {@code key} can stack before overlayfs's options exceed one page. */
    public int maxLayers(String key) {
        Path dir = active.resolve(key);
        int fixed = overlayOptions(List.of(), dir.resolve("upper"), dir.resolve("work")).data().getBytes(StandardCharsets.UTF_8).length;
        return (Mount.MAX_DATA + 1 - fixed) / perLayer();
    }

    /**
     * Creates the writable snapshot {@code key} on top of the layer chain {@code topChainId} (null: no layers) and
     * returns the overlay mount for it; mount it on {@link Active#merged()} or anywhere else.
     */
    public Mount prepare(String key, Digest topChainId) throws IOException {
        checkKey(key);
        synchronized (lock) {
            List<Path> lowers = topChainId == null ? List.of(empty) : lowerDirs(topChainId);
            Path dir = active.resolve(key);
            Mount m = overlayOptions(lowers, dir.resolve("upper"), dir.resolve("work"));
            checkLength(m, lowers.size(), maxLayers(key));
            if (Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) throw new IOException("snapshot " + key + ": already exists");
            Path work = Files.createDirectory(tmp.resolve("prepare-" + UUID.randomUUID()));
            try {
                for (String sub : List.of("upper", "work", "merged")) {
                    Files.setPosixFilePermissions(Files.createDirectory(work.resolve(sub)), PosixFilePermissions.fromString("rwxr-xr-x"));
                }
                Files.writeString(work.resolve("parent"), topChainId == null ? "" : topChainId.toString());
                try {
                    Files.move(work, dir, StandardCopyOption.ATOMIC_MOVE);
                } catch (FileSystemException e) {
                    throw new IOException("snapshot " + key + ": already exists", e);
                }
            } finally {
                Trees.delete(work);
            }
            return m;
        }
    }

    /** A read-only mount of the layer chain (null: empty), for export or inspection. */
    public Mount view(Digest topChainId) throws IOException {
        if (topChainId == null) return new Mount("bind", empty.toString(), List.of("bind", "ro"));
        List<Path> lowers = new ArrayList<>(lowerDirs(topChainId));
        if (lowers.size() == 1) lowers.add(empty); // overlayfs wants two lower directories when there is no upper
        Mount m = new Mount("overlay", "overlay", List.of("lowerdir=" + join(lowers), "ro"));
        checkLength(m, lowers.size(), (Mount.MAX_DATA + 1 - "lowerdir=".length()) / perLayer());
        return m;
    }

    private static Mount overlayOptions(List<Path> lowers, Path upper, Path work) {
        List<String> o = new ArrayList<>(List.of("lowerdir=" + join(lowers), "upperdir=" + upper, "workdir=" + work));
        o.addAll(WRITABLE);
        return new Mount("overlay", "overlay", o);
    }

    private static String join(List<Path> dirs) {
        return String.join(":", dirs.stream().map(Path::toString).toList());
    }

    private void checkLength(Mount m, int count, int max) throws IOException {
        int len = m.data().getBytes(StandardCharsets.UTF_8).length;
        if (len > Mount.MAX_DATA) {
            throw new IOException("image has " + count + " layers: the overlay mount options would be " + len + " bytes, over the kernel's "
                    + Mount.MAX_DATA + "; with snapshots in " + root + " at most " + max + " layers fit");
        }
    }

    /** Bytes one lower directory adds to the option string: its path and a ':'. */
    private int perLayer() {
        return layers.resolve("0".repeat(ID_LENGTH)).resolve("d").toString().getBytes(StandardCharsets.UTF_8).length + 1;
    }

    public Optional<Active> active(String key) throws IOException {
        checkKey(key);
        Path dir = active.resolve(key);
        Path parent = dir.resolve("parent");
        if (!Files.isRegularFile(parent, LinkOption.NOFOLLOW_LINKS)) return Optional.empty();
        String p = Files.readString(parent).trim();
        return Optional.of(new Active(key, p.isEmpty() ? null : Digest.parse(p), dir));
    }

    /** The overlay mount of an existing writable snapshot (to mount it again, e.g. at each container start). */
    public Mount mountOf(String key) throws IOException {
        Active a = active(key).orElseThrow(() -> new IOException("snapshot " + key + ": no such writable snapshot"));
        List<Path> lowers = a.parent() == null ? List.of(empty) : lowerDirs(a.parent());
        return overlayOptions(lowers, a.dir().resolve("upper"), a.dir().resolve("work"));
    }

    public List<Active> activeSnapshots() throws IOException {
        List<Active> out = new ArrayList<>();
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(active)) {
            for (Path d : ds) {
                String k = d.getFileName().toString();
                if (KEY.matcher(k).matches()) active(k).ifPresent(out::add);
            }
        }
        out.sort((a, b) -> a.key().compareTo(b.key()));
        return out;
    }

    /** The upper directory of a writable snapshot: what LayerWriter.upper turns into a layer (commit, build steps). */
    public Path upperDir(String key) {
        checkKey(key);
        return active.resolve(key).resolve("upper");
    }

    public Path mergedDir(String key) {
        checkKey(key);
        return active.resolve(key).resolve("merged");
    }

    /** Unmounts the snapshot's merged directory if mounted, and deletes the snapshot. Nothing when absent. */
    public void remove(String key) throws IOException {
        checkKey(key);
        synchronized (lock) {
            Path dir = active.resolve(key);
            if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) return;
            unmount(dir.resolve("merged"));
            Path gone = tmp.resolve("remove-" + UUID.randomUUID());
            Files.move(dir, gone, StandardCopyOption.ATOMIC_MOVE);
            Trees.delete(gone);
        }
    }

    /** Removes what crashed unpacks and removals left in tmp/; call when no other berth process uses this root. */
    public void cleanup() throws IOException {
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(tmp)) {
            for (Path p : ds) Trees.delete(p);
        }
    }

    public Usage usage() throws IOException {
        Map<Digest, Long> l = new LinkedHashMap<>();
        for (Layer layer : list()) l.put(layer.chainId(), layer.usage());
        Map<String, Long> a = new LinkedHashMap<>();
        for (Active s : activeSnapshots()) a.put(s.key(), Fs.usage(s.upper()));
        return new Usage(l, a);
    }

    // ---- mounting ----

    /** Mounts {@code m} on {@code target} (mount(2); overlay or bind). */
    public static void mount(Mount m, Path target) throws IOException {
        Fs.mount(m, target);
    }

    /** Detaches whatever is mounted on {@code target} (umount2 MNT_DETACH); nothing when it is not a mount point. */
    public static void unmount(Path target) throws IOException {
        Fs.unmount(target);
    }

    // ---- helpers ----

    private static void checkKey(String key) {
        if (key == null || !KEY.matcher(key).matches()) {
            throw new IllegalArgumentException("snapshot key \"" + key + "\": letters, digits, '_', '.', '-' (at most 128), starting with a letter or digit");
        }
    }
}
