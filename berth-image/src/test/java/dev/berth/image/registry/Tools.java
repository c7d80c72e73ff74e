package dev.berth.image.registry;

import org.junit.jupiter.api.Assumptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the command-line tools the tests use (htpasswd, openssl, skopeo), killing them by handle on timeout. */
final class Tools {
    private Tools() {}

    record Result(int exit, String output) {}

    static void assume(String binary) {
        Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin", binary)), binary + " is not installed (scripts/setup installs it)");
    }

    static Result run(List<String> cmd, int timeoutSeconds) throws IOException {
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        try {
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) throw new IOException(String.join(" ", cmd) + ": timed out");
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } finally {
            if (p.isAlive()) {
                p.destroyForcibly();
            }
        }
    }

    /** Runs and requires exit 0; the output. */
    static String check(List<String> cmd, int timeoutSeconds) throws IOException {
        Result r = run(cmd, timeoutSeconds);
        if (r.exit() != 0) throw new IOException(String.join(" ", cmd) + " exited " + r.exit() + ": " + r.output());
        return r.output();
    }
}
