package dev.berth.image.registry;

import dev.berth.oci.image.ImageReference;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import javax.net.ssl.SSLException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.UnknownHostException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.channels.UnresolvedAddressException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * HTTP to one registry: picks the scheme, sends requests through the {@link Authorizer}, follows redirects (with no
 * credentials past the registry's origin) and turns transport failures into one-sentence {@link RegistryException}s.
 * Every final 401/403 becomes a "denied" error here, so callers only see the other statuses.
 */
final class Transport implements AutoCloseable {
    static {
        // The JDK client reads sockets 16 KiB at a time by default; layers are megabytes. 256 KiB took a 105 MB pull
        // from 650 ms to about 360 ms here (berth bench image). Read once, when the JDK's client classes load.
        if (System.getProperty("jdk.httpclient.bufsize") == null) System.setProperty("jdk.httpclient.bufsize", Integer.toString(256 << 10));
    }

    static final Duration SHORT = Duration.ofMinutes(2);

    /**
     * One request. {@code body} is called again for each retry; {@code access} ("pull access to H/R") names the
     * request in "denied" errors; {@code timeout} is null for blob transfers, which may take long.
     */
    record Call(String method, URI uri, Map<String, String> headers, Supplier<HttpRequest.BodyPublisher> body, long length,
                List<String> scopes, String access, boolean redirects, Duration timeout) {}

    /** A registry's error answer: its first code and a readable text of all of its errors. */
    record ErrorInfo(String code, String text) {}

    private final String registry;
    private final String apiHost;
    private final RegistryOptions options;
    private final boolean insecure;
    private final HttpClient client;
    private final Authorizer authorizer;
    private volatile URI base;

    Transport(String registry, RegistryOptions options) throws IOException {
        this.registry = registry;
        this.apiHost = registry.equals(ImageReference.DOCKER_HUB) ? "registry-1.docker.io" : registry;
        this.options = options;
        this.insecure = Insecure.matches(registry, options);
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(options.connectTimeout())
                .followRedirects(HttpClient.Redirect.NEVER)
                .sslContext(insecure ? Tls.trustAll() : Tls.verifying(Tls.caFiles(registry, options.certsDirs())))
                .build();
        this.authorizer = new Authorizer(options.credentials().get(registry).orElse(null), this);
    }

    String registry() {
        return registry;
    }

    boolean insecure() {
        return insecure;
    }

    /** {@code scheme://host/v2/}, chosen on first use. */
    URI base() throws IOException {
        URI b = base;
        if (b != null) return b;
        synchronized (this) {
            if (base == null) base = chooseBase();
            return base;
        }
    }

    /** A URL under /v2/, e.g. {@code url("app/manifests/1")}. */
    URI url(String path) throws IOException {
        return URI.create(base() + path);
    }

    /**
     * Secure registries: HTTPS only. Insecure ones: plain HTTP when /v2/ answers there (a TLS port answers 400),
     * else HTTPS without certificate checks. HTTP is asked first because a TLS hello sent to some plain servers
     * gets no answer at all.
     */
    private URI chooseBase() throws IOException {
        URI https = URI.create("https://" + apiHost + "/v2/");
        if (!insecure) return https;
        URI http = URI.create("http://" + apiHost + "/v2/");
        RegistryException httpFailure = null;
        try {
            HttpResponse<InputStream> r = exchange(HttpRequest.newBuilder(http).GET().timeout(SHORT).build(), registry);
            discard(r);
            if (r.statusCode() != 400) return http;
        } catch (RegistryException e) {
            if (refused(e)) throw e;
            httpFailure = e;
        }
        try {
            discard(exchange(HttpRequest.newBuilder(https).GET().timeout(SHORT).build(), registry));
            return https;
        } catch (RegistryException e) {
            if (httpFailure != null) throw httpFailure;
            return http; // HTTP answered (400) and HTTPS did not: the 400 was real; later requests report what they get
        }
    }

    /** Sends a call: authorization, one retry after a challenge, redirects; 401/403 end in a "denied" error. */
    HttpResponse<InputStream> send(Call c) throws IOException {
        URI uri = c.uri();
        String method = c.method();
        boolean own = true, retried = false;
        for (int hops = 0; ; ) {
            HttpRequest.Builder b = HttpRequest.newBuilder(uri);
            if (c.timeout() != null) b.timeout(c.timeout());
            HttpRequest.BodyPublisher body = c.body() == null || c.length() == 0 || !method.equals(c.method()) ? HttpRequest.BodyPublishers.noBody()
                    : c.length() > 0 ? HttpRequest.BodyPublishers.fromPublisher(c.body().get(), c.length()) : c.body().get();
            b.method(method, body);
            c.headers().forEach(b::header);
            String authz = own ? authorizer.header(c.scopes()) : null;
            if (authz != null) b.header("Authorization", authz);
            HttpResponse<InputStream> r = exchange(b.build(), own ? registry : uri.getAuthority());
            int s = r.statusCode();
            if (s == 401 && own && !retried) {
                List<Challenge> challenges = Challenge.parse(r.headers().allValues("WWW-Authenticate"));
                ErrorInfo info = errorInfo(r);
                Authorizer.Outcome o = authorizer.onChallenge(challenges, c.scopes(), authz);
                if (o == Authorizer.Outcome.RETRY) {
                    retried = true;
                    continue;
                }
                throw denied(c, s, info);
            }
            if ((s == 401 || s == 403) && own) throw denied(c, s, errorInfo(r));
            String location = r.headers().firstValue("Location").orElse(null);
            if (c.redirects() && location != null && (s == 301 || s == 302 || s == 303 || s == 307 || s == 308)) {
                discard(r);
                if (++hops > 10) throw new RegistryException(c.access() + ": too many redirects");
                uri = uri.resolve(location);
                own = sameOrigin(uri, base());
                if (s == 303) method = "GET";
                continue;
            }
            return r;
        }
    }

    private static boolean sameOrigin(URI a, URI b) {
        return Objects.equals(a.getScheme(), b.getScheme()) && Objects.equals(a.getHost(), b.getHost()) && port(a) == port(b);
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : "https".equals(u.getScheme()) ? 443 : 80;
    }

    private RegistryException denied(Call c, int status, ErrorInfo info) {
        Credentials.Auth a = authorizer.credentials();
        String hint = " (run berth login " + registry + ")";
        String why;
        if (status == 403) why = (info != null ? info.text() : "forbidden") + (a == null ? hint : "");
        else if (a == null) why = "authentication required" + hint;
        else if ("insufficient_scope".equals(authorizer.lastError())) why = "the login " + a.username() + " lacks permission (insufficient_scope)";
        else why = "the registry rejected the credentials of " + a.username() + hint;
        return new RegistryException(c.access() + " denied: " + why, status, info != null ? info.code() : null, null);
    }

    /** One HTTP exchange; failures to connect become "cannot reach" errors naming {@code target}. */
    HttpResponse<InputStream> exchange(HttpRequest req, String target) throws IOException {
        try {
            return client.send(req, HttpResponse.BodyHandlers.ofInputStream());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException(target + ": interrupted");
        } catch (IOException e) {
            throw unreachable(e, target, "https".equals(req.uri().getScheme()));
        }
    }

    private RegistryException unreachable(IOException e, String target, boolean tls) {
        for (Throwable x = e; x != null; x = x.getCause()) {
            if (x instanceof SSLException && tls && !insecure) {
                return new RegistryException(target + ": TLS handshake failed: " + Tls.reason(x) + " (add its CA to "
                        + options.caHint(target) + " or mark it insecure)", 0, null, e);
            }
            if (x instanceof HttpTimeoutException) return new RegistryException("cannot reach registry " + target + ": timed out", 0, null, e);
            if (x instanceof UnknownHostException || x instanceof UnresolvedAddressException) {
                return new RegistryException("cannot reach registry " + target + ": unknown host", 0, null, e);
            }
        }
        if (refused(e)) return new RegistryException("cannot reach registry " + target + ": connection refused", 0, null, e);
        String msg = e.getMessage();
        for (Throwable x = e; x != null; x = x.getCause()) if (x.getMessage() != null) msg = x.getMessage();
        return new RegistryException("cannot reach registry " + target + ": " + (msg == null ? e.getClass().getSimpleName() : msg), 0, null, e);
    }

    static boolean refused(Throwable e) {
        for (Throwable x = e; x != null; x = x.getCause()) {
            if (x instanceof ConnectException && (x.getMessage() == null || x.getMessage().toLowerCase().contains("refused"))) return true;
            if (x.getMessage() != null && x.getMessage().contains("Connection refused")) return true;
        }
        return false;
    }

    /** Reads and closes a response body (bounded), so the connection can be reused. */
    static void discard(HttpResponse<InputStream> r) {
        try (InputStream in = r.body()) {
            in.readNBytes(1 << 16);
        } catch (IOException ignored) {
            // the connection is dropped instead of reused
        }
    }

    static ErrorInfo errorInfo(HttpResponse<InputStream> r) {
        byte[] body;
        try (InputStream in = r.body()) {
            body = in.readNBytes(1 << 16);
        } catch (IOException e) {
            return null;
        }
        return parseErrors(body);
    }

    /** The {"errors":[{"code","message","detail"}]} of a registry answer, or null when it is not one. */
    static ErrorInfo parseErrors(byte[] body) {
        if (body.length == 0 || body[0] != '{') return null;
        try {
            JsonObject o = Json.parseObject(new String(body, StandardCharsets.UTF_8), "error");
            List<String> parts = new ArrayList<>();
            String first = null;
            for (JsonObject e : o.objects("errors")) {
                String code = e.string("code"), message = e.string("message");
                if (first == null) first = code;
                Object detail = e.map().get("detail");
                String d = detail instanceof String s && !s.isEmpty() ? s : null;
                parts.add((code != null ? code : "error") + (message != null ? ": " + message : "") + (d != null ? " (" + d + ")" : ""));
            }
            return parts.isEmpty() ? null : new ErrorInfo(first, String.join("; ", parts));
        } catch (RuntimeException e) {
            return null;
        }
    }

    /** ": CODE: message" for an error body, or "" when it carries none. */
    static String errorText(byte[] body) {
        ErrorInfo i = parseErrors(body);
        return i == null ? "" : ": " + i.text();
    }

    /** An error for an unexpected answer: "WHAT failed: CODE: message" or "WHAT failed: HTTP 500". */
    static RegistryException failure(HttpResponse<InputStream> r, String what) {
        ErrorInfo i = errorInfo(r);
        return new RegistryException(what + " failed: " + (i != null ? i.text() : "HTTP " + r.statusCode()), r.statusCode(),
                i != null ? i.code() : null, null);
    }

    @Override
    public void close() {
        client.close();
    }
}
