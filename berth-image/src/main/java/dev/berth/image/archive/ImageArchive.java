package dev.berth.image.archive;

import dev.berth.image.Compression;
import dev.berth.image.Image;
import dev.berth.image.Images;
import dev.berth.image.content.ContentStore;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.image.Index;
import dev.berth.oci.image.Manifest;
import dev.berth.oci.image.MediaType;
import dev.berth.oci.image.Platform;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code save} and {@code load}: images as a tar, in Docker's format (manifest.json beside an OCI layout, as
 * Docker 25+ writes it; layers uncompressed, which every docker/podman version loads) or as an OCI archive
 * (the OCI image layout, blobs as stored). Loading reads Docker's older layout too ({@code ID/layer.tar}).
 *
 * <p>Loading is one pass: every file streams into the content store, digested on the way; names are written
 * only once everything was verified. A failed load deletes the blobs it added.
 */
public final class ImageArchive {
    public enum Format { DOCKER, OCI }

    private static final String REF_NAME = "org.opencontainers.image.ref.name";
    private static final String CONTAINERD_NAME = "io.containerd.image.name";
    private static final long MAX_JSON = 16 << 20;

    private ImageArchive() {}

    // ------------------------------------------------------------------ save

    public static void save(Images images, List<String> refs, OutputStream out, Format format) throws IOException {
        ContentStore content = images.content();
        Path scratch = Files.createDirectories(images.root().resolve("tmp"));
        Set<Digest> written = new HashSet<>();
        List<Map<String, Object>> dockerManifest = new ArrayList<>();
        List<Map<String, Object>> index = new ArrayList<>();
        try (TarArchiveOutputStream tar = new TarArchiveOutputStream(out)) {
            tar.setLongFileMode(TarArchiveOutputStream.LONGFILE_POSIX);
            tar.setBigNumberMode(TarArchiveOutputStream.BIGNUMBER_POSIX);
            file(tar, "oci-layout", Json.write(Json.obj("imageLayoutVersion", "1.0.0")).getBytes(StandardCharsets.UTF_8));
            for (String r : refs) {
                Image img = images.get(r);
                Descriptor config = img.manifest().config();
                blob(tar, content, config.digest(), written);
                List<Descriptor> layers = new ArrayList<>();
                for (Descriptor l : img.manifest().layers()) {
                    if (format == Format.OCI) {
                        blob(tar, content, l.digest(), written);
                        layers.add(l);
                    } else {
                        layers.add(uncompressedBlob(tar, content, l, scratch, written));
                    }
                }
                Descriptor manifest = img.target();
                if (format == Format.DOCKER) {
                    Manifest m = new Manifest(MediaType.OCI_MANIFEST, new Descriptor(MediaType.OCI_CONFIG, config.digest(), config.size()), layers, Map.of());
                    byte[] mb = m.bytes();
                    manifest = new Descriptor(MediaType.OCI_MANIFEST, Digest.sha256(mb), mb.length);
                    bytesBlob(tar, manifest.digest(), mb, written);
                } else {
                    blob(tar, content, manifest.digest(), written);
                }
                List<String> names = requestedNames(img, r);
                for (String n : names.isEmpty() ? List.of("") : names) {
                    Map<String, String> ann = new LinkedHashMap<>();
                    if (!n.isEmpty()) {
                        ImageReference ref = ImageReference.parse(n);
                        ann.put(CONTAINERD_NAME, ref.toString());
                        ann.put(REF_NAME, ref.tag() != null ? ref.tag() : ref.toString());
                    }
                    index.add(manifest.withAnnotations(ann).json());
                }
                dockerManifest.add(Json.obj("Config", "blobs/sha256/" + config.digest().hex(),
                        "RepoTags", names.stream().map(n -> ImageReference.parse(n).familiar()).toList(),
                        "Layers", layers.stream().map(l -> "blobs/sha256/" + l.digest().hex()).toList()));
            }
            file(tar, "index.json", Json.write(Json.obj("schemaVersion", 2, "mediaType", MediaType.OCI_INDEX, "manifests", index)).getBytes(StandardCharsets.UTF_8));
            if (format == Format.DOCKER) file(tar, "manifest.json", Json.write(dockerManifest).getBytes(StandardCharsets.UTF_8));
            tar.finish();
        }
    }

    /** The names to record for an image asked for by {@code asked}: that name if it was one, else all its names. */
    private static List<String> requestedNames(Image img, String asked) {
        try {
            String full = ImageReference.parse(asked).toString();
            if (img.names().contains(full)) return List.of(full);
        } catch (IllegalArgumentException byId) {
            // an id: every name
        }
        return img.names();
    }

    private static void file(TarArchiveOutputStream tar, String name, byte[] data) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(data.length);
        e.setMode(0644);
        tar.putArchiveEntry(e);
        tar.write(data);
        tar.closeArchiveEntry();
    }

    private static void bytesBlob(TarArchiveOutputStream tar, Digest d, byte[] data, Set<Digest> written) throws IOException {
        if (written.add(d)) file(tar, "blobs/sha256/" + d.hex(), data);
    }

    private static void blob(TarArchiveOutputStream tar, ContentStore content, Digest d, Set<Digest> written) throws IOException {
        if (!written.add(d)) return;
        copy(tar, "blobs/sha256/" + d.hex(), content.path(d));
    }

    private static void copy(TarArchiveOutputStream tar, String name, Path file) throws IOException {
        TarArchiveEntry e = new TarArchiveEntry(name);
        e.setSize(Files.size(file));
        e.setMode(0644);
        tar.putArchiveEntry(e);
        Files.copy(file, tar);
        tar.closeArchiveEntry();
    }

    /** A layer as an uncompressed tar (its digest is then its diff id), as docker's format wants. */
    private static Descriptor uncompressedBlob(TarArchiveOutputStream tar, ContentStore content, Descriptor layer, Path scratch,
                                               Set<Digest> written) throws IOException {
        MediaType.Compression c = MediaType.compression(layer.mediaType());
        if (c == MediaType.Compression.NONE) {
            blob(tar, content, layer.digest(), written);
            return new Descriptor(MediaType.OCI_LAYER, layer.digest(), layer.size());
        }
        Path tmp = Files.createTempFile(scratch, "layer", ".tar");
        try {
            MessageDigest md = Digest.sha256();
            try (InputStream in = new DigestInputStream(Compression.decompress(new BufferedInputStream(content.open(layer.digest()), 1 << 16), c), md)) {
                Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
            }
            Digest diffId = Digest.of(md);
            long size = Files.size(tmp);
            if (written.add(diffId)) copy(tar, "blobs/sha256/" + diffId.hex(), tmp);
            return new Descriptor(MediaType.OCI_LAYER, diffId, size);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    // ------------------------------------------------------------------ load

    /** A file of the archive, now a blob: where it came from and what it is. */
    private record Stored(Digest digest, long size) {}

    /** Loads every image in the archive; docker's lines ("Loaded image: busybox:latest"). */
    public static List<String> load(Images images, InputStream in) throws IOException {
        ContentStore content = images.content();
        Set<Digest> before = new HashSet<>(content.list());
        Map<String, Stored> files = new HashMap<>();
        Map<String, String> links = new HashMap<>();
        Map<String, byte[]> json = new HashMap<>();
        try {
            TarArchiveInputStream tar = new TarArchiveInputStream(new BufferedInputStream(in, 1 << 16));
            for (TarArchiveEntry e; (e = tar.getNextEntry()) != null; ) {
                String name = clean(e.getName());
                if (name.isEmpty() || e.isDirectory()) continue;
                if (e.isSymbolicLink()) {
                    links.put(name, clean(resolveLink(name, e.getLinkName())));
                } else if (e.isLink()) {
                    links.put(name, clean(e.getLinkName()));
                } else if (e.isFile()) {
                    Digest d;
                    if (name.endsWith(".json") || name.equals("repositories") || name.equals("oci-layout")) {
                        if (e.getSize() > MAX_JSON) throw new IOException("archive entry " + name + ": too large (" + e.getSize() + " bytes)");
                        byte[] b = tar.readAllBytes();
                        json.put(name, b);
                        d = content.put(b, null);
                    } else {
                        try (ContentStore.Writer w = content.writer("load-" + name + "-" + System.nanoTime())) {
                            tar.transferTo(w.stream());
                            d = w.commit(e.getSize(), null);
                        }
                    }
                    files.put(name, new Stored(d, e.getSize())); // recorded first: a refused blob is cleaned up too
                    verifyBlobName(name, d);
                }
            }
            return json.containsKey("manifest.json")
                    ? loadDocker(images, json, files, links)
                    : loadOci(images, json, files, links);
        } finally {
            // What this load added and no name reaches (the archive's own manifest.json, or everything after a
            // failure) goes again: the store is as it was, plus the loaded images.
            Set<Digest> keep = images.reachable();
            for (Stored s : files.values()) {
                if (!before.contains(s.digest()) && !keep.contains(s.digest())) content.delete(s.digest());
            }
        }
    }

    private static String resolveLink(String name, String target) {
        if (target.startsWith("/")) return target;
        int slash = name.lastIndexOf('/');
        return (slash < 0 ? "" : name.substring(0, slash + 1)) + target;
    }

    /** Archive paths are names, never followed on disk; "./x" and "x" are the same; ".." is refused. */
    static String clean(String name) throws IOException {
        String n = name;
        while (n.startsWith("./")) n = n.substring(2);
        while (n.startsWith("/")) n = n.substring(1);
        List<String> parts = new ArrayList<>();
        for (String p : n.split("/")) {
            if (p.isEmpty() || p.equals(".")) continue;
            if (p.equals("..")) {
                if (parts.isEmpty()) throw new IOException("archive entry \"" + name + "\": path escapes the archive");
                parts.removeLast();
            } else {
                parts.add(p);
            }
        }
        return String.join("/", parts);
    }

    /** A file named blobs/sha256/HEX must have that digest. */
    private static void verifyBlobName(String name, Digest actual) throws IOException {
        if (name.startsWith("blobs/sha256/")) {
            String hex = name.substring("blobs/sha256/".length());
            if (!hex.equals(actual.hex())) throw new IOException("archive entry " + name + ": digest mismatch, content is " + actual);
        }
    }

    private static Stored stored(Map<String, Stored> files, Map<String, String> links, String path) throws IOException {
        String p = clean(path);
        for (int hops = 0; links.containsKey(p) && hops < 16; hops++) p = links.get(p);
        Stored s = files.get(p);
        if (s == null) throw new IOException("archive: " + path + " is referenced but missing");
        return s;
    }

    private static List<String> loadDocker(Images images, Map<String, byte[]> json, Map<String, Stored> files, Map<String, String> links) throws IOException {
        ContentStore content = images.content();
        List<String> out = new ArrayList<>();
        List<Object> entries = jsonArray(json.get("manifest.json"));
        record Pending(List<String> tags, Descriptor target) {}
        List<Pending> pending = new ArrayList<>();
        for (int i = 0; i < entries.size(); i++) {
            JsonObject e = Json.parseObject(Json.write(entries.get(i)), "manifest.json[" + i + "]");
            Stored cfg = stored(files, links, e.requireString("Config"));
            ImageConfig config = ImageConfig.parse(content.read(cfg.digest()), e.string("Config"));
            List<String> layerPaths = e.strings("Layers");
            if (layerPaths.size() != config.diffIds().size()) {
                throw new IOException("manifest.json[" + i + "]: " + layerPaths.size() + " layers but the config lists " + config.diffIds().size());
            }
            List<Descriptor> layers = new ArrayList<>();
            for (int l = 0; l < layerPaths.size(); l++) {
                Stored s = stored(files, links, layerPaths.get(l));
                layers.add(layerDescriptor(content, s, config.diffIds().get(l), layerPaths.get(l)));
            }
            Descriptor target = images.storeManifest(new Descriptor(MediaType.OCI_CONFIG, cfg.digest(), cfg.size()), layers);
            pending.add(new Pending(e.strings("RepoTags"), target));
        }
        for (Pending p : pending) {
            if (p.tags().isEmpty()) {
                images.names().putDangling(p.target());
                out.add("Loaded image ID: " + images.load(p.target()).id());
            }
            for (String t : p.tags()) {
                images.names().put(ImageReference.parse(t), p.target());
                out.add("Loaded image: " + ImageReference.parse(t).familiar());
            }
        }
        return out;
    }

    /** Checks a layer's diff id against the config's and describes it by its compression. */
    private static Descriptor layerDescriptor(ContentStore content, Stored s, Digest expectedDiffId, String path) throws IOException {
        MediaType.Compression c;
        MessageDigest md = Digest.sha256();
        try (InputStream raw = new BufferedInputStream(content.open(s.digest()), 1 << 16)) {
            c = Compression.detect(raw);
            try (InputStream in = new DigestInputStream(Compression.decompress(raw, c), md)) {
                in.transferTo(OutputStream.nullOutputStream());
            }
        }
        Digest diffId = Digest.of(md);
        if (!diffId.equals(expectedDiffId)) {
            throw new IOException("archive layer " + path + ": its content (" + diffId + ") is not the layer the config lists (" + expectedDiffId + ")");
        }
        return new Descriptor(Compression.ociLayerType(c), s.digest(), s.size());
    }

    private static List<String> loadOci(Images images, Map<String, byte[]> json, Map<String, Stored> files, Map<String, String> links) throws IOException {
        if (!json.containsKey("index.json")) throw new IOException("not an image archive: it has neither manifest.json (docker) nor index.json (OCI)");
        ContentStore content = images.content();
        Index idx = Index.parse(json.get("index.json"), MediaType.OCI_INDEX, "index.json");
        List<String> out = new ArrayList<>();
        for (Descriptor d : idx.manifests()) {
            Descriptor target = d;
            if (!content.has(d.digest())) throw new IOException("index.json: manifest " + d.digest() + " is missing from the archive");
            if (MediaType.isIndex(d.mediaType())) {
                Index inner = Index.parse(content.read(d.digest()), d.mediaType(), d.digest().toString());
                target = inner.select(Platform.host()).orElseThrow(() -> new IOException("index " + d.digest() + " has no manifest for " + Platform.host()));
            }
            Manifest m = Manifest.parse(content.read(target.digest()), target.mediaType(), target.digest().toString());
            for (Descriptor l : m.layers()) {
                if (!content.has(l.digest())) throw new IOException("manifest " + target.digest() + ": layer " + l.digest() + " is missing from the archive");
            }
            if (!content.has(m.config().digest())) throw new IOException("manifest " + target.digest() + ": config is missing from the archive");
            Descriptor plain = new Descriptor(target.mediaType(), target.digest(), target.size());
            String name = d.annotations().getOrDefault(CONTAINERD_NAME, d.annotations().get(REF_NAME));
            ImageReference ref = null;
            if (name != null && (name.contains("/") || name.contains(":"))) ref = ImageReference.parse(name);
            if (ref == null) {
                images.names().putDangling(plain);
                out.add("Loaded image ID: " + images.load(plain).id());
            } else {
                images.names().put(ref, plain);
                out.add("Loaded image: " + ref.familiar());
            }
        }
        return out;
    }

    private static List<Object> jsonArray(byte[] b) throws IOException {
        Object v = Json.parse(new String(b, StandardCharsets.UTF_8), "manifest.json");
        if (!(v instanceof List<?> l)) throw new IOException("manifest.json: expected a JSON array");
        @SuppressWarnings("unchecked")
        List<Object> list = (List<Object>) l;
        return list;
    }
}
