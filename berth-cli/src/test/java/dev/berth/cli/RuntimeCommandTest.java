package dev.berth.cli;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import dev.berth.runtime.BusyboxBundle;
import dev.berth.runtime.linux.Libc;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code berth runtime} driven the way an engine drives runc: the same verbs, flags, JSON and exit codes, on
 * the real kernel (root).
 */
class RuntimeCommandTest {
    @TempDir
    static Path tmp;
    static Path root;

    @BeforeAll
    static void requireRoot() {
        boolean isRoot = Libc.geteuid() == 0;
        if (!isRoot) System.err.println("SKIP: berth runtime creates namespaces and cgroups and needs root");
        Assumptions.assumeTrue(isRoot, "needs root");
        root = tmp.resolve("state");
    }

    record Result(int code, String out, String err) {}

    private static Result berth(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        List<String> argv = new ArrayList<>(List.of("runtime", "--root", root.toString()));
        argv.addAll(List.of(args));
        int code = Main.run(argv, new PrintStream(out, true), new PrintStream(err, true));
        return new Result(code, out.toString(), err.toString());
    }

    @SuppressWarnings("unchecked")
    private static Path bundle(String name, String script) throws IOException {
        Path b = BusyboxBundle.create(tmp.resolve(name), List.of("true"));
        Map<String, Object> config = (Map<String, Object>) Json.parse(Files.readString(b.resolve("config.json")), "config.json");
        ((Map<String, Object>) config.get("process")).put("args", List.of("sh", "-c", script));
        Files.writeString(b.resolve("config.json"), Json.writePretty(config));
        return b;
    }

    private static JsonObject state(String id) {
        Result r = berth("state", id);
        assertThat(r.code()).as(r.err()).isZero();
        return Json.parseObject(r.out(), "state");
    }

    @Test
    void createStartStateKillDelete_likeRunc() throws Exception {
        Path b = bundle("life", "sleep 1000");
        Path pidFile = tmp.resolve("life.pid");
        assertThat(berth("create", "--bundle", b.toString(), "--pid-file", pidFile.toString(), "cli-life").code()).isZero();
        JsonObject s = state("cli-life");
        assertThat(s.string("status")).isEqualTo("created");
        assertThat(s.string("ociVersion")).isEqualTo("1.0.2");
        assertThat(s.string("bundle")).isEqualTo(b.toString());
        long pid = s.requireLong("pid");
        assertThat(Files.readString(pidFile).trim()).isEqualTo(Long.toString(pid));

        assertThat(berth("start", "cli-life").code()).isZero();
        assertThat(state("cli-life").string("status")).isEqualTo("running");
        Result ps = berth("ps", "--format", "json", "cli-life");
        assertThat(ps.out().trim()).isEqualTo("[" + pid + "]");
        assertThat(berth("list").out()).contains("cli-life").contains("running");

        Result exec = berth("exec", "cli-life", "sh", "-c", "exit 3");
        assertThat(exec.code()).as(exec.err()).isEqualTo(3);

        Result busy = berth("delete", "cli-life");
        assertThat(busy.code()).isEqualTo(1);
        assertThat(busy.err()).contains("berth: cannot delete container cli-life: it is running");

        assertThat(berth("kill", "cli-life", "KILL").code()).isZero();
        long deadline = System.nanoTime() + 10_000_000_000L;
        while (!state("cli-life").string("status").equals("stopped") && System.nanoTime() < deadline) Thread.sleep(5);
        JsonObject stopped = state("cli-life");
        assertThat(stopped.string("status")).isEqualTo("stopped");
        assertThat(stopped.requireLong("exitCode")).isEqualTo(137);
        assertThat(berth("delete", "cli-life").code()).isZero();
        assertThat(berth("list", "-q").out()).doesNotContain("cli-life");
        assertThat(root.resolve("cli-life")).doesNotExist();
    }

    @Test
    void run_exitsWithTheProcessStatus() throws Exception {
        Path b = bundle("run", "exit 5");
        assertThat(berth("run", "--bundle", b.toString(), "cli-run").code()).isEqualTo(5);
        assertThat(root.resolve("cli-run")).doesNotExist();
    }

    @Test
    void errors_areOneLineOnStderrWithExitStatus1() throws Exception {
        Result r = berth("state", "no-such-container");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().trim()).isEqualTo("berth: container \"no-such-container\" does not exist");
        Path b = bundle("badcwd", "true");
        Files.writeString(b.resolve("config.json"), Files.readString(b.resolve("config.json")).replace("\"cwd\": \"/\"", "\"cwd\": \"relative\""));
        r = berth("run", "--bundle", b.toString(), "cli-bad");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err().trim()).isEqualTo("berth: " + b.resolve("config.json") + ": process.cwd: must be an absolute path, got \"relative\"");
        r = berth("kill", "no-such-container", "NOSIG");
        assertThat(r.code()).isEqualTo(1);
        assertThat(r.err()).contains("unknown signal \"NOSIG\"");
    }
}
