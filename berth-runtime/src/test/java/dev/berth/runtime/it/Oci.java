package dev.berth.runtime.it;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import dev.berth.runtime.ContainerRuntime;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A runtime under test: berth through the Java API the engine calls, or runc through its command line. The
 * differential suites run the same bundle on both and expect the same behaviour.
 */
interface Oci {
    String name();

    /** Runs the bundle in the foreground; the exit code. */
    int run(TestBundle b) throws Exception;

    void create(TestBundle b) throws Exception;

    void start(String id) throws Exception;

    String status(String id) throws Exception;

    void kill(String id, String signal) throws Exception;

    void delete(String id, boolean force) throws Exception;

    /** State root, for leak checks. */
    Path root();

    static boolean runcPresent() {
        return Files.isExecutable(Path.of("/usr/sbin/runc")) || Files.isExecutable(Path.of("/usr/bin/runc"));
    }

    final class Berth implements Oci {
        final ContainerRuntime rt;
        final List<String> warnings = new ArrayList<>();

        Berth(Path root) {
            rt = ContainerRuntime.defaults(root, warnings::add);
        }

        public String name() {
            return "berth";
        }

        public int run(TestBundle b) throws IOException {
            return rt.run(new ContainerRuntime.CreateOptions(b.id, b.dir, null, null));
        }

        public void create(TestBundle b) throws IOException {
            rt.create(new ContainerRuntime.CreateOptions(b.id, b.dir, null, null)).close();
        }

        public void start(String id) throws IOException {
            rt.start(id);
        }

        public String status(String id) throws IOException {
            return rt.state(id).status().json();
        }

        public void kill(String id, String signal) throws IOException {
            rt.kill(id, dev.berth.runtime.linux.Signals.parse(signal), false);
        }

        public void delete(String id, boolean force) throws IOException {
            rt.delete(id, force);
        }

        public Path root() {
            return rt.root();
        }

        @Override
        public String toString() {
            return name();
        }
    }

    final class Runc implements Oci {
        private final Path root;

        Runc(Path root) {
            this.root = root;
        }

        public String name() {
            return "runc";
        }

        private Result runc(List<String> args, long timeoutSeconds) throws IOException, InterruptedException {
            List<String> cmd = new ArrayList<>(List.of("runc", "--root", root.toString()));
            cmd.addAll(args);
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IOException("runc " + args + " timed out");
            }
            return new Result(p.exitValue(), new String(out));
        }

        record Result(int code, String output) {}

        private String ok(List<String> args) throws Exception {
            Result r = runc(args, 60);
            if (r.code() != 0) throw new IOException("runc " + args + ": " + r.output().trim());
            return r.output();
        }

        public int run(TestBundle b) throws Exception {
            return runc(List.of("run", "--bundle", b.dir.toString(), b.id), 120).code();
        }

        public void create(TestBundle b) throws Exception {
            ok(List.of("create", "--bundle", b.dir.toString(), b.id));
        }

        public void start(String id) throws Exception {
            ok(List.of("start", id));
        }

        public String status(String id) throws Exception {
            JsonObject s = Json.parseObject(ok(List.of("state", id)), "runc state");
            return s.string("status");
        }

        public void kill(String id, String signal) throws Exception {
            ok(List.of("kill", id, signal));
        }

        public void delete(String id, boolean force) throws Exception {
            ok(force ? List.of("delete", "--force", id) : List.of("delete", id));
        }

        public Path root() {
            return root;
        }

        @Override
        public String toString() {
            return name();
        }
    }
}
