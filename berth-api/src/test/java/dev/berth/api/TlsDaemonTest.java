package dev.berth.api;

import dev.berth.api.http.TlsFiles;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The daemon on TCP with TLS and required client certificates, with the real docker CLI: --tlsverify with a
 * client certificate works (version, and a run --rm whose hijacked stream half-closes over TLS); without a
 * certificate, with one from another CA, or in plain HTTP, nothing gets through.
 */
class TlsDaemonTest {
    @TempDir
    static Path tmp;
    static TestDaemon d;
    static Path certs;
    static int port;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(DockerCli.DOCKER), "the docker CLI is not installed at " + DockerCli.DOCKER);
        certs = TlsCerts.make(tmp.resolve("certs"));
        d = TestDaemon.start(tmp);
        var ctx = TlsFiles.serverContext(certs.resolve("ca.pem"), certs.resolve("server.pem"), certs.resolve("server-key.pem"));
        port = ((InetSocketAddress) d.daemon.listenTls(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), ctx)).getPort();
    }

    @AfterAll
    static void stop() throws Exception {
        if (d != null) d.close();
    }

    @Test
    void clientWithCertificate_versionAndRunRm() throws Exception {
        var v = docker(tls("cert.pem", "key.pem"), "version", "--format", "{{.Server.Version}} {{.Server.Os}}");
        assertThat(v.exit()).as(v.output()).isZero();
        assertThat(v.stdout().trim()).endsWith(" linux");
        var run = docker(tls("cert.pem", "key.pem"), "run", "--rm", "busybox", "sh", "-c", "echo over tls; echo err >&2; exit 3");
        assertThat(run.exit()).as(run.output()).isEqualTo(3);
        assertThat(run.stdout()).isEqualTo("over tls\n");
        assertThat(run.stderr()).contains("err");
        var piped = docker(tls("cert.pem", "key.pem"), "piped\n".getBytes(), "run", "--rm", "-i", "busybox", "cat");
        assertThat(piped.stdout()).isEqualTo("piped\n");
    }

    @Test
    void withoutClientCertificate_refused() throws Exception {
        var r = docker(List.of("--tlsverify", "--tlscacert", certs.resolve("ca.pem").toString()), "version");
        assertThat(r.exit()).isNotZero();
        assertThat(r.output()).containsIgnoringCase("certificate");
        assertThat(r.output()).doesNotContain("Server: berth");
    }

    @Test
    void clientCertificateOfAnotherCa_refused() throws Exception {
        var r = docker(tls("other-cert.pem", "other-key.pem"), "version", "--format", "{{.Server.Version}}");
        assertThat(r.exit()).isNotZero();
        assertThat(r.stdout().trim()).isEmpty();
    }

    @Test
    void plainHttp_getsNoReply() throws Exception {
        var r = docker(List.of(), "version", "--format", "{{.Server.Version}}");
        assertThat(r.exit()).isNotZero();
        assertThat(r.stdout().trim()).isEmpty();
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), port)) {
            s.setSoTimeout(10_000);
            s.getOutputStream().write("GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            InputStream in = s.getInputStream();
            byte[] reply;
            try {
                reply = in.readAllBytes();
            } catch (java.net.SocketException reset) {
                reply = new byte[0];
            }
            assertThat(new String(reply, StandardCharsets.ISO_8859_1)).doesNotContain("HTTP/1.1", "OK");
        }
    }

    private static List<String> tls(String cert, String key) {
        return List.of("--tlsverify", "--tlscacert", certs.resolve("ca.pem").toString(), "--tlscert", certs.resolve(cert).toString(),
                "--tlskey", certs.resolve(key).toString());
    }

    private static DockerCli.Result docker(List<String> global, String... args) throws Exception {
        return docker(global, null, args);
    }

    /** The docker CLI at tcp://127.0.0.1:port with the given global flags (a clean environment, its own config). */
    private static DockerCli.Result docker(List<String> global, byte[] stdin, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of(DockerCli.DOCKER.toString()));
        cmd.addAll(global);
        cmd.addAll(List.of("-H", "tcp://127.0.0.1:" + port));
        cmd.addAll(List.of(args));
        Path config = Files.createDirectories(tmp.resolve("docker-config"));
        Path out = Files.createTempFile(config, "out", ".txt"), err = Files.createTempFile(config, "err", ".txt");
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectOutput(out.toFile()).redirectError(err.toFile())
                .redirectInput(stdin == null ? ProcessBuilder.Redirect.from(Path.of("/dev/null").toFile()) : ProcessBuilder.Redirect.PIPE);
        Map<String, String> env = pb.environment();
        for (String k : List.of("DOCKER_HOST", "DOCKER_API_VERSION", "DOCKER_CONTEXT", "DOCKER_TLS_VERIFY", "DOCKER_CERT_PATH")) env.remove(k);
        env.put("DOCKER_CONFIG", config.toString());
        Process p = pb.start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin);
            }
        }
        if (!p.waitFor(60, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("docker " + String.join(" ", args) + " did not finish in 60 s: " + Files.readString(err));
        }
        var r = new DockerCli.Result(p.exitValue(), Files.readString(out), Files.readString(err));
        System.out.println("$ docker " + String.join(" ", cmd.subList(1, cmd.size())) + "  (exit " + r.exit() + ")\n" + r.output());
        return r;
    }
}
