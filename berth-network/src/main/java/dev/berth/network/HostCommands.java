package dev.berth.network;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the host's network tools (ip, iptables, unshare, umount), failures reported with the command and its output. */
final class HostCommands {
    private HostCommands() {}

    /** Runs the command; its output on success, a NetworkException(500) naming the step otherwise. */
    static String run(String step, String... cmd) {
        Result r = tryRun(cmd);
        if (r.exit != 0) throw new NetworkException(500, step + ": " + String.join(" ", cmd) + ": " + r.output.strip());
        return r.output;
    }

    record Result(int exit, String output) {}

    static Result tryRun(String... cmd) {
        try {
            Process p = new ProcessBuilder(List.of(cmd)).redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                return new Result(124, "timed out");
            }
            return new Result(p.exitValue(), out);
        } catch (IOException e) {
            return new Result(127, e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(130, "interrupted");
        }
    }
}
