package dev.berth.cli;

import dev.berth.api.Daemon;
import dev.berth.api.http.TlsFiles;

import java.io.PrintStream;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * {@code berth daemon}: serves the Docker Engine API until SIGTERM or SIGINT, on a Unix socket and/or on TCP
 * with TLS and required client certificates (docker's {@code -H tcp://host:port --tlsverify --tlscacert
 * --tlscert --tlskey}). Plain TCP is refused: it would hand root to anyone who can reach the port.
 */
final class DaemonCommand {
    private final PrintStream err;
    private final Path dataRoot;

    DaemonCommand(PrintStream err, Path dataRoot) {
        this.err = err;
        this.dataRoot = dataRoot;
    }

    int run(Args a) throws Exception {
        List<String> hosts = new ArrayList<>();
        Path execRoot = Path.of("/run/berth");
        boolean tlsVerify = false;
        Path docker = Path.of(System.getProperty("user.home"), ".docker");
        Path ca = docker.resolve("ca.pem"), cert = docker.resolve("cert.pem"), key = docker.resolve("key.pem");
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-H", "--host" -> hosts.add(a.value(f));
                case "--exec-root" -> execRoot = Path.of(a.value(f));
                case "--tlsverify" -> tlsVerify = !f.contains("=") || Boolean.parseBoolean(a.value(f));
                case "--tls" -> {
                    if (!f.contains("=") || Boolean.parseBoolean(a.value(f))) {
                        throw new Args.UsageException("--tls without --tlsverify lets any client in: berth serves TCP only with --tlsverify");
                    }
                }
                case "--tlscacert" -> ca = Path.of(a.value(f));
                case "--tlscert" -> cert = Path.of(a.value(f));
                case "--tlskey" -> key = Path.of(a.value(f));
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        a.end();
        if (hosts.isEmpty()) hosts.add("unix:///run/berth/berth.sock");
        Path socket = null;
        List<InetSocketAddress> tcp = new ArrayList<>();
        for (String h : hosts) {
            if (h.startsWith("unix://")) {
                if (socket != null) throw new Args.UsageException("-H: one Unix socket at most");
                socket = Path.of(h.substring("unix://".length()));
            } else if (h.startsWith("tcp://")) {
                if (!tlsVerify) {
                    throw new Args.UsageException("-H " + h + ": berth serves TCP only over TLS with client certificates:"
                            + " add --tlsverify --tlscacert ca.pem --tlscert server-cert.pem --tlskey server-key.pem");
                }
                tcp.add(tcpAddress(h));
            } else {
                throw new Args.UsageException("-H " + h + ": use unix:///path or tcp://host:port");
            }
        }
        SSLContext tls = null;
        try {
            if (!tcp.isEmpty()) tls = TlsFiles.serverContext(ca, cert, key); // bad files fail before anything starts
        } catch (java.io.IOException e) {
            throw new Args.UsageException("--tlscacert, --tlscert, --tlskey: " + e.getMessage());
        }
        Daemon d = Daemon.start(socket, dataRoot, execRoot);
        try {
            if (socket != null) err.println("berth daemon: serving the Docker API on " + socket + " (DOCKER_HOST=unix://" + socket + ")");
            for (InetSocketAddress t : tcp) {
                var bound = (InetSocketAddress) d.listenTls(t, tls);
                err.println("berth daemon: serving the Docker API on tcp://" + bound.getHostString() + ":" + bound.getPort()
                        + " over TLS, to clients with a certificate signed by " + ca);
            }
        } catch (Exception e) {
            d.close();
            throw e;
        }
        d.serveUntilSignalled();
        return 0;
    }

    /** tcp://host:port (docker's default TLS port 2376 when none is given). */
    private static InetSocketAddress tcpAddress(String h) {
        URI u;
        try {
            u = URI.create(h);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("-H " + h + ": not a tcp://host:port address");
        }
        if (u.getHost() == null || (u.getPath() != null && !u.getPath().isEmpty() && !u.getPath().equals("/"))) {
            throw new Args.UsageException("-H " + h + ": not a tcp://host:port address");
        }
        return new InetSocketAddress(u.getHost(), u.getPort() < 0 ? 2376 : u.getPort());
    }
}
