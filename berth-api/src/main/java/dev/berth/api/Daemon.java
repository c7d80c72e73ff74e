package dev.berth.api;

import dev.berth.api.http.HttpServer;
import dev.berth.api.http.Router;
import dev.berth.build.Builder;
import dev.berth.engine.Engine;
import dev.berth.oci.json.Json;
import dev.berth.runtime.ContainerRuntime;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * berth's daemon: the engine behind the Docker Engine API on a Unix socket (root-owned, mode 0660), so the
 * docker CLI, docker-compose and Testcontainers work against berth unchanged.
 */
public final class Daemon implements AutoCloseable {
    private final Engine engine;
    private final HttpServer server;

    private Daemon(Engine engine, HttpServer server) {
        this.engine = engine;
        this.server = server;
    }

    public static Daemon start(Path socket, Path dataRoot, Path runRoot) throws IOException {
        Files.createDirectories(socket.getParent());
        Engine engine = new Engine(dataRoot, runRoot);
        Builder builder = new Builder(engine.images(), engine.snapshots(),
                ContainerRuntime.defaults(runRoot.resolve("build"), w -> System.err.println("berth: warning: " + w)), dataRoot.resolve("tmp"));
        Router router = new Router();
        SystemRoutes.register(router, () -> info(engine, dataRoot));
        ContainerRoutes.register(router, engine);
        ContainerFileRoutes.register(router, engine);
        ImageRoutes.register(router, engine, builder, dataRoot.resolve("tmp"));
        VolumeRoutes.register(router, engine);
        StreamRoutes.register(router, engine);
        try {
            return new Daemon(engine, HttpServer.start(UnixDomainSocketAddress.of(socket), router));
        } catch (IOException | RuntimeException e) {
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

    public Engine engine() {
        return engine;
    }

    @Override
    public void close() throws IOException {
        server.close();
        engine.close();
    }
}
