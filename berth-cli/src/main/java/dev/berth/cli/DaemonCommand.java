package dev.berth.cli;

import dev.berth.api.Daemon;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** {@code berth daemon}: serves the Docker Engine API on a Unix socket until SIGTERM or SIGINT. */
final class DaemonCommand {
    private final PrintStream err;
    private final Path dataRoot;

    DaemonCommand(PrintStream err, Path dataRoot) {
        this.err = err;
        this.dataRoot = dataRoot;
    }

    int run(Args a) throws Exception {
        String host = "unix:///run/berth/berth.sock";
        Path execRoot = Path.of("/run/berth");
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-H", "--host" -> host = a.value(f);
                case "--exec-root" -> execRoot = Path.of(a.value(f));
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        a.end();
        if (!host.startsWith("unix://")) throw new Args.UsageException("--host: berth listens on a Unix socket (unix:///path); TCP needs TLS, not built yet");
        Path socket = Path.of(host.substring("unix://".length()));
        Daemon d = Daemon.start(socket, dataRoot, execRoot);
        err.println("berth daemon: serving the Docker API on " + socket + " (DOCKER_HOST=unix://" + socket + ")");
        CountDownLatch stop = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                d.close();
            } catch (Exception ignored) {
                // going down anyway
            }
            stop.countDown();
        }));
        stop.await();
        return 0;
    }
}
