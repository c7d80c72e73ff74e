package dev.berth.image.registry;

import dev.berth.image.content.LocalContentStore;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.image.MediaType;
import dev.berth.oci.image.Platform;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Push and pull against a real docker-registry on 127.0.0.1, some of it through a recording proxy. */
class RegistryPushPullTest {
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

    private static int stores;

    static LocalContentStore newStore() throws IOException {
        return new LocalContentStore(dir.resolve("store" + stores++));
    }

    static ImageReference ref(String registryAddress, String name) {
        return ImageReference.parse(registryAddress + "/" + name);
    }

    static void assertSameBlobs(LocalContentStore from, LocalContentStore to, List<Digest> digests) throws IOException {
        for (Digest d : digests) {
            assertThat(to.has(d)).as("pulled store has %s", d).isTrue();
            assertThat(to.read(d)).isEqualTo(from.read(d));
        }
    }

    static List<Path> ingests(Path storeRoot) throws IOException {
        try (Stream<Path> s = Files.list(storeRoot.resolve("ingest"))) {
            return s.toList();
        }
    }

    @Test
    void pushThenPullDockerImage() throws IOException {
        LocalContentStore src = newStore();
        SampleImages.Image img = SampleImages.image(src, true, "amd64", 1, 200_000, 300_000, 50_000);
        ImageReference ref = ref(registry.address(), "docker/app:1");
        RegistryClient.Pushed pushed = client.push(ref, img.manifest(), src, ProgressListener.NONE);
        assertThat(pushed.blobsPushed()).isEqualTo(4);
        assertThat(pushed.top().digest()).isEqualTo(img.manifest().digest());

        RegistryClient.Resolved resolved = client.resolve(ref);
        assertThat(resolved.descriptor().digest()).isEqualTo(img.manifest().digest());
        assertThat(resolved.descriptor().mediaType()).isEqualTo(MediaType.DOCKER_MANIFEST);
        assertThat(resolved.bytes()).isEqualTo(src.read(img.manifest().digest()));

        LocalContentStore dst = newStore();
        RegistryClient.Pulled pulled = client.pull(ref, null, dst, ProgressListener.NONE);
        assertThat(pulled.top()).isEqualTo(pulled.manifest());
        assertThat(pulled.manifest().digest()).isEqualTo(img.manifest().digest());
        assertThat(pulled.image().layers()).isEqualTo(img.layers());
        assertThat(pulled.blobsFetched()).isEqualTo(4);
        assertSameBlobs(src, dst, img.blobs());
        assertThat(dst.read(img.manifest().digest())).isEqualTo(src.read(img.manifest().digest()));

        RegistryClient.Pulled again = client.pull(ref, null, dst, ProgressListener.NONE);
        assertThat(again.blobsFetched()).isZero();
        assertThat(again.blobsPresent()).isEqualTo(4);
    }

    @Test
    void pushThenPullOciImageByDigest() throws IOException {
        LocalContentStore src = newStore();
        SampleImages.Image img = SampleImages.image(src, false, "amd64", 2, 100_000, 10);
        client.push(ref(registry.address(), "oci/app:v1"), img.manifest(), src, null);
        LocalContentStore dst = newStore();
        ImageReference byDigest = ref(registry.address(), "oci/app@" + img.manifest().digest());
        RegistryClient.Pulled pulled = client.pull(byDigest, Platform.LINUX_AMD64, dst, null);
        assertThat(pulled.manifest().mediaType()).isEqualTo(MediaType.OCI_MANIFEST);
        assertThat(pulled.manifest().digest()).isEqualTo(img.manifest().digest());
        assertSameBlobs(src, dst, img.blobs());
    }

    @Test
    void indexPullSelectsThePlatformAndListsTheOthers() throws IOException {
        LocalContentStore src = newStore();
        SampleImages.Image amd = SampleImages.image(src, false, "amd64", 3, 1000, 2000);
        SampleImages.Image arm = SampleImages.image(src, false, "arm64", 4, 3000);
        Map<Platform, SampleImages.Image> m = new LinkedHashMap<>();
        m.put(Platform.LINUX_AMD64, amd);
        m.put(Platform.parse("linux/arm64/v8"), arm);
        Descriptor index = SampleImages.index(src, m);
        ImageReference ref = ref(registry.address(), "multi:1");
        client.push(ref, index, src, null);

        LocalContentStore dst = newStore();
        RegistryClient.Pulled pulled = client.pull(ref, null, dst, null);
        assertThat(pulled.top().digest()).isEqualTo(index.digest());
        assertThat(pulled.top().mediaType()).isEqualTo(MediaType.OCI_INDEX);
        assertThat(pulled.manifest().digest()).isEqualTo(amd.manifest().digest());
        assertThat(pulled.manifest().platform()).isEqualTo(Platform.LINUX_AMD64);
        assertThat(dst.has(index.digest())).isTrue();
        assertSameBlobs(src, dst, amd.blobs());
        assertThat(dst.has(arm.manifest().digest())).isFalse();
        assertThat(dst.has(arm.layers().getFirst().digest())).isFalse();

        RegistryClient.Pulled armPulled = client.pull(ref, Platform.parse("linux/arm64"), dst, null);
        assertThat(armPulled.manifest().digest()).isEqualTo(arm.manifest().digest());

        assertThatThrownBy(() -> client.pull(ref, Platform.parse("linux/s390x"), newStore(), null))
                .isInstanceOf(RegistryException.class)
                .hasMessage("no manifest for linux/s390x in " + registry.address() + "/multi:1 (available: linux/amd64, linux/arm64/v8)");
    }

    @Test
    void secondPushSkipsBlobsTheRegistryHas() throws IOException {
        LocalContentStore src = newStore();
        SampleImages.Image img = SampleImages.image(src, true, "amd64", 5, 20_000, 30_000);
        try (RecordingProxy proxy = new RecordingProxy(registry.address());
             RegistryClient c = new RegistryClient(proxy.address(), RegistryOptions.defaults())) {
            c.push(ref(proxy.address(), "skip:1"), img.manifest(), src, null);
            proxy.log.clear();
            RecordingListener events = new RecordingListener();
            RegistryClient.Pushed second = c.push(ref(proxy.address(), "skip:2"), img.manifest(), src, events);
            assertThat(second.blobsExisting()).isEqualTo(3);
            assertThat(second.blobsPushed()).isZero();
            assertThat(events.starting("exists")).hasSize(3);
            assertThat(events.starting("started")).isEmpty();
            assertThat(proxy.requests("HEAD", "/blobs/")).hasSize(3).allMatch(e -> e.status() == 200);
            assertThat(proxy.requests("POST", "/blobs/uploads/")).isEmpty();
            assertThat(proxy.requests("PUT", "/manifests/2")).hasSize(1);
        }
    }

    @Test
    void largeBlobsAreUploadedInChunks() throws IOException {
        LocalContentStore src = newStore();
        SampleImages.Image img = SampleImages.image(src, false, "amd64", 6, 2_500_000, 1000);
        long big = img.layers().getFirst().size();
        RegistryOptions opts = RegistryOptions.defaults().withChunking(1 << 20, 400 << 10);
        try (RecordingProxy proxy = new RecordingProxy(registry.address()); RegistryClient c = new RegistryClient(proxy.address(), opts)) {
            c.push(ref(proxy.address(), "chunked:1"), img.manifest(), src, null);
            List<RecordingProxy.Entry> patches = proxy.requests("PATCH", "/blobs/uploads/");
            long chunks = (big + (400 << 10) - 1) / (400 << 10);
            assertThat(patches).hasSize((int) chunks).allMatch(e -> e.status() == 202);
            assertThat(patches.getFirst().contentRange()).isEqualTo("0-" + ((400 << 10) - 1));
            assertThat(patches.getLast().contentRange()).isEqualTo(((chunks - 1) * (400 << 10)) + "-" + (big - 1));
            List<RecordingProxy.Entry> puts = proxy.requests("PUT", "digest=");
            assertThat(puts).hasSize(3).allMatch(e -> e.status() == 201); // 1 closing PUT of the chunked blob, 2 monolithic
        }
        LocalContentStore dst = newStore();
        client.pull(ref(registry.address(), "chunked:1"), null, dst, null);
        assertSameBlobs(src, dst, img.blobs());
    }

    @Test
    void crossRepositoryMountIsUsedWhenTheSourceIsGiven() throws IOException {
        LocalContentStore src = newStore();
        SampleImages.Image img = SampleImages.image(src, true, "amd64", 7, 40_000, 50_000);
        client.push(ref(registry.address(), "mount/src:1"), img.manifest(), src, null);
        try (RecordingProxy proxy = new RecordingProxy(registry.address());
             RegistryClient c = new RegistryClient(proxy.address(), RegistryOptions.defaults())) {
            RecordingListener events = new RecordingListener();
            RegistryClient.Pushed p = c.push(ref(proxy.address(), "mount/dst:1"), img.manifest(), src, events, "mount/src");
            assertThat(p.blobsMounted()).isEqualTo(3);
            assertThat(p.blobsPushed()).isZero();
            assertThat(events.starting("mounted")).hasSize(3).allMatch(e -> e.endsWith(" mount/src"));
            assertThat(proxy.requests("POST", "mount=")).hasSize(3).allMatch(e -> e.status() == 201 && e.uri().contains("from=mount%2Fsrc"));
        }
        RegistryClient.Pulled pulled = client.pull(ref(registry.address(), "mount/dst:1"), null, newStore(), null);
        assertThat(pulled.manifest().digest()).isEqualTo(img.manifest().digest());
    }

    @Test
    void layersAreFetchedInParallelAtMostThreeAtATime() throws IOException {
        LocalContentStore src = newStore();
        SampleImages.Image img = SampleImages.image(src, false, "amd64", 8, 1000, 2000, 3000, 4000, 5000, 6000);
        client.push(ref(registry.address(), "parallel:1"), img.manifest(), src, null);
        try (RecordingProxy proxy = new RecordingProxy(registry.address());
             RegistryClient c = new RegistryClient(proxy.address(), RegistryOptions.defaults())) {
            proxy.blobDelay = Duration.ofMillis(300);
            LocalContentStore dst = newStore();
            c.pull(ref(proxy.address(), "parallel:1"), null, dst, null);
            assertThat(proxy.maxInFlight.get()).isEqualTo(3);
            assertSameBlobs(src, dst, img.blobs());
        }
    }

    @Test
    void anInterruptedDownloadResumesWithARangeRequest() throws IOException {
        LocalContentStore src = newStore();
        SampleImages.Image img = SampleImages.image(src, false, "amd64", 9, 1_000_000);
        client.push(ref(registry.address(), "resume:1"), img.manifest(), src, null);
        Descriptor layer = img.layers().getFirst();
        byte[] bytes = src.read(layer.digest());
        int half = bytes.length / 2;

        Path root = dir.resolve("resume-store");
        LocalContentStore dst = new LocalContentStore(root);
        try (var w = dst.writer("pull-" + layer.digest())) {
            w.stream().write(bytes, 0, half); // closed without commit: what an interrupted pull leaves
        }
        assertThat(ingests(root)).hasSize(1);
        try (RecordingProxy proxy = new RecordingProxy(registry.address());
             RegistryClient c = new RegistryClient(proxy.address(), RegistryOptions.defaults())) {
            RecordingListener events = new RecordingListener();
            c.pull(ref(proxy.address(), "resume:1"), null, dst, events);
            List<RecordingProxy.Entry> gets = proxy.requests("GET", "/blobs/" + layer.digest());
            assertThat(gets).hasSize(1);
            assertThat(gets.getFirst().range()).isEqualTo("bytes=" + half + "-");
            assertThat(gets.getFirst().status()).isEqualTo(206);
            assertThat(events.events).contains("resumed " + layer.digest() + " " + half);
            RegistryClient.Pulled p = c.pull(ref(proxy.address(), "resume:1"), null, dst, null);
            assertThat(p.bytesFetched()).isZero();
        }
        assertThat(dst.read(layer.digest())).isEqualTo(bytes);
        assertThat(ingests(root)).isEmpty();
    }

    @Test
    void aResumeStartsOverWhenTheServerIgnoresRange() throws IOException {
        LocalContentStore src = newStore();
        SampleImages.Image img = SampleImages.image(src, false, "amd64", 10, 500_000);
        client.push(ref(registry.address(), "norange:1"), img.manifest(), src, null);
        Descriptor layer = img.layers().getFirst();
        byte[] bytes = src.read(layer.digest());
        Path root = dir.resolve("norange-store");
        LocalContentStore dst = new LocalContentStore(root);
        try (var w = dst.writer("pull-" + layer.digest())) {
            w.stream().write(bytes, 0, 1000);
        }
        try (RecordingProxy proxy = new RecordingProxy(registry.address());
             RegistryClient c = new RegistryClient(proxy.address(), RegistryOptions.defaults())) {
            proxy.stripRange = true;
            RegistryClient.Pulled p = c.pull(ref(proxy.address(), "norange:1"), null, dst, null);
            assertThat(proxy.requests("GET", "/blobs/" + layer.digest())).hasSize(1).allMatch(e -> e.status() == 200);
            assertThat(p.bytesFetched()).isEqualTo(bytes.length + img.config().size());
        }
        assertThat(dst.read(layer.digest())).isEqualTo(bytes);
        assertThat(ingests(root)).isEmpty();
    }
}
