package dev.berth.cli;

import dev.berth.oci.runtime.RuntimeSpec;
import dev.berth.oci.runtime.RuntimeSpecReader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class MainTest {
    /** One call of Main.run with its exit status and what it printed. */
    record Result(int status, String out, String err) {}

    private static Result run(String... argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status;
        try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8); PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
            status = Main.run(List.of(argv), o, e);
        }
        return new Result(status, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    @Test
    void run_help_usageAndExit0() {
        for (String flag : List.of("--help", "-h", "help")) {
            Result r = run(flag);
            assertThat(r.status()).as(flag).isZero();
            assertThat(r.out()).isEqualTo(Main.HELP).contains("Usage: berth [-H unix:///SOCKET] [--data-root DIR] <command> [options]");
            assertThat(r.err()).isEmpty();
        }
    }

    @Test
    void run_noArgs_usageAndExit2() {
        Result r = run();
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.out()).isEqualTo(Main.HELP);
    }

    @Test
    void run_unknownCommand_exit2NamingIt() {
        Result r = run("frobnicate", "x");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("berth: unknown command \"frobnicate\" (see berth --help)\n");
        assertThat(r.out()).isEmpty();
    }

    @Test
    void run_version_printsVersion() {
        assertThat(run("version")).isEqualTo(new Result(0, "berth 0.1.0\n", ""));
        assertThat(run("--version")).isEqualTo(new Result(0, "berth 0.1.0\n", ""));
    }

    @Test
    void runtime_help_runtimeUsageAndExit0() {
        Result r = run("runtime", "--help");
        assertThat(r.status()).isZero();
        assertThat(r.out()).isEqualTo(RuntimeCommand.HELP).startsWith("Usage: berth runtime [--root DIR] <command>");
        assertThat(run("runtime", "help").out()).isEqualTo(RuntimeCommand.HELP);
    }

    @Test
    void runtime_noCommand_usageAndExit2() {
        Result r = run("runtime");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.out()).isEqualTo(RuntimeCommand.HELP);
    }

    @Test
    void runtime_unknownCommand_exit2NamingIt() {
        Result r = run("runtime", "bogus");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).isEqualTo("berth: unknown runtime command \"bogus\" (see berth runtime --help)\n");
    }

    @Test
    void runtime_unknownOrUnsupportedFlag_exit2() {
        assertThat(run("runtime", "--frob", "state", "x")).isEqualTo(
                new Result(2, "", "berth: unknown flag --frob (see berth runtime --help)\n"));
        Result r = run("runtime", "--systemd-cgroup", "state", "x");
        assertThat(r.status()).isEqualTo(2);
        assertThat(r.err()).contains("--systemd-cgroup is not supported");
    }

    @Test
    void runtime_rootWithoutValue_exit2() {
        assertThat(run("runtime", "--root")).isEqualTo(new Result(2, "", "berth: flag --root needs a value\n"));
    }

    @Test
    void runtime_stateWithoutId_exit2MissingContainerId() {
        assertThat(run("runtime", "state")).isEqualTo(new Result(2, "", "berth: missing container id\n"));
    }

    @Test
    void runtime_stateExtraArgument_exit2() {
        assertThat(run("runtime", "state", "a", "b")).isEqualTo(new Result(2, "", "berth: unexpected argument \"b\"\n"));
    }

    @Test
    void runtime_stateOfMissingContainer_exit1DoesNotExist() {
        Path root = Path.of("/nonexistent-dir-xyz");
        assertThat(root).doesNotExist();
        Result r = run("runtime", "--root", root.toString(), "state", "nosuch");
        assertThat(r).isEqualTo(new Result(1, "", "berth: container \"nosuch\" does not exist\n"));
        assertThat(root).doesNotExist();
        assertThat(run("runtime", "--root=" + root, "delete", "nosuch").err()).isEqualTo("berth: container \"nosuch\" does not exist\n");
    }

    @Test
    void runtime_listEmptyRoot_headerOnly(@TempDir Path root) {
        Result r = run("runtime", "--root", root.toString(), "list");
        assertThat(r.status()).isZero();
        assertThat(r.out()).startsWith("ID").contains("STATUS").hasLineCount(1);
        assertThat(run("runtime", "--root", root.toString(), "list", "-q")).isEqualTo(new Result(0, "", ""));
    }

    @Test
    void runtime_spec_writesRuncDefaultConfig(@TempDir Path bundle) throws IOException {
        Result r = run("runtime", "spec", "--bundle", bundle.toString());
        assertThat(r).isEqualTo(new Result(0, "", ""));
        RuntimeSpec s = RuntimeSpecReader.read(bundle.resolve("config.json"));
        assertThat(s.ociVersion()).isEqualTo("1.0.2");
        assertThat(s.process().args()).containsExactly("sh");
        assertThat(s.process().terminal()).isTrue();
        assertThat(s.process().noNewPrivileges()).isTrue();
        assertThat(s.process().rlimits()).containsExactly(new RuntimeSpec.Rlimit("RLIMIT_NOFILE", 1024, 1024));
        assertThat(s.root()).isEqualTo(new RuntimeSpec.Root("rootfs", true));
        assertThat(s.hostname()).isEqualTo("berth");
        assertThat(s.mounts()).extracting(RuntimeSpec.Mount::destination).containsExactly(
                "/proc", "/dev", "/dev/pts", "/dev/shm", "/dev/mqueue", "/sys", "/sys/fs/cgroup");
        assertThat(s.linux().namespaces()).extracting(RuntimeSpec.Namespace::type)
                .containsExactly("pid", "network", "ipc", "uts", "mount", "cgroup");
        assertThat(s.linux().resources().devices()).containsExactly(new RuntimeSpec.DeviceRule(false, "a", null, null, "rwm"));
        assertThat(Files.readString(bundle.resolve("config.json"))).startsWith("{\n  \"ociVersion\": \"1.0.2\",\n").endsWith("}\n");
    }

    @Test
    void runtime_specExisting_refusesAndKeepsFile(@TempDir Path bundle) throws IOException {
        Path config = bundle.resolve("config.json");
        Files.writeString(config, "{\"mine\":true}");
        Result r = run("runtime", "spec", "--bundle", bundle.toString());
        assertThat(r).isEqualTo(new Result(1, "", "berth: " + config + " already exists\n"));
        assertThat(Files.readString(config)).isEqualTo("{\"mine\":true}");
    }

    @Test
    void runtime_specTwice_secondRefused(@TempDir Path bundle) throws IOException {
        assertThat(run("runtime", "spec", "-b", bundle.toString()).status()).isZero();
        String first = Files.readString(bundle.resolve("config.json"));
        assertThat(run("runtime", "spec", "-b", bundle.toString()).status()).isEqualTo(1);
        assertThat(Files.readString(bundle.resolve("config.json"))).isEqualTo(first);
    }

    @Test
    void runtime_specWithCommandAfterDashDash_usesItVerbatimWithoutTerminal(@TempDir Path bundle) throws IOException {
        assertThat(run("runtime", "spec", "--bundle=" + bundle, "--memory", "64m", "--", "sh", "-c", "echo  two  spaces").status()).isZero();
        var spec = RuntimeSpecReader.read(bundle.resolve("config.json"));
        assertThat(spec.process().args()).containsExactly("sh", "-c", "echo  two  spaces");
        assertThat(spec.process().terminal()).isFalse();
        assertThat(spec.linux().resources().memory().limit()).isEqualTo(64L << 20);
    }

    @Test
    void runtime_specUnknownFlag_exit2() {
        assertThat(run("runtime", "spec", "--frob")).isEqualTo(new Result(2, "", "berth: unknown flag --frob\n"));
    }
}
