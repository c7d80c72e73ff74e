package dev.berth.image.registry;

import dev.berth.image.content.LocalContentStore;
import dev.berth.oci.image.ImageReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;

import static dev.berth.image.registry.RegistryPushPullTest.ref;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A real registry with {@code auth: token} and a token server issuing RS256 JWTs: the Bearer challenge flow. */
class AuthBearerTest {
    @TempDir
    static Path dir;
    static TokenServer tokens;
    static LocalRegistry registry;
    static String a;

    @BeforeAll
    static void start() throws IOException, GeneralSecurityException {
        LocalRegistry.assumeInstalled();
        Tools.assume("openssl");
        tokens = new TokenServer(dir, "alice", "s3cret");
        registry = LocalRegistry.start(Files.createDirectories(dir.resolve("registry")), "", tokens.registryAuthYaml());
        a = registry.address();
    }

    @AfterAll
    static void stop() {
        if (registry != null) registry.close();
        if (tokens != null) tokens.close();
    }

    private static RegistryClient alice() throws IOException {
        return new RegistryClient(a, RegistryOptions.defaults().withCredentials(Credentials.of(a, new Credentials.Auth("alice", "s3cret"))));
    }

    @Test
    void pushWithALoginThenAnonymousPullWithOneTokenPerScope() throws IOException {
        LocalContentStore src = new LocalContentStore(dir.resolve("s1"));
        SampleImages.Image img = SampleImages.image(src, true, "amd64", 40, 10_000, 20_000, 30_000);
        ImageReference ref = ref(a, "pub/app:1");
        try (RegistryClient c = new RegistryClient(a, RegistryOptions.defaults())) {
            assertThatThrownBy(() -> c.push(ref, img.manifest(), src, null))
                    .isInstanceOf(RegistryException.class)
                    .hasMessage("push access to " + a + "/pub/app denied: authentication required (run berth login " + a + ")");
        }
        tokens.requests.clear();
        try (RegistryClient c = alice()) {
            c.push(ref, img.manifest(), src, null);
        }
        assertThat(tokens.requests).isNotEmpty().allSatisfy(r -> {
            assertThat(r.user()).isEqualTo("alice");
            assertThat(r.service()).isEqualTo(TokenServer.SERVICE);
            assertThat(r.scopes()).containsExactly("repository:pub/app:pull,push");
        });

        tokens.requests.clear();
        LocalContentStore dst = new LocalContentStore(dir.resolve("s2"));
        try (RegistryClient c = new RegistryClient(a, RegistryOptions.defaults())) {
            RegistryClient.Pulled p = c.pull(ref, null, dst, null);
            assertThat(p.manifest().digest()).isEqualTo(img.manifest().digest());
        }
        RegistryPushPullTest.assertSameBlobs(src, dst, img.blobs());
        assertThat(tokens.requests).hasSize(1);
        assertThat(tokens.requests.getFirst().user()).isNull();
        assertThat(tokens.requests.getFirst().scopes()).containsExactly("repository:pub/app:pull");
    }

    @Test
    void privateRepositoriesNeedTheLogin() throws IOException {
        LocalContentStore src = new LocalContentStore(dir.resolve("s3"));
        SampleImages.Image img = SampleImages.image(src, false, "amd64", 41, 1000);
        ImageReference ref = ref(a, "private/app:1");
        try (RegistryClient c = alice()) {
            c.push(ref, img.manifest(), src, null);
            assertThat(c.pull(ref, null, new LocalContentStore(dir.resolve("s4")), null).manifest().digest()).isEqualTo(img.manifest().digest());
        }
        try (RegistryClient c = new RegistryClient(a, RegistryOptions.defaults())) {
            assertThatThrownBy(() -> c.pull(ref, null, new LocalContentStore(dir.resolve("s5")), null))
                    .hasMessage("pull access to " + a + "/private/app denied: authentication required (run berth login " + a + ")");
        }
        try (RegistryClient c = new RegistryClient(a, RegistryOptions.defaults()
                .withCredentials(Credentials.of(a, new Credentials.Auth("alice", "nope"))))) {
            assertThatThrownBy(() -> c.pull(ref, null, new LocalContentStore(dir.resolve("s6")), null))
                    .hasMessage("pull access to " + a + "/private/app denied: the registry rejected the credentials of alice (run berth login " + a + ")");
        }
    }

    @Test
    void loginGoesThroughTheTokenServer() throws IOException {
        Path config = dir.resolve("login/config.json");
        Credentials creds = Credentials.load(config);
        tokens.requests.clear();
        assertThatThrownBy(() -> creds.login(a, "alice", "wrong"))
                .hasMessage("cannot log in to " + a + ": the registry rejected the username or password for alice");
        assertThat(tokens.requests).extracting(TokenServer.Request::user).containsExactly("!");
        assertThat(config).doesNotExist();
        creds.login(a, "alice", "s3cret");
        assertThat(Credentials.load(config).get(a)).contains(new Credentials.Auth("alice", "s3cret"));
    }

    @Test
    void mountAsksForPullOnTheSourceRepository() throws IOException {
        LocalContentStore src = new LocalContentStore(dir.resolve("s7"));
        SampleImages.Image img = SampleImages.image(src, true, "amd64", 42, 5000, 6000);
        try (RegistryClient c = alice()) {
            c.push(ref(a, "pub/base:1"), img.manifest(), src, null);
            tokens.requests.clear();
            RegistryClient.Pushed p = c.push(ref(a, "pub/derived:1"), img.manifest(), src, null, "pub/base");
            assertThat(p.blobsMounted()).isEqualTo(3);
        }
        assertThat(tokens.requests).isNotEmpty().allSatisfy(r ->
                assertThat(r.scopes()).contains("repository:pub/derived:pull,push", "repository:pub/base:pull"));
    }

    @Test
    void tokensSignedWithAKeyIdWork() throws IOException {
        tokens.useKeyId = true;
        try (RegistryClient c = alice()) {
            LocalContentStore src = new LocalContentStore(dir.resolve("s8"));
            SampleImages.Image img = SampleImages.image(src, false, "amd64", 43, 100);
            c.push(ref(a, "pub/kid:1"), img.manifest(), src, null);
            assertThat(c.resolve(ref(a, "pub/kid:1")).descriptor().digest()).isEqualTo(img.manifest().digest());
        } finally {
            tokens.useKeyId = false;
        }
    }
}
