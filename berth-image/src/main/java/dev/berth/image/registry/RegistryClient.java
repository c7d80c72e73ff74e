package dev.berth.image.registry;

import dev.berth.image.content.ContentStore;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.image.Manifest;
import dev.berth.oci.image.MediaType;
import dev.berth.oci.image.Platform;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonException;
import dev.berth.oci.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A client for one registry (OCI distribution spec v1.1, which Docker's registry API v2 is): resolves names to
 * manifests, pulls images into a {@link ContentStore} and pushes them from it. One instance per registry host; it
 * keeps its connections and tokens, is safe for concurrent use, and should be closed.
 */
public final class RegistryClient implements AutoCloseable {
    /** Accept header for manifests: OCI index and manifest, Docker manifest list and manifest v2. */
    static final String MANIFEST_ACCEPT = String.join(", ", MediaType.OCI_INDEX, MediaType.OCI_MANIFEST, MediaType.DOCKER_LIST,
            MediaType.DOCKER_MANIFEST);
    private static final int MAX_MANIFEST = 4 << 20;

    /** What a name points at: the descriptor of its manifest or index and the raw bytes. */
    public record Resolved(Descriptor descriptor, byte[] bytes) {}

    /**
     * A finished pull. {@code top} is what the name resolved to (an index or a manifest), {@code manifest} the
     * platform's manifest: the descriptor to tag.
     */
    public record Pulled(Descriptor top, Descriptor manifest, Manifest image, int blobsFetched, int blobsPresent, long bytesFetched) {}

    /** A finished push: blobs uploaded, found already there, mounted from another repository. */
    public record Pushed(Descriptor top, int blobsPushed, int blobsExisting, int blobsMounted, long bytesPushed) {}

    private final String registry;
    private final RegistryOptions options;
    private final Transport transport;

    public RegistryClient(String registry, RegistryOptions options) throws IOException {
        this.registry = registry;
        this.options = options;
        this.transport = new Transport(registry, options);
    }

    /** A client with the default options and the logins of docker's config.json. */
    public static RegistryClient create(String registry) throws IOException {
        return new RegistryClient(registry, RegistryOptions.defaults().withCredentials(Credentials.load()));
    }

    public String registry() {
        return registry;
    }

    RegistryOptions options() {
        return options;
    }

    Transport transport() {
        return transport;
    }

    /** Checks that the registry answers GET /v2/ with this client's credentials (what {@code login} verifies). */
    public void ping() throws IOException {
        HttpResponse<InputStream> r = transport.send(new Transport.Call("GET", transport.base(), Map.of(), null, -1, List.of(),
                "access to " + registry, true, Transport.SHORT));
        if (r.statusCode() != 200) throw Transport.failure(r, "GET /v2/ on " + registry);
        Transport.discard(r);
    }

    /** The descriptor and bytes of the manifest or index a reference names (HEAD for the digest, then GET). */
    public Resolved resolve(ImageReference ref) throws IOException {
        return resolve(ref, null);
    }

    /** Resolves; when {@code store} already holds the digest the registry reports, its bytes are read from there. */
    Resolved resolve(ImageReference ref, ContentStore store) throws IOException {
        check(ref);
        String reference = ref.digest() != null ? ref.digest().toString() : ref.tag();
        URI uri = transport.url(ref.repository() + "/manifests/" + reference);
        HttpResponse<InputStream> head = transport.send(new Transport.Call("HEAD", uri, Map.of("Accept", MANIFEST_ACCEPT), null, -1,
                pullScope(ref.repository()), pullAccess(ref), true, Transport.SHORT));
        Transport.discard(head);
        if (head.statusCode() == 404) throw notFound(ref, null);
        Digest digest = ref.digest();
        String type = null;
        if (head.statusCode() == 200) {
            String d = head.headers().firstValue("Docker-Content-Digest").orElse(null);
            if (digest == null && d != null && Digest.isDigest(d)) digest = Digest.parse(d);
            type = mediaType(head.headers().firstValue("Content-Type").orElse(null));
        }
        if (digest != null && type != null && store != null && store.has(digest)) {
            byte[] bytes = store.read(digest);
            return new Resolved(new Descriptor(detectType(bytes, type, ref.familiar()), digest, bytes.length), bytes);
        }
        return fetchManifest(ref, ref.repository(), digest != null ? digest.toString() : reference, digest);
    }

    /** GETs a manifest or index and checks its digest when one is expected. */
    Resolved fetchManifest(ImageReference ref, String repository, String reference, Digest expected) throws IOException {
        URI uri = transport.url(repository + "/manifests/" + reference);
        HttpResponse<InputStream> r = transport.send(new Transport.Call("GET", uri, Map.of("Accept", MANIFEST_ACCEPT), null, -1,
                pullScope(repository), pullAccess(ref), true, Transport.SHORT));
        if (r.statusCode() == 404) throw notFound(ref, Transport.errorInfo(r));
        if (r.statusCode() != 200) throw Transport.failure(r, "fetching manifest " + reference + " of " + ref.familiarRepository());
        byte[] bytes;
        try (InputStream in = r.body()) {
            bytes = in.readNBytes(MAX_MANIFEST + 1);
        }
        if (bytes.length > MAX_MANIFEST) throw new RegistryException("manifest " + reference + " of " + ref.familiarRepository() + " is larger than 4 MiB");
        Digest actual = Digest.sha256(bytes);
        if (expected != null && !expected.equals(actual)) {
            throw new RegistryException("manifest " + reference + " of " + ref.familiarRepository() + ": digest mismatch: expected "
                    + expected + ", got " + actual);
        }
        String type = detectType(bytes, mediaType(r.headers().firstValue("Content-Type").orElse(null)), ref.familiar());
        return new Resolved(new Descriptor(type, actual, bytes.length), bytes);
    }

    /**
     * Pulls an image: the index (if the name points at one), the platform's manifest, its config and its layers,
     * all verified. Layers move in parallel; blobs the store has are skipped; an interrupted blob resumes from its
     * ingest ("pull-DIGEST") with a Range request. Children are stored before their parents, so a manifest in the
     * store always has its blobs. {@code platform} null means linux/amd64.
     */
    public Pulled pull(ImageReference ref, Platform platform, ContentStore store, ProgressListener progress) throws IOException {
        return new Puller(this, ref, platform == null ? Platform.LINUX_AMD64 : platform, store,
                progress == null ? ProgressListener.NONE : progress).pull();
    }

    /** Pushes an image (a manifest, or an index and its manifests) from the store and tags it as {@code ref}. */
    public Pushed push(ImageReference ref, Descriptor manifestOrIndex, ContentStore store, ProgressListener progress) throws IOException {
        return push(ref, manifestOrIndex, store, progress, null);
    }

    /**
     * Pushes, first trying to mount each missing blob from {@code mountFrom} (another repository of this registry that
     * has it) instead of uploading it; null for no mounting.
     */
    public Pushed push(ImageReference ref, Descriptor manifestOrIndex, ContentStore store, ProgressListener progress, String mountFrom)
            throws IOException {
        check(ref);
        return new Pusher(this, ref, manifestOrIndex, store, progress == null ? ProgressListener.NONE : progress, mountFrom).push();
    }

    private void check(ImageReference ref) {
        if (!ref.registry().equalsIgnoreCase(registry)) {
            throw new IllegalArgumentException(ref.familiar() + " is on registry " + ref.registry() + ", not " + registry);
        }
    }

    static List<String> pullScope(String repository) {
        return List.of("repository:" + repository + ":pull");
    }

    static String pullAccess(ImageReference ref) {
        return "pull access to " + ref.familiarRepository();
    }

    static RegistryException notFound(ImageReference ref, Transport.ErrorInfo info) {
        return new RegistryException("manifest for " + ref.familiar() + " not found", 404, info != null ? info.code() : "MANIFEST_UNKNOWN", null);
    }

    /** A Content-Type without its parameters, or null. */
    static String mediaType(String contentType) {
        if (contentType == null) return null;
        int semi = contentType.indexOf(';');
        return (semi >= 0 ? contentType.substring(0, semi) : contentType).trim().toLowerCase(Locale.ROOT);
    }

    /** The manifest's media type: as served when that is a manifest type, else from its mediaType field or shape. */
    static String detectType(byte[] bytes, String served, String what) throws RegistryException {
        if (served != null && (MediaType.isIndex(served) || MediaType.isManifest(served))) return served;
        try {
            JsonObject o = Json.parseObject(new String(bytes, StandardCharsets.UTF_8), "manifest of " + what);
            if (o.longValue("schemaVersion", 0) == 1) throw new RegistryException("manifest of " + what + " is schema 1, which berth does not support");
            String t = o.string("mediaType");
            if (t != null && (MediaType.isIndex(t) || MediaType.isManifest(t))) return t;
            if (o.has("manifests")) return MediaType.OCI_INDEX;
            if (o.has("config")) return MediaType.OCI_MANIFEST;
            throw new RegistryException("manifest of " + what + " has unsupported media type " + (t != null ? t : served));
        } catch (JsonException e) {
            throw new RegistryException("manifest of " + what + " is not valid JSON: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        transport.close();
    }
}
