package dev.berth.api.http;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.X509Certificate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** PEM keys and certificates as openssl writes them: PKCS#8, PKCS#1 RSA and SEC1 EC keys, each matching its certificate. */
class TlsFilesTest {
    @TempDir
    Path tmp;

    @Test
    void loadsEveryKeyFormOpensslWrites() throws Exception {
        Path c = dev.berth.api.TlsCertsAccess.make(tmp.resolve("c"));
        assertThat(Files.readString(c.resolve("server-key.pem"))).contains("BEGIN RSA PRIVATE KEY");
        assertThat(Files.readString(c.resolve("key.pem"))).contains("BEGIN EC PRIVATE KEY");
        assertThat(Files.readString(c.resolve("other-key.pem"))).contains("BEGIN PRIVATE KEY");
        assertMatches(c.resolve("server-key.pem"), c.resolve("server.pem"), "SHA256withRSA");
        assertMatches(c.resolve("key.pem"), c.resolve("cert.pem"), "SHA256withECDSA");
        assertMatches(c.resolve("other-key.pem"), c.resolve("other-cert.pem"), "SHA256withECDSA");
        assertMatches(c.resolve("ca-key.pem"), c.resolve("ca.pem"), "SHA256withRSA"); // PKCS#8 RSA
        assertThat(TlsFiles.serverContext(c.resolve("ca.pem"), c.resolve("server.pem"), c.resolve("server-key.pem")).getProtocol()).isEqualTo("TLS");
    }

    @Test
    void badFilesAreNamed() throws Exception {
        Path notPem = Files.writeString(tmp.resolve("x.pem"), "hello\n");
        assertThatThrownBy(() -> TlsFiles.privateKey(notPem)).isInstanceOf(IOException.class).hasMessageContaining(notPem.toString())
                .hasMessageContaining("no private key");
        assertThatThrownBy(() -> TlsFiles.certificates(notPem)).hasMessageContaining(notPem + ": no PEM certificate");
        assertThatThrownBy(() -> TlsFiles.certificates(tmp.resolve("missing.pem"))).hasMessageContaining("missing.pem: no such file");
        Path encrypted = Files.writeString(tmp.resolve("enc.pem"), "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n");
        assertThatThrownBy(() -> TlsFiles.privateKey(encrypted)).hasMessageContaining("encrypted");
    }

    private static void assertMatches(Path key, Path cert, String algorithm) throws Exception {
        PrivateKey k = TlsFiles.privateKey(key);
        X509Certificate x = (X509Certificate) TlsFiles.certificates(cert).getFirst();
        Signature s = Signature.getInstance(algorithm);
        s.initSign(k);
        s.update("berth".getBytes());
        byte[] sig = s.sign();
        Signature v = Signature.getInstance(algorithm);
        v.initVerify(x.getPublicKey());
        v.update("berth".getBytes());
        assertThat(v.verify(sig)).as(key + " signs for " + cert).isTrue();
    }
}
