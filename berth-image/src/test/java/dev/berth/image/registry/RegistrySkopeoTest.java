package dev.berth.image.registry;

import dev.berth.image.content.LocalContentStore;
import dev.berth.oci.image.Descriptor;
import dev.berth.oci.image.Digest;
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
import java.util.ArrayList;
import java.util.List;

import static dev.berth.image.registry.RegistryPushPullTest.ref;
import static org.assertj.core.api.Assertions.assertThat;

/** Cross-checks with skopeo (containers/image): each side reads what the other wrote, with the same digests. */
class RegistrySkopeoTest {
    @TempDir
    static Path dir;
    static LocalRegistry registry;
    static RegistryClient client;

    @BeforeAll
    static void start() throws IOException {
        LocalRegistry.assumeInstalled();
        Tools.assume("skopeo");
        registry = LocalRegistry.start(Files.createDirectories(dir.resolve("registry")));
        client = new RegistryClient(registry.address(), RegistryOptions.defaults());
    }

    @AfterAll
    static void stop() {
        if (client != null) client.close();
        if (registry != null) registry.close();
    }

    static List<String> skopeo(String... args) {
        List<String> cmd = new ArrayList<>(List.of("skopeo", "--insecure-policy", "--tmpdir", dir.toString()));
        cmd.addAll(List.of(args));
        return cmd;
    }

    @Test
    void skopeoInspectsAndCopiesWhatBerthPushed() throws IOException {
        LocalContentStore src = new LocalContentStore(dir.resolve("s1"));
        SampleImages.Image img = SampleImages.image(src, true, "amd64", 60, 100_000, 200_000);
        String a = registry.address();
        client.push(ref(a, "berth/app:1"), img.manifest(), src, null);

        JsonObject info = Json.parseObject(Tools.check(skopeo("inspect", "--tls-verify=false", "docker://" + a + "/berth/app:1"), 120), "skopeo inspect");
        assertThat(info.string("Digest")).isEqualTo(img.manifest().digest().toString());
        assertThat(info.strings("Layers")).containsExactlyElementsOf(img.layers().stream().map(l -> l.digest().toString()).toList());
        assertThat(info.string("Architecture")).isEqualTo("amd64");
        String raw = Tools.check(skopeo("inspect", "--raw", "--tls-verify=false", "docker://" + a + "/berth/app:1"), 120);
        assertThat(raw.getBytes(StandardCharsets.UTF_8)).isEqualTo(src.read(img.manifest().digest()));

        Tools.check(skopeo("copy", "-q", "--src-tls-verify=false", "--dest-tls-verify=false",
                "docker://" + a + "/berth/app:1", "docker://" + a + "/skopeo/copied:1"), 120);
        LocalContentStore dst = new LocalContentStore(dir.resolve("s2"));
        RegistryClient.Pulled p = client.pull(ref(a, "skopeo/copied:1"), null, dst, null);
        assertThat(p.manifest().digest()).isEqualTo(img.manifest().digest());
        RegistryPushPullTest.assertSameBlobs(src, dst, img.blobs());
    }

    @Test
    void berthPullsWhatSkopeoPushedFromAnOciLayout() throws IOException {
        LocalContentStore src = new LocalContentStore(dir.resolve("s3"));
        SampleImages.Image img = SampleImages.image(src, false, "amd64", 61, 150_000, 10_000, 70_000);
        Path layout = dir.resolve("layout");
        OciLayout.write(src, layout, img, "v1");
        String a = registry.address();
        Tools.check(skopeo("copy", "-q", "--preserve-digests", "--dest-tls-verify=false", "oci:" + layout + ":v1",
                "docker://" + a + "/skopeo/pushed:v1"), 120);

        LocalContentStore dst = new LocalContentStore(dir.resolve("s4"));
        RegistryClient.Pulled p = client.pull(ref(a, "skopeo/pushed:v1"), null, dst, null);
        assertThat(p.manifest().digest()).isEqualTo(img.manifest().digest());
        assertThat(p.image().layers()).extracting(Descriptor::digest).containsExactlyElementsOf(img.layers().stream().map(Descriptor::digest).toList());
        RegistryPushPullTest.assertSameBlobs(src, dst, img.blobs());
        for (Digest d : dst.list()) assertThat(Digest.sha256(dst.read(d))).isEqualTo(d);
    }
}
