package dev.berth.image.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * An HTTP proxy in front of a registry on 127.0.0.1 that records every request (method, path, Range, status), can
 * delay blob GETs to observe parallelism, strip Range headers, or let a hook answer instead of the registry.
 */
final class RecordingProxy implements AutoCloseable {
    record Entry(String method, String uri, String range, String contentRange, int status) {}

    /** Answers a request itself (returns true) or lets it through (false). */
    interface Hook {
        boolean handle(HttpExchange ex) throws IOException;
    }

    private static final Set<String> HOP = Set.of("host", "connection", "content-length", "expect", "upgrade", "transfer-encoding",
            "keep-alive", "date");

    final List<Entry> log = new CopyOnWriteArrayList<>();
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger maxInFlight = new AtomicInteger();
    volatile Hook hook;
    volatile Duration blobDelay = Duration.ZERO;
    volatile boolean stripRange;

    private final String target;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();
    private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
            .followRedirects(HttpClient.Redirect.NEVER).build();

    RecordingProxy(String target) throws IOException {
        this.target = target;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        server.createContext("/", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    String address() {
        return "127.0.0.1:" + server.getAddress().getPort();
    }

    List<Entry> requests(String method, String pathPart) {
        return log.stream().filter(e -> e.method().equals(method) && e.uri().contains(pathPart)).toList();
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            Hook h = hook;
            if (h != null && h.handle(ex)) {
                log.add(new Entry(ex.getRequestMethod(), ex.getRequestURI().toString(), ex.getRequestHeaders().getFirst("Range"),
                        ex.getRequestHeaders().getFirst("Content-Range"), ex.getResponseCode()));
                return;
            }
            boolean blobGet = ex.getRequestMethod().equals("GET") && ex.getRequestURI().getPath().contains("/blobs/sha256:");
            if (blobGet) {
                int now = inFlight.incrementAndGet();
                maxInFlight.accumulateAndGet(now, Math::max);
            }
            try {
                if (blobGet && !blobDelay.isZero()) Thread.sleep(blobDelay);
                forward(ex);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                if (blobGet) inFlight.decrementAndGet();
            }
        }
    }

    private void forward(HttpExchange ex) throws IOException, InterruptedException {
        byte[] body;
        try (InputStream in = ex.getRequestBody()) {
            body = in.readAllBytes();
        }
        String method = ex.getRequestMethod();
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://" + target + ex.getRequestURI()))
                .method(method, body.length == 0 ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofByteArray(body));
        String range = ex.getRequestHeaders().getFirst("Range");
        ex.getRequestHeaders().forEach((k, vs) -> {
            String key = k.toLowerCase(Locale.ROOT);
            if (HOP.contains(key) || (stripRange && key.equals("range"))) return;
            for (String v : vs) b.header(k, v);
        });
        HttpResponse<byte[]> r = client.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
        for (Map.Entry<String, List<String>> e : r.headers().map().entrySet()) {
            String key = e.getKey().toLowerCase(Locale.ROOT);
            if (HOP.contains(key) || key.equals(":status")) continue;
            for (String v : e.getValue()) ex.getResponseHeaders().add(e.getKey(), key.equals("location") ? v.replace(target, address()) : v);
        }
        byte[] out = r.body();
        boolean noBody = method.equals("HEAD") || out.length == 0 || r.statusCode() == 204 || r.statusCode() == 304;
        // logged before answering: the client may look at the log as soon as it has the answer
        log.add(new Entry(method, ex.getRequestURI().toString(), range, ex.getRequestHeaders().getFirst("Content-Range"), r.statusCode()));
        ex.sendResponseHeaders(r.statusCode(), noBody ? -1 : out.length);
        if (!noBody) ex.getResponseBody().write(out);
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        client.close();
    }
}
