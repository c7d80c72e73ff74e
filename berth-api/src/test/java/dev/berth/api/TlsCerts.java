package dev.berth.api;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Certificates made with openssl for TLS tests, in a directory: a CA (ca.pem), a server certificate for
 * 127.0.0.1 and localhost (server.pem, its key server-key.pem in PKCS#1 RSA form), a client certificate
 * (cert.pem, key.pem: an EC key in SEC1 form), and a client of another CA (other-cert.pem, other-key.pem,
 * PKCS#8). Skips the calling test when openssl is missing.
 */
final class TlsCerts {
    private TlsCerts() {
    }

    static Path make(Path dir) throws Exception {
        Files.createDirectories(dir);
        String script = """
                set -e
                openssl genrsa -out ca-key.pem 2048
                openssl req -new -x509 -days 2 -key ca-key.pem -subj /CN=berth-test-ca -out ca.pem
                openssl genrsa -traditional -out server-key.pem 2048
                openssl req -new -key server-key.pem -subj /CN=localhost -out server.csr
                printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth\\n' > server.ext
                openssl x509 -req -days 2 -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -extfile server.ext -out server.pem
                openssl ecparam -name prime256v1 -genkey -noout -out key.pem
                openssl req -new -key key.pem -subj /CN=berth-test-client -out client.csr
                printf 'extendedKeyUsage=clientAuth\\n' > client.ext
                openssl x509 -req -days 2 -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -extfile client.ext -out cert.pem
                openssl genrsa -out other-ca-key.pem 2048
                openssl req -new -x509 -days 2 -key other-ca-key.pem -subj /CN=other-ca -out other-ca.pem
                openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other-key.pem
                openssl req -new -key other-key.pem -subj /CN=other-client -out other.csr
                openssl x509 -req -days 2 -in other.csr -CA other-ca.pem -CAkey other-ca-key.pem -CAcreateserial -extfile client.ext -out other-cert.pem
                """;
        boolean openssl = Files.isExecutable(Path.of("/usr/bin/openssl"));
        if (!openssl) System.err.println("SKIP: openssl is not installed");
        Assumptions.assumeTrue(openssl, "needs openssl");
        Process p = new ProcessBuilder("sh", "-c", script).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) throw new IOException("openssl failed: " + out);
        for (String f : List.of("ca.pem", "server.pem", "server-key.pem", "cert.pem", "key.pem", "other-cert.pem", "other-key.pem")) {
            if (!Files.exists(dir.resolve(f))) throw new IOException("openssl made no " + f + ": " + out);
        }
        return dir;
    }
}
