package dev.berth.runtime;

import dev.berth.oci.runtime.RuntimeSpec.Hook;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the hooks that run in the runtime's own namespaces after start (poststart) and after delete (poststop). */
final class Hooks {
    private Hooks() {}

    /** Runs each hook with the state JSON on stdin; the first failure is thrown, naming the hook. */
    static void run(String kind, List<Hook> hooks, String stateJson) throws IOException {
        for (Hook h : hooks) {
            // the program run is path; args[0] cannot be passed separately from Java, so path stands in for it
            List<String> cmd = new java.util.ArrayList<>(List.of(h.path()));
            if (h.args().size() > 1) cmd.addAll(h.args().subList(1, h.args().size()));
            ProcessBuilder pb = new ProcessBuilder(cmd);
            pb.environment().clear();
            for (String e : h.env()) {
                int eq = e.indexOf('=');
                if (eq > 0) pb.environment().put(e.substring(0, eq), e.substring(eq + 1));
            }
            pb.redirectOutput(ProcessBuilder.Redirect.INHERIT).redirectError(ProcessBuilder.Redirect.INHERIT);
            Process p = pb.start();
            try (OutputStream in = p.getOutputStream()) {
                in.write(stateJson.getBytes(StandardCharsets.UTF_8));
            } catch (IOException ignored) {
                // a hook need not read its stdin
            }
            try {
                boolean done = h.timeout() == null ? p.waitFor() >= 0 : p.waitFor(h.timeout(), TimeUnit.SECONDS);
                if (!done) {
                    p.destroyForcibly().waitFor();
                    throw new IOException(kind + " hook " + h.path() + ": timed out after " + h.timeout() + " s");
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
                throw new IOException(kind + " hook " + h.path() + ": interrupted");
            }
            if (p.exitValue() != 0) throw new IOException(kind + " hook " + h.path() + ": exited with status " + p.exitValue());
        }
    }
}
