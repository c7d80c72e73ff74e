package dev.berth.image.registry;

import dev.berth.oci.image.ImageReference;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Registry logins in docker's config.json ({@code $DOCKER_CONFIG/config.json}, else
 * {@code ~/.docker/config.json}): {@code {"auths": {"host:port": {"auth": base64("user:password")}}}}. Saving
 * rewrites only the entries berth changed and keeps every other key (credsStore, proxies, ...), with mode 0600.
 * Credential helpers ({@code credsStore}, {@code credHelpers}) are not called: their logins are not seen.
 */
public final class Credentials {
    /** Docker Hub's key in config.json, as docker writes it. */
    public static final String DOCKER_HUB_KEY = "https://index.docker.io/v1/";

    /** A username and password; {@link #toString()} hides the password. */
    public record Auth(String username, String password) {
        public Auth {
            if (username == null || username.isEmpty()) throw new IllegalArgumentException("a username is required");
            if (password == null) password = "";
        }

        String basic() {
            return "Basic " + Base64.getEncoder().encodeToString((username + ":" + password).getBytes(StandardCharsets.UTF_8));
        }

        @Override
        public String toString() {
            return "Auth[" + username + "]";
        }
    }

    private final Path file;
    private final Map<String, Auth> auths = new LinkedHashMap<>();
    private final Set<String> removed = new LinkedHashSet<>();

    private Credentials(Path file) {
        this.file = file;
    }

    /** No logins, not backed by a file: anonymous access. */
    public static Credentials none() {
        return new Credentials(null);
    }

    /** One login, in memory only. */
    public static Credentials of(String registry, Auth auth) {
        Credentials c = new Credentials(null);
        c.put(registry, auth);
        return c;
    }

    /** {@code $DOCKER_CONFIG/config.json}, else {@code ~/.docker/config.json}. */
    public static Path defaultFile() {
        String dir = System.getenv("DOCKER_CONFIG");
        if (dir != null && !dir.isEmpty()) return Path.of(dir, "config.json");
        return Path.of(System.getProperty("user.home"), ".docker", "config.json");
    }

    public static Credentials load() throws IOException {
        return load(defaultFile());
    }

    /** Reads a config.json; a missing file reads as no logins. */
    public static Credentials load(Path file) throws IOException {
        Credentials c = new Credentials(file);
        for (Map.Entry<String, Auth> e : read(file).entrySet()) c.auths.put(e.getKey(), e.getValue());
        return c;
    }

    private static Map<String, Auth> read(Path file) throws IOException {
        Map<String, Auth> out = new LinkedHashMap<>();
        if (file == null || !Files.exists(file)) return out;
        JsonObject o = Json.parseObject(Files.readString(file), file.toString());
        JsonObject auths = o.object("auths");
        if (auths == null) return out;
        for (String key : auths.map().keySet()) {
            JsonObject e = auths.object(key);
            if (e == null) continue;
            String user = e.string("username"), password = e.string("password");
            String b64 = e.string("auth");
            if (b64 != null && !b64.isEmpty()) {
                String pair;
                try {
                    pair = new String(Base64.getDecoder().decode(b64.trim()), StandardCharsets.UTF_8);
                } catch (IllegalArgumentException x) {
                    throw e.error("auth", "not base64");
                }
                int colon = pair.indexOf(':');
                if (colon <= 0) throw e.error("auth", "expected base64 of \"user:password\"");
                user = pair.substring(0, colon);
                password = pair.substring(colon + 1);
            }
            if (user != null && !user.isEmpty()) out.put(normalize(key), new Auth(user, password));
        }
        return out;
    }

    /**
     * The registry a config.json key or a reference's registry stands for: scheme and path dropped, Docker Hub's
     * several names folded into docker.io.
     */
    public static String normalize(String key) {
        String k = key.trim();
        int scheme = k.indexOf("://");
        if (scheme >= 0) k = k.substring(scheme + 3);
        int slash = k.indexOf('/');
        if (slash >= 0) k = k.substring(0, slash);
        k = k.toLowerCase(Locale.ROOT);
        return switch (k) {
            case "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com" -> ImageReference.DOCKER_HUB;
            default -> k;
        };
    }

    /** The file behind these logins, or null when in memory only. */
    public Path file() {
        return file;
    }

    public synchronized Optional<Auth> get(String registry) {
        return Optional.ofNullable(auths.get(normalize(registry)));
    }

    /** Sets a login in memory; {@link #save()} writes it. */
    public synchronized void put(String registry, Auth auth) {
        String k = normalize(registry);
        auths.put(k, auth);
        removed.remove(k);
    }

    /** Forgets a login in memory; false when there was none. */
    public synchronized boolean remove(String registry) {
        String k = normalize(registry);
        removed.add(k);
        return auths.remove(k) != null;
    }

    /**
     * Checks the login against the registry (GET /v2/ with the credentials, through the challenge flow) and, when
     * it is accepted, saves it.
     */
    public void login(String registry, String username, String password) throws IOException {
        login(registry, username, password, RegistryOptions.defaults());
    }

    public void login(String registry, String username, String password, RegistryOptions options) throws IOException {
        Auth auth = new Auth(username, password);
        try (RegistryClient c = new RegistryClient(registry, options.withCredentials(of(registry, auth)))) {
            c.ping();
        } catch (RegistryException e) {
            if (e.status() == 401 || e.status() == 403) {
                throw new RegistryException("cannot log in to " + registry + ": the registry rejected the username or password for "
                        + username, e.status(), e.code(), null);
            }
            throw e;
        }
        put(registry, auth);
        save();
    }

    /** Removes the login and saves; false when there was none. */
    public boolean logout(String registry) throws IOException {
        boolean had = remove(registry);
        save();
        return had;
    }

    /**
     * Writes the logins into the file: entries berth set or removed change, everything else in the file is kept.
     * The file is replaced atomically and is readable by its owner only.
     */
    public synchronized void save() throws IOException {
        if (file == null) throw new IllegalStateException("these credentials have no file to save to");
        Map<String, Object> root = new LinkedHashMap<>();
        if (Files.exists(file)) root.putAll(Json.parseObject(Files.readString(file), file.toString()).map());
        Map<String, Object> fileAuths = new LinkedHashMap<>();
        if (root.get("auths") instanceof Map<?, ?> m) for (Map.Entry<?, ?> e : m.entrySet()) fileAuths.put(String.valueOf(e.getKey()), e.getValue());
        fileAuths.keySet().removeIf(k -> removed.contains(normalize(k)) || auths.containsKey(normalize(k)));
        for (Map.Entry<String, Auth> e : auths.entrySet()) {
            String key = e.getKey().equals(ImageReference.DOCKER_HUB) ? DOCKER_HUB_KEY : e.getKey();
            Auth a = e.getValue();
            fileAuths.put(key, Json.obj("auth", Base64.getEncoder().encodeToString((a.username() + ":" + a.password()).getBytes(StandardCharsets.UTF_8))));
        }
        root.put("auths", fileAuths);
        write(Json.writePretty(root).getBytes(StandardCharsets.UTF_8));
        removed.clear();
    }

    private void write(byte[] bytes) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        if (!Files.isDirectory(dir)) Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path tmp = Files.createTempFile(dir, ".config.json", ".tmp", PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                ch.write(java.nio.ByteBuffer.wrap(bytes));
                ch.force(true);
            }
            Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }
}
