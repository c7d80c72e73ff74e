package dev.berth.api;

import dev.berth.api.http.StreamWriter;
import dev.berth.image.Image;
import dev.berth.image.Images;
import dev.berth.image.snapshot.Snapshots;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.Manifest;
import dev.berth.oci.image.MediaType;
import dev.berth.oci.json.Json;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * docker's JSON progress messages for a pull or a push, from the registry client's per-blob events: per layer
 * (the config blob is not shown, as in docker) "Pulling fs layer", "Downloading" with progressDetail and a bar,
 * "Verifying Checksum", "Download complete", then "Extracting" and "Pull complete" while the layers are
 * unpacked; for a push "Preparing", "Waiting", "Pushing", "Pushed" or "Layer already exists". Byte counts are
 * sent at most every 100 ms per layer (and at the end). The client leaving does not stop the transfer.
 */
final class TransferProgress implements dev.berth.image.registry.ProgressListener {
    private static final long INTERVAL_NS = 100_000_000L;

    private final StreamWriter w;
    private final boolean push;
    private final Images images;
    private final Map<Digest, Long> sizes = new ConcurrentHashMap<>();
    private final Map<Digest, Long> lastSent = new ConcurrentHashMap<>();
    private final Set<Digest> downloaded = ConcurrentHashMap.newKeySet();

    private TransferProgress(StreamWriter w, boolean push, Images images) {
        this.w = w;
        this.push = push;
        this.images = images;
    }

    static TransferProgress pull(StreamWriter w, Images images) {
        return new TransferProgress(w, false, images);
    }

    static TransferProgress push(StreamWriter w) {
        return new TransferProgress(w, true, null);
    }

    private void send(Digest d, String status) {
        send(d, status, Map.of(), null);
    }

    private void send(Digest d, String status, Map<String, Object> detail, String bar) {
        try {
            w.writeJson(bar == null ? Json.obj("status", status, "progressDetail", detail, "id", d.shortHex())
                    : Json.obj("status", status, "progressDetail", detail, "progress", bar, "id", d.shortHex()));
        } catch (IOException ignored) {
            // the client left: the transfer goes on
        }
    }

    @Override
    public void manifest(Manifest manifest) {
        for (Descriptor l : manifest.layers()) {
            if (sizes.putIfAbsent(l.digest(), l.size()) != null) continue;
            if (push) {
                send(l.digest(), "Preparing");
            } else {
                if (!images.content().has(l.digest())) send(l.digest(), "Pulling fs layer"); // the ones it has get "Already exists"
            }
        }
        if (push) for (Descriptor l : manifest.layers()) send(l.digest(), "Waiting");
    }

    @Override
    public void started(Digest d, long size) {
    }

    @Override
    public void progress(Digest d, long bytes) {
        Long total = sizes.get(d);
        if (total == null) return; // the config
        if (!due(d, bytes >= total)) return;
        send(d, push ? "Pushing" : "Downloading", Json.obj("current", bytes, "total", total), bar(bytes, total));
    }

    /** True when this layer's last byte count went out 100 ms ago or more, or {@code last}. */
    private boolean due(Digest d, boolean last) {
        long now = System.nanoTime();
        Long before = lastSent.get(d);
        if (!last && before != null && now - before < INTERVAL_NS) return false;
        lastSent.put(d, now);
        return true;
    }

    @Override
    public void done(Digest d) {
        if (!sizes.containsKey(d)) return;
        if (push) {
            send(d, "Pushed");
        } else {
            downloaded.add(d);
            send(d, "Verifying Checksum");
            send(d, "Download complete");
        }
    }

    @Override
    public void exists(Digest d, long size) {
        if (sizes.containsKey(d)) send(d, push ? "Layer already exists" : "Already exists");
    }

    @Override
    public void mounted(Digest d, String fromRepository) {
        if (sizes.containsKey(d)) send(d, "Mounted from " + fromRepository);
    }

    /**
     * After a pull: unpacks the image's layers into snapshots (what a container's create would do anyway), each
     * downloaded layer with "Extracting" (compressed bytes read of its size) and "Pull complete".
     */
    void extract(Snapshots snapshots, Image img) throws IOException {
        List<Descriptor> layers = img.manifest().layers();
        List<Digest> diffIds = img.config().diffIds();
        if (layers.size() != diffIds.size()) throw new IOException(layers.size() + " layers but " + diffIds.size() + " diff ids in the image config");
        Digest chain = null;
        for (int i = 0; i < layers.size(); i++) {
            Descriptor l = layers.get(i);
            boolean shown = downloaded.contains(l.digest());
            lastSent.remove(l.digest());
            chain = snapshots.ensureLayer(chain, diffIds.get(i), MediaType.compression(l.mediaType()), () -> {
                InputStream in = images.content().open(l.digest());
                return !shown ? in : new FilterInputStream(in) {
                    long read;

                    @Override
                    public int read() throws IOException {
                        int b = super.read();
                        if (b >= 0) count(1);
                        return b;
                    }

                    @Override
                    public int read(byte[] b, int off, int len) throws IOException {
                        int n = super.read(b, off, len);
                        if (n > 0) count(n);
                        return n;
                    }

                    private void count(int n) {
                        read += n;
                        if (due(l.digest(), read >= l.size())) send(l.digest(), "Extracting", Json.obj("current", read, "total", l.size()), bar(read, l.size()));
                    }
                };
            }).chainId();
            if (shown) send(l.digest(), "Pull complete");
        }
    }

    /** docker's bar (jsonmessage.JSONProgress): 50 columns and "current/total" in decimal units. */
    static String bar(long current, long total) {
        int filled = (int) Math.min(50, total <= 0 ? 0 : (current * 100 / total) / 2);
        return "[" + "=".repeat(filled) + ">" + " ".repeat(50 - filled) + "] " + String.format("%8s", human(current)) + "/" + human(total);
    }

    /** go-units HumanSize: 4 significant digits, units of 1000 (B, kB, MB, GB, TB). */
    static String human(long bytes) {
        String[] units = {"B", "kB", "MB", "GB", "TB", "PB"};
        double v = bytes;
        int u = 0;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return new BigDecimal(v).round(new MathContext(4)).stripTrailingZeros().toPlainString() + units[u];
    }
}
