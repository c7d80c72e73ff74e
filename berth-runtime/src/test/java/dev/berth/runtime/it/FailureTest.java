package dev.berth.runtime.it;

import dev.berth.oci.json.Json;
import dev.berth.runtime.ContainerRuntime;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.Consumer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Every failure before exec reaches the caller as one sentence naming the step and the cause, and leaves
 * nothing behind: no state directory, cgroup, process or mount. Each case is checked for leaks after it fails.
 */
class FailureTest {
    @TempDir
    static Path tmp;
    static Oci.Berth oci;

    @AfterAll
    static void tidy() throws IOException {
        Host.removeEmptyTestCgroups();
    }

    @BeforeAll
    static void setUp() throws IOException {
        Host.requireRoot();
        oci = new Oci.Berth(Files.createDirectories(tmp.resolve("root")));
    }

    /** Creates the bundle after the change and returns the error; asserts nothing was left behind. */
    private static Throwable failCreate(String name, Consumer<TestBundle> change) throws IOException {
        TestBundle b = TestBundle.create(tmp, name).script("echo should-not-run > /out/ran");
        change.accept(b);
        b.write();
        Throwable t = catchThrowable(() -> oci.create(b));
        assertThat(t).as("create must fail").isNotNull();
        assertThat(b.read("ran")).isEmpty();
        Host.assertNoLeaks(oci, b);
        return t;
    }

    @Test
    void missingRootfs_namesRootPath() throws IOException {
        Throwable t = failCreate("noroot", b -> ((java.util.Map<String, Object>) b.config.get("root")).put("path", "nowhere"));
        assertThat(t).hasMessageContaining("root.path").hasMessageContaining("nowhere");
    }

    @Test
    void invalidConfigField_namesTheField() throws IOException {
        Throwable t = failCreate("badns", b -> b.linux().put("namespaces", List.of(Json.obj("type", "pdi"), Json.obj("type", "mount"))));
        assertThat(t).hasMessageContaining("config.json: linux.namespaces[0].type: unknown namespace type \"pdi\"");
        t = failCreate("badtype", b -> b.process().put("args", "sh"));
        assertThat(t).hasMessageContaining("process.args: expected an array, got a string");
    }

    @Test
    void malformedJson_namesLineAndColumn() throws IOException {
        TestBundle b = TestBundle.create(tmp, "json");
        Files.writeString(b.dir.resolve("config.json"), "{\n  \"ociVersion\": \"1.0.2\",\n  \"root\": {\"path\": \"rootfs\"\n}");
        assertThat(catchThrowable(() -> oci.create(b))).hasMessageContaining("config.json:4:2");
        Host.assertNoLeaks(oci, b);
    }

    @Test
    void bindMountOfAMissingSource_namesTheMount() throws IOException {
        Throwable t = failCreate("nosrc", b -> b.mounts().add(Json.obj("destination", "/data", "type", "bind", "source", "/does/not/exist", "options", List.of("rbind"))));
        assertThat(t).hasMessageMatching("mounts\\[\\d+\\]\\.source: /does/not/exist: no such file or directory");
    }

    @Test
    void missingProgram_failsCreateNotStart() throws IOException {
        Throwable t = failCreate("noprog", b -> b.process().put("args", List.of("no-such-program")));
        assertThat(t).hasMessage("exec: No such file or directory (executable file \"no-such-program\" not found in $PATH)");
    }

    @Test
    void mountTheKernelRefuses_namesTheMountAndTheCause() throws IOException {
        Throwable t = failCreate("badfs", b -> b.mounts().add(Json.obj("destination", "/x", "type", "no-such-fs", "source", "none")));
        assertThat(t).hasMessageStartingWith("mount /x: No such device (no-such-fs on ").hasMessageEndingWith("/rootfs/x)");
    }

    @Test
    void failingHook_namesTheHook() throws IOException {
        Throwable t = failCreate("hook", b -> b.config.put("hooks", Json.obj("createRuntime", List.of(Json.obj("path", "/bin/false")))));
        assertThat(t).hasMessageStartingWith("createRuntime hook: ").hasMessageContaining("/bin/false");
    }

    @Test
    void hangingHook_isKilledAtItsTimeout() throws IOException {
        long start = System.nanoTime();
        Throwable t = failCreate("hang", b -> b.config.put("hooks", Json.obj("prestart",
                List.of(Json.obj("path", "/bin/sleep", "args", List.of("sleep", "100"), "timeout", 1)))));
        assertThat(t).hasMessageContaining("prestart hook: Connection timed out");
        assertThat(System.nanoTime() - start).isLessThan(10_000_000_000L);
    }

    @Test
    void impossibleMemoryLimit_namesTheCgroupFile() throws IOException {
        Throwable t = failCreate("mem", b -> b.resources().put("memory", Json.obj("limit", 4096, "swap", 4096)));
        assertThat(t).hasMessage("the container process was killed by SIGKILL while it was being set up: out of memory (the cgroup's memory limit is too low to start it)");
    }

    @Test
    void duplicateIdAndWrongStates_areRefused() throws Exception {
        TestBundle b = TestBundle.create(tmp, "dup").script("sleep 100");
        oci.create(b);
        try {
            assertThat(catchThrowable(() -> oci.create(b))).hasMessageContaining("already exists");
            assertThat(catchThrowable(() -> oci.rt.exec(b.id, null, null))).hasMessageContaining("created");
            oci.start(b.id);
            assertThat(catchThrowable(() -> oci.start(b.id))).hasMessageContaining("not created");
            assertThat(catchThrowable(() -> oci.rt.resume(b.id))).hasMessageContaining("running");
        } finally {
            oci.delete(b.id, true);
        }
        Host.assertNoLeaks(oci, b);
        assertThat(catchThrowable(() -> oci.rt.state(b.id))).hasMessage("container \"" + b.id + "\" does not exist");
        assertThat(catchThrowable(() -> oci.rt.state("../etc"))).hasMessageContaining("invalid container id");
    }

    @Test
    void createdButNeverStarted_deletesCleanly() throws Exception {
        TestBundle b = TestBundle.create(tmp, "nostart").script("echo ran > /out/ran");
        oci.create(b);
        oci.delete(b.id, false);
        assertThat(b.read("ran")).isEmpty();
        Host.assertNoLeaks(oci, b);
    }

    @Test
    void execOfAMissingProgram_namesIt() throws Exception {
        TestBundle b = TestBundle.create(tmp, "execfail").script("sleep 100");
        oci.create(b);
        try {
            oci.start(b.id);
            var p = new dev.berth.oci.runtime.RuntimeSpec.Process(false, new dev.berth.oci.runtime.RuntimeSpec.User(0, 0, null, List.of()),
                    List.of("nope"), List.of("PATH=/bin"), "/", dev.berth.oci.runtime.RuntimeSpec.Capabilities.NONE, List.of(), false, null, null, null);
            assertThat(catchThrowable(() -> oci.rt.exec(b.id, p, new ContainerRuntime.ExecOptions(null, false, null))))
                    .hasMessageContaining("executable file \"nope\" not found");
            assertThat(oci.rt.ps(b.id)).hasSize(1);
        } finally {
            oci.delete(b.id, true);
        }
        Host.assertNoLeaks(oci, b);
    }
}
