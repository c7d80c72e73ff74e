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
import java.util.List;
import java.util.Set;

import static dev.berth.image.registry.RegistryPushPullTest.ref;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A registry serving HTTPS with a self-signed certificate: verified through certs.d, or used as insecure. */
class RegistryTlsTest {
    @TempDir
    static Path dir;
    static LocalRegistry registry;
    static Path cert;

    @BeforeAll
    static void start() throws IOException {
        LocalRegistry.assumeInstalled();
        Tools.assume("openssl");
        cert = dir.resolve("tls.crt");
        Path key = dir.resolve("tls.key");
        Tools.check(List.of("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key.toString(), "-out", cert.toString(),
                "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"), 60);
        registry = LocalRegistry.start(Files.createDirectories(dir.resolve("registry")), """
                tls:
                  certificate: %s
                  key: %s
                """.formatted(cert, key), "");
    }

    @AfterAll
    static void stop() {
        if (registry != null) registry.close();
    }

    /** Options that treat 127.0.0.1 as a secure registry, with our own certs.d roots. */
    private static RegistryOptions secure() {
        return RegistryOptions.defaults().withInsecure(Set.of(), false).withCertsDirs(dir.resolve("berth-certs"), dir.resolve("docker-certs"));
    }

    @Test
    void anUnknownCaIsAHandshakeErrorThatSaysWhereTheCaGoes() throws IOException {
        String a = registry.address();
        try (RegistryClient c = new RegistryClient(a, secure())) {
            assertThatThrownBy(() -> c.resolve(ref(a, "x:1")))
                    .isInstanceOf(RegistryException.class)
                    .hasMessage(a + ": TLS handshake failed: certificate signed by unknown authority (add its CA to "
                            + dir.resolve("berth-certs").resolve(a).resolve("ca.crt") + " or mark it insecure)");
        }
    }

    @Test
    void aCaInDockersCertsDirIsTrusted() throws IOException {
        String a = registry.address();
        Path caDir = Files.createDirectories(dir.resolve("docker-certs").resolve(a));
        Files.copy(cert, caDir.resolve("ca.crt"));
        try {
            LocalContentStore src = new LocalContentStore(dir.resolve("s1"));
            SampleImages.Image img = SampleImages.image(src, false, "amd64", 50, 20_000);
            ImageReference ref = ref(a, "tls/app:1");
            try (RegistryClient c = new RegistryClient(a, secure())) {
                c.push(ref, img.manifest(), src, null);
                assertThat(c.transport().base().getScheme()).isEqualTo("https");
                LocalContentStore dst = new LocalContentStore(dir.resolve("s2"));
                assertThat(c.pull(ref, null, dst, null).manifest().digest()).isEqualTo(img.manifest().digest());
            }
        } finally {
            Files.delete(caDir.resolve("ca.crt"));
        }
    }

    @Test
    void anInsecureRegistryThatSpeaksTlsIsUsedOverHttpsWithoutVerification() throws IOException {
        String a = registry.address();
        try (RegistryClient c = new RegistryClient(a, RegistryOptions.defaults().withCertsDirs(dir.resolve("none")))) {
            assertThatThrownBy(() -> c.resolve(ref(a, "nothing:1"))).hasMessage("manifest for " + a + "/nothing:1 not found");
            assertThat(c.transport().base().toString()).isEqualTo("https://" + a + "/v2/");
        }
    }
}
