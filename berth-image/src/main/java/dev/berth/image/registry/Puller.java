package dev.berth.image.registry;

import dev.berth.image.content.ContentStore;
import dev.berth.image.content.DigestMismatchException;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.image.Index;
import dev.berth.oci.image.Manifest;
import dev.berth.oci.image.MediaType;
import dev.berth.oci.image.Platform;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** One pull: resolve, pick the platform, fetch blobs in parallel (resuming ingests), then store the manifests. */
final class Puller {
    private static final Pattern CONTENT_RANGE = Pattern.compile("bytes\\s+(\\d+)-(\\d+)/(\\d+|\\*)");

    private final RegistryClient client;
    private final Transport transport;
    private final ImageReference ref;
    private final Platform platform;
    private final ContentStore store;
    private final ProgressListener progress;
    private final AtomicInteger fetched = new AtomicInteger();
    private final AtomicInteger present = new AtomicInteger();
    private final AtomicLong bytes = new AtomicLong();

    Puller(RegistryClient client, ImageReference ref, Platform platform, ContentStore store, ProgressListener progress) {
        this.client = client;
        this.transport = client.transport();
        this.ref = ref;
        this.platform = platform;
        this.store = store;
        this.progress = progress;
    }

    RegistryClient.Pulled pull() throws IOException {
        RegistryClient.Resolved top = client.resolve(ref, store);
        Descriptor topDesc = top.descriptor();
        Descriptor manifestDesc = topDesc;
        byte[] manifestBytes = top.bytes();
        if (MediaType.isIndex(topDesc.mediaType())) {
            Index index = parse(() -> Index.parse(top.bytes(), topDesc.mediaType(), "index of " + ref.familiar()));
            Descriptor chosen = index.select(platform).orElseThrow(() -> noPlatform(index));
            if (!MediaType.isManifest(chosen.mediaType())) {
                throw new RegistryException("index of " + ref.familiar() + ": the entry for " + platform + " is a " + chosen.mediaType()
                        + ", not an image manifest");
            }
            manifestBytes = store.has(chosen.digest()) ? store.read(chosen.digest())
                    : client.fetchManifest(ref, ref.repository(), chosen.digest().toString(), chosen.digest()).bytes();
            if (manifestBytes.length != chosen.size()) {
                throw new RegistryException("manifest " + chosen.digest() + " of " + ref.familiar() + ": size mismatch: the index says "
                        + chosen.size() + " bytes, got " + manifestBytes.length);
            }
            manifestDesc = chosen;
        }
        byte[] mb = manifestBytes;
        String type = manifestDesc.mediaType();
        Manifest manifest = parse(() -> Manifest.parse(mb, type, "manifest of " + ref.familiar()));

        Map<Digest, Descriptor> blobs = new LinkedHashMap<>();
        blobs.put(manifest.config().digest(), manifest.config());
        for (Descriptor l : manifest.layers()) blobs.putIfAbsent(l.digest(), l);
        progress.manifest(manifest);
        List<Parallel.Task> tasks = new ArrayList<>();
        for (Descriptor d : blobs.values()) tasks.add(() -> fetch(d));
        Parallel.run(tasks, client.options().parallelism());

        store.put(manifestBytes, manifestDesc.digest());
        if (manifestDesc != topDesc) store.put(top.bytes(), topDesc.digest());
        return new RegistryClient.Pulled(topDesc, manifestDesc, manifest, fetched.get(), present.get(), bytes.get());
    }

    private interface Parse<T> {
        T get();
    }

    private static <T> T parse(Parse<T> p) throws RegistryException {
        try {
            return p.get();
        } catch (IllegalArgumentException e) { // JsonException included
            throw new RegistryException(e.getMessage());
        }
    }

    private RegistryException noPlatform(Index index) {
        List<String> available = index.manifests().stream().filter(d -> d.platform() != null).map(d -> d.platform().toString())
                .distinct().toList();
        return new RegistryException("no manifest for " + platform + " in " + ref.familiar() + " (available: "
                + (available.isEmpty() ? "none" : String.join(", ", available)) + ")");
    }

    /** Downloads one blob into the store unless it is there; resumes a previous partial download. */
    private void fetch(Descriptor d) throws IOException {
        Digest digest = d.digest();
        if (store.has(digest)) {
            present.incrementAndGet();
            progress.exists(digest, d.size());
            return;
        }
        if (!digest.algorithm().equals("sha256")) throw new RegistryException("blob " + digest + " of " + ref.familiar() + ": only sha256 digests are supported");
        progress.started(digest, d.size());
        String ingest = "pull-" + digest;
        ContentStore.Writer w = store.writer(ingest);
        boolean finished = false;
        try {
            for (int attempt = 0; ; attempt++) {
                long offset = w.offset();
                if (offset > d.size()) { // not this blob's bytes: start over
                    w.abort();
                    w = store.writer(ingest);
                    continue;
                }
                if (offset == d.size()) break;
                if (offset > 0) progress.resumed(digest, offset);
                HttpResponse<InputStream> r = get(d, offset);
                int s = r.statusCode();
                boolean rangeOk = s == 206 && offset > 0 && rangeStart(r) == offset;
                if (s == 200 || rangeOk) {
                    if (s == 200 && offset > 0) { // the server ignored Range: take the whole blob
                        w.abort();
                        w = store.writer(ingest);
                        offset = 0;
                    }
                    copy(r, w, offset, d);
                    break;
                }
                Transport.discard(r);
                if (attempt >= 2) throw new RegistryException("blob " + digest + " of " + ref.familiar() + ": the registry answers Range requests wrongly (HTTP " + s + ")");
                w.abort(); // 416 or a 206 for another range: once more from 0, without Range
                w = store.writer(ingest);
            }
            try {
                finished = true;
                w.commit(d.size(), digest);
            } catch (DigestMismatchException e) {
                String what = "blob " + digest + ": ";
                String why = e.getMessage().startsWith(what) ? e.getMessage().substring(what.length()) : e.getMessage();
                throw new RegistryException("blob " + digest + " from " + ref.familiarRepository() + " was rejected: " + why, 0, "DIGEST_INVALID", e);
            }
        } finally {
            // After a failed or cancelled transfer the partial data stays for the next pull to resume; an empty ingest goes.
            if (!finished && w.offset() == 0) w.abort();
            else w.close();
        }
        fetched.incrementAndGet();
        progress.done(digest);
    }

    private static long rangeStart(HttpResponse<InputStream> r) {
        Matcher m = CONTENT_RANGE.matcher(r.headers().firstValue("Content-Range").orElse(""));
        return m.matches() ? Long.parseLong(m.group(1)) : -1;
    }

    /** GET of the blob, from {@code offset} with a Range header when it is not 0; 404 and other failures throw. */
    private HttpResponse<InputStream> get(Descriptor d, long offset) throws IOException {
        URI uri = transport.url(ref.repository() + "/blobs/" + d.digest());
        Map<String, String> headers = offset > 0 ? Map.of("Range", "bytes=" + offset + "-") : Map.of();
        HttpResponse<InputStream> r = transport.send(new Transport.Call("GET", uri, headers, null, -1, RegistryClient.pullScope(ref.repository()),
                RegistryClient.pullAccess(ref), true, null));
        int s = r.statusCode();
        if (s == 404) {
            Transport.ErrorInfo info = Transport.errorInfo(r);
            throw new RegistryException("blob " + d.digest() + " of " + ref.familiar() + " not found in the registry", 404,
                    info != null ? info.code() : "BLOB_UNKNOWN", null);
        }
        if (s != 200 && s != 206 && s != 416) throw Transport.failure(r, "fetching blob " + d.digest() + " of " + ref.familiarRepository());
        return r;
    }

    /** Streams the body into the writer, at most the blob's size; more bytes than that is an error. */
    private void copy(HttpResponse<InputStream> r, ContentStore.Writer w, long offset, Descriptor d) throws IOException {
        long remaining = d.size() - offset;
        try (InputStream in = r.body()) {
            OutputStream out = w.stream();
            byte[] buf = new byte[1 << 17];
            long done = offset;
            while (remaining > 0) {
                int n = in.read(buf, 0, (int) Math.min(buf.length, remaining));
                if (n < 0) break;
                out.write(buf, 0, n);
                remaining -= n;
                done += n;
                bytes.addAndGet(n);
                progress.progress(d.digest(), done);
            }
            if (remaining == 0 && in.read() >= 0) {
                w.abort();
                throw new RegistryException("blob " + d.digest() + " from " + ref.familiarRepository() + " was rejected: size mismatch: expected "
                        + d.size() + " bytes, got more", 0, "SIZE_INVALID", null);
            }
        }
    }
}
