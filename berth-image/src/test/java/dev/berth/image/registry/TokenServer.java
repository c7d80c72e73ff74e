package dev.berth.image.registry;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.berth.oci.json.Json;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * A docker token server (the "realm" of a Bearer challenge) on 127.0.0.1 for a distribution registry configured with
 * {@code auth: token}: it issues RS256 JWTs signed with a key made by the openssl CLI. Anonymous callers get pull
 * on repositories outside {@code private/}; {@code user}/{@code password} gets every action asked for.
 */
final class TokenServer implements AutoCloseable {
    static final String SERVICE = "berth-test-registry";
    static final String ISSUER = "berth-test-issuer";

    /** One token request: who asked (null: anonymous, "!" for a rejected password) and the scopes. */
    record Request(String user, String service, List<String> scopes) {}

    final List<Request> requests = new CopyOnWriteArrayList<>();
    final Path certFile;
    volatile boolean useKeyId;

    private final String user;
    private final String password;
    private final PrivateKey key;
    private final X509Certificate cert;
    private final HttpServer server;
    private final ExecutorService executor = Executors.newVirtualThreadPerTaskExecutor();

    TokenServer(Path dir, String user, String password) throws IOException, GeneralSecurityException {
        this.user = user;
        this.password = password;
        Path keyFile = dir.resolve("token.key");
        certFile = dir.resolve("token.crt");
        Tools.check(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", keyFile.toString(), "-out", certFile.toString(),
                "-days", "2", "-subj", "/CN=berth-test-token", "-addext", "keyUsage=digitalSignature,keyCertSign"), 60);
        String pem = Files.readString(keyFile).replaceAll("-----[A-Z ]+-----", "").replaceAll("\\s", "");
        key = KeyFactory.getInstance("RSA").generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(pem)));
        cert = (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(Files.readAllBytes(certFile)));
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        server.createContext("/token", this::handle);
        server.setExecutor(executor);
        server.start();
    }

    String realm() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/token";
    }

    /** The registry's {@code auth:} section for this server. */
    String registryAuthYaml() {
        return """
                auth:
                  token:
                    realm: %s
                    service: %s
                    issuer: %s
                    rootcertbundle: %s
                """.formatted(realm(), SERVICE, ISSUER, certFile);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            String service = null;
            List<String> scopes = new ArrayList<>();
            String query = ex.getRequestURI().getRawQuery();
            if (query != null) {
                for (String kv : query.split("&")) {
                    int eq = kv.indexOf('=');
                    String k = kv.substring(0, eq), v = URLDecoder.decode(kv.substring(eq + 1), StandardCharsets.UTF_8);
                    if (k.equals("service")) service = v;
                    if (k.equals("scope")) scopes.add(v);
                }
            }
            String who = null;
            String authz = ex.getRequestHeaders().getFirst("Authorization");
            if (authz != null && authz.startsWith("Basic ")) {
                String pair = new String(Base64.getDecoder().decode(authz.substring(6)), StandardCharsets.UTF_8);
                if (!pair.equals(user + ":" + password)) {
                    requests.add(new Request("!", service, scopes));
                    byte[] b = "{\"details\":\"incorrect username or password\"}".getBytes(StandardCharsets.UTF_8);
                    ex.sendResponseHeaders(401, b.length);
                    ex.getResponseBody().write(b);
                    return;
                }
                who = user;
            }
            requests.add(new Request(who, service, List.copyOf(scopes)));
            List<Object> access = new ArrayList<>();
            for (String s : scopes) {
                String[] p = s.split(":");
                if (p.length != 3) continue;
                List<String> actions = new ArrayList<>();
                for (String a : p[2].split(",")) {
                    if (who != null || (a.equals("pull") && !p[1].startsWith("private/"))) actions.add(a);
                }
                access.add(Json.obj("type", p[0], "name", p[1], "actions", actions));
            }
            String token = jwt(who == null ? "" : who, access);
            byte[] b = Json.write(Json.obj("token", token, "access_token", token, "expires_in", 300, "issued_at", Instant.now().toString()))
                    .getBytes(StandardCharsets.UTF_8);
            ex.getResponseHeaders().add("Content-Type", "application/json");
            ex.sendResponseHeaders(200, b.length);
            ex.getResponseBody().write(b);
        } catch (GeneralSecurityException e) {
            throw new IOException(e);
        }
    }

    private String jwt(String subject, List<Object> access) throws GeneralSecurityException {
        Map<String, Object> header = new LinkedHashMap<>(Json.obj("typ", "JWT", "alg", "RS256"));
        if (useKeyId) header.put("kid", libtrustKeyId());
        else header.put("x5c", List.of(Base64.getEncoder().encodeToString(cert.getEncoded())));
        long now = Instant.now().getEpochSecond();
        Map<String, Object> claims = Json.obj("iss", ISSUER, "sub", subject, "aud", SERVICE, "exp", now + 300, "nbf", now - 10, "iat", now - 10,
                "jti", UUID.randomUUID().toString(), "access", access);
        Base64.Encoder url = Base64.getUrlEncoder().withoutPadding();
        String signed = url.encodeToString(Json.write(header).getBytes(StandardCharsets.UTF_8)) + "."
                + url.encodeToString(Json.write(claims).getBytes(StandardCharsets.UTF_8));
        Signature sig = Signature.getInstance("SHA256withRSA");
        sig.initSign(key);
        sig.update(signed.getBytes(StandardCharsets.US_ASCII));
        return signed + "." + url.encodeToString(sig.sign());
    }

    /** docker/libtrust's key id: base32 of the first 240 bits of sha256(DER public key), in 12 groups of 4. */
    private String libtrustKeyId() throws GeneralSecurityException {
        byte[] h = MessageDigest.getInstance("SHA-256").digest(cert.getPublicKey().getEncoded());
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        StringBuilder b32 = new StringBuilder();
        int buffer = 0, bits = 0;
        for (int i = 0; i < 30; i++) {
            buffer = (buffer << 8) | (h[i] & 0xff);
            bits += 8;
            while (bits >= 5) {
                b32.append(alphabet.charAt((buffer >> (bits - 5)) & 31));
                bits -= 5;
            }
        }
        StringBuilder id = new StringBuilder();
        for (int i = 0; i < b32.length(); i += 4) id.append(i == 0 ? "" : ":").append(b32, i, i + 4);
        return id.toString();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
