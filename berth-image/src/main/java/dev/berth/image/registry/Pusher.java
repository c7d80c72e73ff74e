package dev.berth.image.registry;

import dev.berth.image.content.BlobNotFoundException;
import dev.berth.image.content.ContentStore;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.image.Index;
import dev.berth.oci.image.Manifest;
import dev.berth.oci.image.MediaType;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

/**
 * One push: blobs first (HEAD to skip, mount when a source repository is given, else POST then one PUT or PATCH
 * chunks and a closing PUT), then the child manifests of an index, then the top manifest under the tag.
 */
final class Pusher {
    private final RegistryClient client;
    private final Transport transport;
    private final ImageReference ref;
    private final Descriptor top;
    private final ContentStore store;
    private final ProgressListener progress;
    private final String mountFrom;
    private final List<String> scopes;
    private final String access;
    private final AtomicInteger pushed = new AtomicInteger();
    private final AtomicInteger existing = new AtomicInteger();
    private final AtomicInteger mounted = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    Pusher(RegistryClient client, ImageReference ref, Descriptor top, ContentStore store, ProgressListener progress, String mountFrom) {
        this.client = client;
        this.transport = client.transport();
        this.ref = ref;
        this.top = top;
        this.store = store;
        this.progress = progress;
        this.mountFrom = mountFrom == null || mountFrom.equals(ref.repository()) ? null : mountFrom;
        List<String> s = new ArrayList<>(List.of("repository:" + ref.repository() + ":pull,push"));
        if (this.mountFrom != null) s.add("repository:" + this.mountFrom + ":pull");
        this.scopes = List.copyOf(s);
        this.access = "push access to " + ref.familiarRepository();
    }

    private record Doc(Descriptor descriptor, byte[] bytes) {}

    RegistryClient.Pushed push() throws IOException {
        if (ref.digest() != null && !ref.digest().equals(top.digest())) {
            throw new IllegalArgumentException("cannot push " + top.digest() + " as " + ref.familiar() + ": the reference names another digest");
        }
        byte[] topBytes = read(top.digest(), "the image " + top.digest());
        String type = top.mediaType() != null ? top.mediaType() : RegistryClient.detectType(topBytes, null, ref.familiar());
        List<Doc> children = new ArrayList<>();
        List<Manifest> manifests = new ArrayList<>();
        try {
            if (MediaType.isIndex(type)) {
                for (Descriptor child : Index.parse(topBytes, type, "index " + top.digest()).manifests()) {
                    if (!MediaType.isManifest(child.mediaType())) throw new RegistryException("cannot push index " + top.digest() + ": entry "
                            + child.digest() + " is a " + child.mediaType() + ", not an image manifest");
                    String what = "manifest " + child.digest() + (child.platform() != null ? " (" + child.platform() + ")" : "") + " of the index";
                    byte[] b = read(child.digest(), what);
                    children.add(new Doc(child, b));
                    manifests.add(Manifest.parse(b, child.mediaType(), what));
                }
            } else if (MediaType.isManifest(type)) {
                manifests.add(Manifest.parse(topBytes, type, "manifest " + top.digest()));
            } else {
                throw new RegistryException("cannot push " + top.digest() + ": " + type + " is not an image manifest or index");
            }
        } catch (IllegalArgumentException e) { // JsonException included
            throw new RegistryException("cannot push " + ref.familiar() + ": " + e.getMessage());
        }
        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        for (Manifest m : manifests) {
            for (Descriptor l : m.layers()) blobs.putIfAbsent(l.digest(), l);
            blobs.putIfAbsent(m.config().digest(), m.config());
        }
        for (Descriptor b : blobs.values()) {
            if (!store.has(b.digest())) throw new RegistryException("cannot push " + ref.familiar() + ": blob " + b.digest() + " is not in the content store");
        }
        for (Manifest m : manifests) progress.manifest(m);
        List<Parallel.Task> tasks = new ArrayList<>();
        for (Descriptor b : blobs.values()) tasks.add(() -> pushBlob(b));
        Parallel.run(tasks, client.options().parallelism());
        for (Doc c : children) putManifest(c.descriptor().digest().toString(), c.descriptor().mediaType(), c.bytes(), c.descriptor().digest());
        putManifest(ref.tag() != null ? ref.tag() : top.digest().toString(), type, topBytes, top.digest());
        return new RegistryClient.Pushed(new Descriptor(type, top.digest(), topBytes.length, top.annotations(), top.platform()),
                pushed.get(), existing.get(), mounted.get(), bytes.get());
    }

    private byte[] read(Digest d, String what) throws IOException {
        try {
            return store.read(d);
        } catch (BlobNotFoundException e) {
            throw new RegistryException("cannot push " + ref.familiar() + ": " + what + " is not in the content store");
        }
    }

    private Transport.Call call(String method, URI uri, Map<String, String> headers, Supplier<HttpRequest.BodyPublisher> body, long length,
                                boolean shortCall) {
        return new Transport.Call(method, uri, headers, body, length, scopes, access, false, shortCall ? Transport.SHORT : null);
    }

    private void pushBlob(Descriptor d) throws IOException {
        Digest digest = d.digest();
        URI blob = transport.url(ref.repository() + "/blobs/" + digest);
        HttpResponse<InputStream> head = transport.send(call("HEAD", blob, Map.of(), null, -1, true));
        Transport.discard(head);
        if (head.statusCode() == 200) {
            existing.incrementAndGet();
            progress.exists(digest, d.size());
            return;
        }
        if (head.statusCode() != 404) throw Transport.failure(head, "checking blob " + digest + " in " + ref.familiarRepository());
        URI uploads = transport.url(ref.repository() + "/blobs/uploads/");
        HttpResponse<InputStream> r;
        if (mountFrom != null) {
            URI mount = URI.create(uploads + "?mount=" + enc(digest.toString()) + "&from=" + enc(mountFrom));
            r = transport.send(call("POST", mount, Map.of(), null, 0, true));
            if (r.statusCode() == 201) {
                Transport.discard(r);
                mounted.incrementAndGet();
                progress.mounted(digest, mountFrom);
                return;
            }
        } else {
            r = transport.send(call("POST", uploads, Map.of(), null, 0, true));
        }
        if (r.statusCode() != 202) throw Transport.failure(r, "starting the upload of blob " + digest + " to " + ref.familiarRepository());
        URI location = location(r, uploads);
        Transport.discard(r);
        progress.started(digest, d.size());
        Path file = store.path(digest);
        long size = d.size();
        if (size <= client.options().chunkThreshold()) {
            r = transport.send(call("PUT", withDigest(location, digest), Map.of("Content-Type", "application/octet-stream"),
                    slice(file, digest, 0, size), size, false));
        } else {
            long chunk = client.options().chunkSize();
            for (long off = 0; off < size; off += chunk) {
                long len = Math.min(chunk, size - off);
                r = transport.send(call("PATCH", location, Map.of("Content-Type", "application/octet-stream",
                        "Content-Range", off + "-" + (off + len - 1)), slice(file, digest, off, len), len, false));
                if (r.statusCode() != 202) throw Transport.failure(r, "uploading blob " + digest + " to " + ref.familiarRepository());
                location = location(r, location);
                Transport.discard(r);
            }
            r = transport.send(call("PUT", withDigest(location, digest), Map.of(), null, 0, true));
        }
        if (r.statusCode() != 201 && r.statusCode() != 204) throw Transport.failure(r, "uploading blob " + digest + " to " + ref.familiarRepository());
        Transport.discard(r);
        pushed.incrementAndGet();
        bytes.addAndGet(size);
        progress.progress(digest, size);
        progress.done(digest);
    }

    private void putManifest(String reference, String mediaType, byte[] body, Digest digest) throws IOException {
        URI uri = transport.url(ref.repository() + "/manifests/" + reference);
        HttpResponse<InputStream> r = transport.send(call("PUT", uri, Map.of("Content-Type", mediaType),
                () -> HttpRequest.BodyPublishers.ofByteArray(body), body.length, true));
        if (r.statusCode() != 201 && r.statusCode() != 200 && r.statusCode() != 202) {
            throw Transport.failure(r, "pushing manifest " + digest + " to " + ref.familiarRepository() + ":" + reference);
        }
        Transport.discard(r);
        String stored = r.headers().firstValue("Docker-Content-Digest").orElse(null);
        if (stored != null && Digest.isDigest(stored) && !Digest.parse(stored).equals(digest)) {
            throw new RegistryException("pushing manifest " + digest + " to " + ref.familiarRepository() + ": the registry stored it as " + stored);
        }
    }

    private static URI location(HttpResponse<InputStream> r, URI base) throws RegistryException {
        String loc = r.headers().firstValue("Location").orElse(null);
        if (loc == null) throw new RegistryException("upload to " + base.getAuthority() + ": the registry sent no Location");
        return r.request().uri().resolve(loc);
    }

    private static URI withDigest(URI location, Digest d) {
        String s = location.toString();
        return URI.create(s + (s.contains("?") ? "&" : "?") + "digest=" + enc(d.toString()));
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    /** A body of {@code len} bytes of the blob's file from {@code off}, reopened for each retry, reporting progress as it is read. */
    private Supplier<HttpRequest.BodyPublisher> slice(Path file, Digest digest, long off, long len) {
        return () -> HttpRequest.BodyPublishers.ofInputStream(() -> {
            try {
                FileChannel ch = FileChannel.open(file, StandardOpenOption.READ);
                ch.position(off);
                InputStream raw = Channels.newInputStream(ch);
                return new FilterInputStream(raw) {
                    long left = len;
                    long sent = off;

                    @Override
                    public int read() throws IOException {
                        byte[] one = new byte[1];
                        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
                    }

                    @Override
                    public int read(byte[] b, int o, int n) throws IOException {
                        if (left <= 0) return -1;
                        int got = super.read(b, o, (int) Math.min(n, left));
                        if (got > 0) {
                            left -= got;
                            sent += got;
                            progress.progress(digest, sent);
                        }
                        return got;
                    }
                };
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }
}
