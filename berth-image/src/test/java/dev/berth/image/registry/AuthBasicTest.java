package dev.berth.image.registry;

import dev.berth.image.content.LocalContentStore;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;

import static dev.berth.image.registry.RegistryPushPullTest.ref;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A registry behind htpasswd (bcrypt) basic auth: errors without a login, login/logout through config.json. */
class AuthBasicTest {
    @TempDir
    static Path dir;
    static LocalRegistry registry;

    @BeforeAll
    static void start() throws IOException {
        LocalRegistry.assumeInstalled();
        Tools.assume("htpasswd");
        Path htpasswd = dir.resolve("htpasswd");
        Files.writeString(htpasswd, Tools.check(List.of("htpasswd", "-Bbn", "alice", "s3cret"), 30));
        registry = LocalRegistry.start(Files.createDirectories(dir.resolve("registry")), "", """
                auth:
                  htpasswd:
                    realm: berth-test
                    path: %s
                """.formatted(htpasswd));
    }

    @AfterAll
    static void stop() {
        if (registry != null) registry.close();
    }

    @Test
    void withoutALoginPullAndPushAreDenied() throws IOException {
        LocalContentStore store = new LocalContentStore(dir.resolve("s1"));
        SampleImages.Image img = SampleImages.image(store, true, "amd64", 30, 100);
        String a = registry.address();
        try (RegistryClient c = new RegistryClient(a, RegistryOptions.defaults())) {
            assertThatThrownBy(() -> c.pull(ref(a, "x:1"), null, store, null))
                    .isInstanceOf(RegistryException.class)
                    .hasMessage("pull access to " + a + "/x denied: authentication required (run berth login " + a + ")")
                    .extracting(e -> ((RegistryException) e).status()).isEqualTo(401);
            assertThatThrownBy(() -> c.push(ref(a, "x:1"), img.manifest(), store, null))
                    .hasMessage("push access to " + a + "/x denied: authentication required (run berth login " + a + ")");
        }
        try (RegistryClient c = new RegistryClient(a, RegistryOptions.defaults()
                .withCredentials(Credentials.of(a, new Credentials.Auth("alice", "wrong"))))) {
            assertThatThrownBy(() -> c.pull(ref(a, "x:1"), null, store, null))
                    .hasMessage("pull access to " + a + "/x denied: the registry rejected the credentials of alice (run berth login " + a + ")");
        }
    }

    @Test
    void loginWritesConfigJsonThenPushAndPullWorkAndLogoutRemovesIt() throws IOException {
        String a = registry.address();
        Path config = dir.resolve("docker/config.json");
        Files.createDirectories(config.getParent());
        Files.writeString(config, """
                {"auths": {"other.example:5000": {"auth": "%s"}}, "credsStore": "", "proxies": {"default": {"httpProxy": "http://p:3128"}}}
                """.formatted(Base64.getEncoder().encodeToString("bob:pw".getBytes(StandardCharsets.UTF_8))));

        Credentials creds = Credentials.load(config);
        assertThatThrownBy(() -> creds.login(a, "alice", "wrong"))
                .isInstanceOf(RegistryException.class)
                .hasMessage("cannot log in to " + a + ": the registry rejected the username or password for alice");
        assertThat(Credentials.load(config).get(a)).isEmpty();

        creds.login(a, "alice", "s3cret");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(config))).isEqualTo("rw-------");
        JsonObject saved = Json.parseObject(Files.readString(config), "config.json");
        assertThat(saved.object("auths").object(a).string("auth"))
                .isEqualTo(Base64.getEncoder().encodeToString("alice:s3cret".getBytes(StandardCharsets.UTF_8)));
        assertThat(saved.object("auths").object("other.example:5000")).isNotNull();
        assertThat(saved.string("credsStore")).isEmpty();
        assertThat(saved.object("proxies").object("default").string("httpProxy")).isEqualTo("http://p:3128");

        LocalContentStore src = new LocalContentStore(dir.resolve("s2"));
        SampleImages.Image img = SampleImages.image(src, false, "amd64", 31, 10_000, 20_000);
        ImageReference ref = ref(a, "private/app:1");
        try (RegistryClient c = new RegistryClient(a, RegistryOptions.defaults().withCredentials(Credentials.load(config)))) {
            c.push(ref, img.manifest(), src, null);
            LocalContentStore dst = new LocalContentStore(dir.resolve("s3"));
            RegistryClient.Pulled p = c.pull(ref, null, dst, null);
            assertThat(p.manifest().digest()).isEqualTo(img.manifest().digest());
            RegistryPushPullTest.assertSameBlobs(src, dst, img.blobs());
        }

        assertThat(Credentials.load(config).logout(a)).isTrue();
        JsonObject after = Json.parseObject(Files.readString(config), "config.json");
        assertThat(after.object("auths").has(a)).isFalse();
        assertThat(after.object("auths").object("other.example:5000")).isNotNull();
        assertThat(after.object("proxies")).isNotNull();
        assertThat(Credentials.load(config).logout(a)).isFalse();
    }
}
