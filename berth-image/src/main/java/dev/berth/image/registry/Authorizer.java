package dev.berth.image.registry;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonException;
import dev.berth.oci.json.JsonObject;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The WWW-Authenticate challenge flow for one registry. Requests go out anonymously until the registry asks:
 * {@code Basic} → the login's username and password on every later request; {@code Bearer realm,service,scope}
 * → a token from the realm (GET with service and scope, with the login as basic credentials when there is one,
 * anonymously otherwise), cached per set of scopes until it expires.
 */
final class Authorizer {
    enum Outcome { RETRY, NO_CREDENTIALS, REJECTED, UNSUPPORTED }

    private record Token(String value, long expiresAt) {
        boolean valid() {
            return System.nanoTime() - expiresAt < 0;
        }
    }

    private final Credentials.Auth auth;
    private final Transport transport;
    private volatile boolean basic;
    private volatile Challenge bearer;
    private final Map<String, Token> tokens = new ConcurrentHashMap<>();
    private volatile String lastError;

    Authorizer(Credentials.Auth auth, Transport transport) {
        this.auth = auth;
        this.transport = transport;
    }

    Credentials.Auth credentials() {
        return auth;
    }

    /** The error parameter of the last challenge (e.g. "insufficient_scope"), or null. */
    String lastError() {
        return lastError;
    }

    private static String key(List<String> scopes) {
        return String.join(" ", scopes.stream().sorted().toList());
    }

    /** The Authorization header for a request needing these scopes, or null to go anonymously. */
    String header(List<String> scopes) {
        if (basic) return auth == null ? null : auth.basic();
        if (bearer == null) return null;
        Token t = tokens.get(key(scopes));
        return t != null && t.valid() ? "Bearer " + t.value() : null;
    }

    /**
     * Answers a 401 to a request that carried {@code sent} as its Authorization (null: none): learns what the
     * registry wants and gets it, if it can. Another thread may have got it meanwhile; then the answer is RETRY.
     */
    Outcome onChallenge(List<Challenge> challenges, List<String> scopes, String sent) throws IOException {
        Challenge bearerC = null, basicC = null;
        for (Challenge c : challenges) {
            if (c.scheme().equals("bearer") && c.param("realm") != null && bearerC == null) bearerC = c;
            if (c.scheme().equals("basic") && basicC == null) basicC = c;
        }
        lastError = bearerC != null ? bearerC.param("error") : null;
        if (bearerC != null) {
            synchronized (this) { // one token fetch per scope when parallel requests are challenged together
                bearer = bearerC;
                String now = header(scopes);
                if (now != null && !now.equals(sent)) return Outcome.RETRY;
                List<String> want = new ArrayList<>(scopes);
                String s = bearerC.param("scope");
                if (s != null) for (String x : s.trim().split("\\s+")) if (!x.isEmpty()) want.add(x);
                Token t = fetch(bearerC, merge(want));
                if (t == null) return auth == null ? Outcome.NO_CREDENTIALS : Outcome.REJECTED;
                tokens.put(key(scopes), t);
                return Outcome.RETRY;
            }
        }
        if (basicC != null) {
            if (auth == null) return Outcome.NO_CREDENTIALS;
            if (sent != null && sent.equals(auth.basic())) return Outcome.REJECTED;
            basic = true;
            return Outcome.RETRY;
        }
        return Outcome.UNSUPPORTED;
    }

    /**
     * Scopes with one entry per resource: "repository:app:pull" and "repository:app:pull,push" become
     * "repository:app:pull,push". Scopes that are not "type:name:actions" are kept as they are.
     */
    static List<String> merge(List<String> scopes) {
        Map<String, Set<String>> byResource = new LinkedHashMap<>();
        for (String s : scopes) {
            int last = s.lastIndexOf(':');
            if (last <= 0 || s.indexOf(':') == last) {
                byResource.putIfAbsent(s, null);
                continue;
            }
            Set<String> actions = byResource.computeIfAbsent(s.substring(0, last), k -> new LinkedHashSet<>());
            for (String a : s.substring(last + 1).split(",")) if (!a.isEmpty()) actions.add(a);
        }
        List<String> out = new ArrayList<>();
        byResource.forEach((resource, actions) -> out.add(actions == null ? resource : resource + ":" + String.join(",", actions)));
        return out;
    }

    /** A token from the realm; null when the token server refuses (401/403). */
    private Token fetch(Challenge c, List<String> scopes) throws IOException {
        StringBuilder q = new StringBuilder();
        if (c.param("service") != null) q.append("service=").append(enc(c.param("service")));
        for (String s : scopes) q.append(q.isEmpty() ? "" : "&").append("scope=").append(enc(s));
        if (auth != null) q.append(q.isEmpty() ? "" : "&").append("account=").append(enc(auth.username()));
        String realm = c.param("realm");
        URI uri;
        try {
            uri = URI.create(realm + (q.isEmpty() ? "" : (realm.contains("?") ? "&" : "?") + q));
        } catch (IllegalArgumentException e) {
            throw new RegistryException(transport.registry() + ": invalid token realm \"" + realm + "\"");
        }
        HttpRequest.Builder b = HttpRequest.newBuilder(uri).GET().timeout(Duration.ofMinutes(1)).header("Accept", "application/json");
        if (auth != null) b.header("Authorization", auth.basic());
        HttpResponse<InputStream> r = transport.exchange(b.build(), uri.getAuthority());
        try (InputStream in = r.body()) {
            byte[] body = in.readNBytes(1 << 20);
            if (r.statusCode() == 401 || r.statusCode() == 403) return null;
            if (r.statusCode() != 200) {
                throw new RegistryException("token server " + uri.getAuthority() + " for " + transport.registry() + " answered HTTP "
                        + r.statusCode() + Transport.errorText(body), r.statusCode(), null, null);
            }
            JsonObject o = Json.parseObject(new String(body, StandardCharsets.UTF_8), "token response");
            String token = o.string("token");
            if (token == null || token.isEmpty()) token = o.string("access_token");
            if (token == null || token.isEmpty()) throw new RegistryException("token server " + uri.getAuthority() + " sent no token");
            long seconds = Math.max(o.longValue("expires_in", 60), 60);
            return new Token(token, System.nanoTime() + Duration.ofSeconds(seconds - 10).toNanos());
        } catch (JsonException e) {
            throw new RegistryException("token server " + uri.getAuthority() + " sent an invalid answer: " + e.getMessage());
        }
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }
}
