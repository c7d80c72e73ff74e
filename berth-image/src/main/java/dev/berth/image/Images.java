package dev.berth.image;

import dev.berth.image.content.ContentStore;
import dev.berth.image.content.LocalContentStore;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.image.Index;
import dev.berth.oci.image.Manifest;
import dev.berth.oci.image.MediaType;
import dev.berth.oci.image.Platform;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The local images: names (the {@link ImageStore}) over content (the {@link ContentStore}). Everything that
 * reads or changes images by name goes through here: resolve, list, tag, remove, store a new image, and
 * collect the garbage no name reaches.
 */
public final class Images {
    private final Path root;
    private final LocalContentStore content;
    private final ImageStore names;

    public Images(Path root) throws IOException {
        this.root = root;
        this.content = new LocalContentStore(root.resolve("content"));
        this.names = new ImageStore(root);
    }

    public Path root() {
        return root;
    }

    public ContentStore content() {
        return content;
    }

    public ImageStore names() {
        return names;
    }

    /** Loads the image a manifest descriptor points at. */
    public Image load(Descriptor target) throws IOException {
        Manifest m = Manifest.parse(content.read(target.digest()), target.mediaType(), "manifest " + target.digest());
        ImageConfig c = ImageConfig.parse(content.read(m.config().digest()), "config " + m.config().digest());
        List<String> n = names.namesOf(target.digest());
        return new Image(target, m, c, n);
    }

    /**
     * Finds an image by name (busybox, busybox:1.36, localhost:5000/app@sha256:...), by id (a unique prefix of
     * the config digest, with or without "sha256:"), or by manifest digest.
     */
    public Image get(String nameOrId) throws IOException {
        String s = nameOrId.trim();
        try {
            ImageReference ref = ImageReference.parse(s);
            var e = names.get(ref);
            if (e.isPresent()) return load(e.get().target());
        } catch (IllegalArgumentException notAName) {
            // maybe an id
        }
        String hex = s.startsWith("sha256:") ? s.substring(7) : s;
        if (hex.matches("[a-f0-9]{3,64}")) {
            Image found = null;
            for (Image i : list()) {
                if (i.id().hex().startsWith(hex) || i.target().digest().hex().startsWith(hex)) {
                    if (found != null && !found.id().equals(i.id())) throw new IllegalArgumentException("image id prefix \"" + s + "\" is ambiguous");
                    found = i;
                }
            }
            if (found != null) return found;
        }
        throw new ImageNotFoundException(nameOrId);
    }

    /** One entry per image (not per name), newest first. */
    public List<Image> list() throws IOException {
        Map<Digest, Descriptor> targets = new LinkedHashMap<>();
        for (ImageStore.Entry e : names.list()) if (!ImageStore.isCache(e.name())) targets.putIfAbsent(e.target().digest(), e.target());
        List<Image> out = new ArrayList<>();
        for (Descriptor d : targets.values()) out.add(load(d));
        out.sort((a, b) -> String.valueOf(b.config().created()).compareTo(String.valueOf(a.config().created())));
        return out;
    }

    public void tag(String source, String target) throws IOException {
        Image img = get(source);
        names.put(ImageReference.parse(target), img.target());
    }

    /**
     * docker rmi: a name is untagged; the image goes when no name is left. Removing by id an image that has
     * several names needs force. Returns docker's lines ("Untagged: ...", "Deleted: ...").
     */
    public List<String> remove(String nameOrId, boolean force) throws IOException {
        return remove(nameOrId, force, false);
    }

    /**
     * The same; {@code inUse} (a container uses the image): only untag, and an image left without a name stays
     * as a dangling one rather than being deleted (docker's rmi -f of an image in use).
     */
    public List<String> remove(String nameOrId, boolean force, boolean inUse) throws IOException {
        Image img = get(nameOrId);
        List<String> out = new ArrayList<>();
        boolean byName = false;
        try {
            byName = names.get(ImageReference.parse(nameOrId)).isPresent();
        } catch (IllegalArgumentException ignored) {
            // an id
        }
        List<String> untag;
        if (byName) {
            untag = List.of(ImageReference.parse(nameOrId).toString());
        } else {
            if (img.names().size() > 1 && !force) {
                throw new IllegalStateException("conflict: unable to delete " + img.id().shortHex()
                        + " (must be forced) - image is referenced in multiple repositories");
            }
            untag = img.names();
        }
        for (String n : untag) {
            names.remove(ImageReference.parse(n));
            out.add("Untagged: " + ImageReference.parse(n).familiar());
        }
        if (inUse) {
            if (!names.isKept(img.target().digest())) names.putDangling(img.target());
            return out;
        }
        if (!byName) names.removeDangling(img.target().digest());
        if (!names.isKept(img.target().digest())) {
            // Only this image's own blobs, and only those no other name reaches: a global sweep here could
            // take blobs a concurrent pull has written but not named yet.
            Set<Digest> mine = new HashSet<>();
            mark(img.target(), mine);
            Set<Digest> keep = reachable();
            out.add("Deleted: " + img.id());
            for (Digest d : mine) {
                if (keep.contains(d)) continue;
                content.delete(d);
                if (img.manifest().layers().stream().anyMatch(l -> l.digest().equals(d))) out.add("Deleted: " + d);
            }
        }
        return out;
    }

    /** Stores a new image (config + already-stored layers) and returns its manifest descriptor. */
    public Descriptor store(ImageConfig config, List<Descriptor> layers) throws IOException {
        byte[] cfg = config.bytes();
        Digest cd = content.put(cfg, null);
        return storeManifest(new Descriptor(MediaType.OCI_CONFIG, cd, cfg.length), layers);
    }

    /** Stores a manifest for a config and layers already in the content store (their bytes, so the id, unchanged). */
    public Descriptor storeManifest(Descriptor config, List<Descriptor> layers) throws IOException {
        Manifest m = new Manifest(MediaType.OCI_MANIFEST, config, layers, Map.of());
        byte[] mb = m.bytes();
        Digest md = content.put(mb, null);
        return new Descriptor(MediaType.OCI_MANIFEST, md, mb.length);
    }

    /**
     * docker import: a root filesystem tarball (plain, gzip or zstd) becomes a one-layer image. The tarball is
     * stored as it came; its diff id is computed from its content.
     */
    public Descriptor importTarball(java.io.InputStream tarball, ImageConfig.Run run, String comment) throws IOException {
        Digest blob;
        long size;
        try (ContentStore.Writer w = content.writer("import-" + System.nanoTime())) {
            tarball.transferTo(w.stream());
            size = w.offset();
            blob = w.commit(-1, null);
        }
        MediaType.Compression c;
        java.security.MessageDigest md = Digest.sha256();
        try (java.io.InputStream raw = new java.io.BufferedInputStream(content.open(blob), 1 << 16)) {
            c = Compression.detect(raw);
            try (java.io.InputStream in = new java.security.DigestInputStream(Compression.decompress(raw, c), md)) {
                in.transferTo(java.io.OutputStream.nullOutputStream());
            }
        }
        String now = java.time.Instant.now().toString();
        ImageConfig config = new ImageConfig(Platform.host().architecture(), "linux", now, null, run, List.of(), List.of())
                .withLayer(Digest.of(md), new ImageConfig.History(now, null, comment, false));
        return store(config, List.of(new Descriptor(Compression.ociLayerType(c), blob, size)));
    }

    /** Every blob some name reaches: indexes, manifests, configs, layers. */
    public Set<Digest> reachable() throws IOException {
        Set<Digest> keep = new HashSet<>();
        for (ImageStore.Entry e : names.list()) mark(e.target(), keep);
        return keep;
    }

    private void mark(Descriptor d, Set<Digest> keep) throws IOException {
        if (!keep.add(d.digest()) || !content.has(d.digest())) return;
        String repoDigest = d.annotations().get(REPO_DIGEST);
        if (repoDigest != null) keep.add(Digest.parse(repoDigest));
        if (MediaType.isIndex(d.mediaType())) {
            for (Descriptor c : Index.parse(content.read(d.digest()), d.mediaType(), d.digest().toString()).manifests()) mark(c, keep);
        } else if (MediaType.isManifest(d.mediaType())) {
            Manifest m = Manifest.parse(content.read(d.digest()), d.mediaType(), d.digest().toString());
            keep.add(m.config().digest());
            for (Descriptor l : m.layers()) keep.add(l.digest());
        }
    }

    /** Annotation on a stored name: the digest the registry knows the image by (its index, for multi-platform images). */
    public static final String REPO_DIGEST = "dev.berth.repo-digest";

    /**
     * Deletes blobs no name reaches, once they are older than {@code grace} (a pull or build in another process
     * writes its blobs before it names them), and ingests abandoned for that long. Returns the bytes freed.
     */
    public long collectGarbage(java.time.Duration grace) throws IOException {
        Set<Digest> keep = reachable();
        long cutoff = System.currentTimeMillis() - grace.toMillis(), freed = 0;
        for (Digest d : content.list()) {
            if (keep.contains(d)) continue;
            Path f = content.path(d);
            if (java.nio.file.Files.getLastModifiedTime(f).toMillis() > cutoff) continue;
            freed += java.nio.file.Files.size(f);
            content.delete(d);
        }
        content.clearIngests(cutoff);
        return freed;
    }
}
