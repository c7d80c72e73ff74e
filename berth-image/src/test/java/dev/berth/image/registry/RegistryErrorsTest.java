package dev.berth.image.registry;

import com.sun.net.httpserver.HttpServer;
import dev.berth.image.content.LocalContentStore;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.ImageReference;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static dev.berth.image.registry.RegistryPushPullTest.ingests;
import static dev.berth.image.registry.RegistryPushPullTest.ref;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Failures: each is a RegistryException with one sentence naming what failed, and the store is left clean. */
class RegistryErrorsTest {
    @TempDir
    static Path dir;
    static LocalRegistry registry;
    static RegistryClient client;

    @BeforeAll
    static void start() throws IOException {
        registry = LocalRegistry.start(Files.createDirectories(dir.resolve("registry")));
        client = new RegistryClient(registry.address(), RegistryOptions.defaults());
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (registry != null) registry.close();
    }

    @Test
    void unknownRepositoryOrTagIsNotFound() throws IOException {
        LocalContentStore store = new LocalContentStore(dir.resolve("s1"));
        assertThatThrownBy(() -> client.pull(ref(registry.address(), "nope:1"), null, store, null))
                .isInstanceOf(RegistryException.class)
                .hasMessage("manifest for " + registry.address() + "/nope:1 not found")
                .extracting(e -> ((RegistryException) e).status()).isEqualTo(404);
        SampleImages.Image img = SampleImages.image(store, true, "amd64", 20, 100);
        client.push(ref(registry.address(), "errs:1"), img.manifest(), store, null);
        assertThatThrownBy(() -> client.resolve(ref(registry.address(), "errs:2")))
                .hasMessage("manifest for " + registry.address() + "/errs:2 not found");
        assertThatThrownBy(() -> client.resolve(ref(registry.address(), "errs@sha256:" + "0".repeat(64))))
                .hasMessage("manifest for " + registry.address() + "/errs@sha256:" + "0".repeat(64) + " not found");
    }

    @Test
    void connectionRefusedNamesTheRegistry() throws IOException {
        int port = LocalRegistry.freePort();
        String address = "127.0.0.1:" + port;
        try (RegistryClient c = new RegistryClient(address, RegistryOptions.defaults())) {
            assertThatThrownBy(() -> c.resolve(ref(address, "x:1")))
                    .isInstanceOf(RegistryException.class)
                    .hasMessage("cannot reach registry " + address + ": connection refused");
        }
        try (RegistryClient c = new RegistryClient(address, RegistryOptions.defaults().withInsecure(java.util.Set.of(), false))) {
            assertThatThrownBy(() -> c.resolve(ref(address, "x:1")))
                    .hasMessage("cannot reach registry " + address + ": connection refused");
        }
    }

    @Test
    void aBlobWithWrongBytesIsRefusedAndLeavesNothing() throws IOException {
        LocalContentStore src = new LocalContentStore(dir.resolve("s2"));
        SampleImages.Image img = SampleImages.image(src, false, "amd64", 21, 300_000, 1000);
        client.push(ref(registry.address(), "corrupt:1"), img.manifest(), src, null);
        Descriptor bad = img.layers().getFirst();
        byte[] wrong = src.read(bad.digest()).clone();
        wrong[wrong.length / 2] ^= 1;
        Path root = dir.resolve("s3");
        LocalContentStore dst = new LocalContentStore(root);
        try (RecordingProxy proxy = new RecordingProxy(registry.address());
             RegistryClient c = new RegistryClient(proxy.address(), RegistryOptions.defaults())) {
            proxy.hook = ex -> {
                if (!ex.getRequestMethod().equals("GET") || !ex.getRequestURI().getPath().endsWith("/blobs/" + bad.digest())) return false;
                ex.getResponseHeaders().add("Content-Type", "application/octet-stream");
                ex.sendResponseHeaders(200, wrong.length);
                ex.getResponseBody().write(wrong);
                return true;
            };
            assertThatThrownBy(() -> c.pull(ref(proxy.address(), "corrupt:1"), null, dst, null))
                    .isInstanceOf(RegistryException.class)
                    .hasMessageStartingWith("blob " + bad.digest() + " from " + proxy.address() + "/corrupt was rejected: digest mismatch: expected "
                            + bad.digest() + ", got sha256:");
        }
        assertThat(dst.has(bad.digest())).isFalse();
        assertThat(dst.has(img.manifest().digest())).as("no manifest without its blobs").isFalse();
        // The bad blob's ingest is gone; a sibling download cancelled by the failure may leave a resumable partial one.
        String badIngest = Digest.sha256(("pull-" + bad.digest()).getBytes(StandardCharsets.UTF_8)).hex();
        assertThat(ingests(root)).noneMatch(p -> p.getFileName().toString().equals(badIngest))
                .allMatch(p -> p.resolve("data").toFile().length() > 0);
        RegistryClient.Pulled again = client.pull(ref(registry.address(), "corrupt:1"), null, dst, null);
        assertThat(dst.read(bad.digest())).isEqualTo(src.read(bad.digest()));
        assertThat(again.manifest().digest()).isEqualTo(img.manifest().digest());
        assertThat(ingests(root)).isEmpty();
    }

    @Test
    void registryErrorsAreReportedByCodeAndMessage() throws IOException {
        LocalContentStore src = new LocalContentStore(dir.resolve("s4"));
        SampleImages.Image img = SampleImages.image(src, true, "amd64", 22, 1000);
        try (RecordingProxy proxy = new RecordingProxy(registry.address());
             RegistryClient c = new RegistryClient(proxy.address(), RegistryOptions.defaults())) {
            // The upload of the layer is swallowed: the registry then refuses the manifest that names it.
            proxy.hook = ex -> {
                if (!ex.getRequestMethod().equals("PUT") || !ex.getRequestURI().toString().contains(img.layers().getFirst().digest().hex())) return false;
                ex.getRequestBody().readAllBytes();
                ex.sendResponseHeaders(201, -1);
                return true;
            };
            ImageReference ref = ref(proxy.address(), "blobless:1");
            assertThatThrownBy(() -> c.push(ref, img.manifest(), src, null))
                    .isInstanceOf(RegistryException.class)
                    .hasMessage("pushing manifest " + img.manifest().digest() + " to " + proxy.address() + "/blobless:1 failed: "
                            + "MANIFEST_BLOB_UNKNOWN: blob unknown to registry (" + img.layers().getFirst().digest() + ")")
                    .extracting(e -> ((RegistryException) e).code()).isEqualTo("MANIFEST_BLOB_UNKNOWN");
        }
    }

    @Test
    void blobRedirectsAreFollowedWithoutCredentials() throws IOException {
        LocalContentStore src = new LocalContentStore(dir.resolve("s5"));
        SampleImages.Image img = SampleImages.image(src, false, "amd64", 23, 5000);
        client.push(ref(registry.address(), "redirect:1"), img.manifest(), src, null);
        Descriptor layer = img.layers().getFirst();
        byte[] bytes = src.read(layer.digest());
        List<String> authSeen = new CopyOnWriteArrayList<>();
        HttpServer storage = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 8);
        storage.createContext("/storage/", ex -> {
            try (ex) {
                authSeen.add(String.valueOf(ex.getRequestHeaders().getFirst("Authorization")));
                ex.sendResponseHeaders(200, bytes.length);
                ex.getResponseBody().write(bytes);
            }
        });
        storage.start();
        try (RecordingProxy proxy = new RecordingProxy(registry.address());
             RegistryClient c = new RegistryClient(proxy.address(), RegistryOptions.defaults()
                     .withCredentials(Credentials.of(proxy.address(), new Credentials.Auth("u", "p"))))) {
            proxy.hook = ex -> {
                if (!ex.getRequestURI().getPath().endsWith("/blobs/" + layer.digest())) return false;
                if (ex.getRequestHeaders().getFirst("Authorization") == null) { // ask for basic auth first
                    ex.getResponseHeaders().add("WWW-Authenticate", "Basic realm=\"test\"");
                    ex.sendResponseHeaders(401, -1);
                    return true;
                }
                ex.getResponseHeaders().add("Location", "http://127.0.0.1:" + storage.getAddress().getPort() + "/storage/" + layer.digest().hex());
                ex.sendResponseHeaders(307, -1);
                return true;
            };
            LocalContentStore dst = new LocalContentStore(dir.resolve("s6"));
            c.pull(ref(proxy.address(), "redirect:1"), null, dst, null);
            assertThat(dst.read(layer.digest())).isEqualTo(bytes);
            assertThat(authSeen).containsExactly("null");
        } finally {
            storage.stop(0);
        }
    }
}
