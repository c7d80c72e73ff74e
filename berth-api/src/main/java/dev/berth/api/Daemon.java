package dev.berth.api;

import dev.berth.api.http.HttpServer;
import dev.berth.api.http.Router;
import dev.berth.build.Builder;
import dev.berth.engine.Engine;
import dev.berth.oci.json.Json;
import dev.berth.runtime.ContainerRuntime;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.SSLContext;

/**
 * berth's daemon: the engine behind the Docker Engine API on a Unix socket (root-owned, mode 0660), so the
 * docker CLI, docker-compose and Testcontainers work against berth unchanged.
 */
public final class Daemon implements AutoCloseable {
    private final Engine engine;
    private final Router router;
    private final List<HttpServer> servers = new CopyOnWriteArrayList<>();
    private final EmbeddedDns dns;

    private Daemon(Engine engine, EmbeddedDns dns, Router router, HttpServer server) {
        this.engine = engine;
        this.dns = dns;
        this.router = router;
        if (server != null) servers.add(server);
    }

    /** The daemon on a Unix socket; with a null socket on none yet (see {@link #listenTls}). */
    public static Daemon start(Path socket, Path dataRoot, Path runRoot) throws IOException {
        if (socket != null) Files.createDirectories(socket.getParent());
        Engine engine = new Engine(dataRoot, runRoot);
        EmbeddedDns dns = null;
        try {
            engine.restore(); // containers left by a previous daemon (live restore)
            dns = new EmbeddedDns();
            engine.networks().setNameService(dns); // names on user-defined networks
        } catch (IOException | RuntimeException e) {
            if (dns != null) dns.close();
            engine.close();
            throw e;
        }
        Builder builder = new Builder(engine.images(), engine.snapshots(),
                ContainerRuntime.defaults(runRoot.resolve("build"), w -> System.err.println("berth: warning: " + w)), dataRoot.resolve("tmp"));
        Router router = new Router();
        SystemRoutes.register(router, () -> info(engine, dataRoot));
        ContainerRoutes.register(router, engine);
        ContainerFileRoutes.register(router, engine);
        ImageRoutes.register(router, engine, builder, dataRoot.resolve("tmp"));
        VolumeRoutes.register(router, engine);
        NetworkRoutes.register(router, engine);
        StreamRoutes.register(router, engine);
        try {
            return new Daemon(engine, dns, router, socket == null ? null : HttpServer.start(UnixDomainSocketAddress.of(socket), router));
        } catch (IOException | RuntimeException e) {
            dns.close();
            engine.close();
            throw e;
        }
    }

    private static Map<String, Object> info(Engine engine, Path dataRoot) {
        try {
            var all = engine.list(true);
            long running = all.stream().filter(c -> Boolean.TRUE.equals(((Map<?, ?>) c.get("State")).get("Running"))).count();
            long paused = all.stream().filter(c -> Boolean.TRUE.equals(((Map<?, ?>) c.get("State")).get("Paused"))).count();
            return Json.obj("Containers", all.size(), "ContainersRunning", running - paused, "ContainersPaused", paused,
                    "ContainersStopped", all.size() - running, "Images", engine.images().list().size(), "DockerRootDir", dataRoot.toString());
        } catch (IOException e) {
            return Map.of();
        }
    }

    /**
     * {@code Daemon SOCKET DATA-ROOT RUN-ROOT}: serves until SIGTERM or SIGINT, with no CLI around it (the live
     * restore test starts and SIGKILLs daemons as processes of their own).
     */
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: dev.berth.api.Daemon SOCKET DATA-ROOT RUN-ROOT");
            System.exit(2);
        }
        Daemon d = start(Path.of(args[0]), Path.of(args[1]), Path.of(args[2]));
        System.err.println("berth daemon: serving the Docker API on " + args[0]);
        d.serveUntilSignalled();
    }

    /** Blocks until SIGTERM or SIGINT, then closes the daemon (its containers keep running: live restore). */
    public void serveUntilSignalled() throws InterruptedException {
        java.util.concurrent.CountDownLatch stop = new java.util.concurrent.CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                close();
            } catch (Exception ignored) {
                // going down anyway
            }
            stop.countDown();
        }));
        stop.await();
    }

    public Engine engine() {
        return engine;
    }

    /**
     * Serves the API on TCP too, over TLS to clients with a certificate {@code tls} trusts (docker's
     * {@code -H tcp://... --tlsverify}); never plain TCP. Returns the address bound (the port for port 0).
     */
    public SocketAddress listenTls(InetSocketAddress address, SSLContext tls) throws IOException {
        HttpServer s = HttpServer.startTls(address, tls, router, new HttpServer.Listener() { });
        servers.add(s);
        return s.address();
    }

    @Override
    public void close() throws IOException {
        for (HttpServer s : servers) s.close();
        dns.close();
        engine.close();
    }
}
