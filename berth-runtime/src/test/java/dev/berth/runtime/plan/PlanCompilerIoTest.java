package dev.berth.runtime.plan;

import dev.berth.oci.runtime.RuntimeSpec;
import dev.berth.runtime.plan.Plan.Op;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

import static dev.berth.runtime.plan.CompileFixture.*;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Managed stdio in plans: the monitor's P_LOG, P_ATTACH, P_STDIN, P_CONTROL. */
class PlanCompilerIoTest {
    @TempDir
    Path bundle;
    CompileFixture f;

    @BeforeEach
    void setUp() throws IOException {
        f = new CompileFixture(bundle);
    }

    private static final Io ALL = new Io(Path.of("/logs/c1.log"), 1000, 4, Path.of("/run/c1.a"), Path.of("/run/c1.c"), true, true);

    @Test
    void create_io_monitorOpsWithTheirNumbers() throws IOException {
        f.io = ALL;
        Plan p = f.compile(config(""));
        assertThat(entry(p, Op.P_LOG).strs()).containsExactly("/logs/c1.log");
        assertThat(entry(p, Op.P_LOG).nums()).containsExactly(1000, 4);
        assertThat(entry(p, Op.P_ATTACH).strs()).containsExactly("/run/c1.a");
        assertThat(entry(p, Op.P_STDIN).nums()).containsExactly(1);
        assertThat(entry(p, Op.P_CONTROL).strs()).containsExactly("/run/c1.c");
        assertThat(first(p, Op.P_CONTROL)).isLessThan(first(p, Op.C_MOUNT));
    }

    @Test
    void create_ioOnlyWhatIsAsked() throws IOException {
        f.io = Io.logTo(Path.of("/logs/c1.log"));
        Plan p = f.compile(config(""));
        assertThat(entry(p, Op.P_LOG).nums()).containsExactly(Io.DEFAULT_MAX_SIZE, Io.DEFAULT_MAX_FILES);
        assertThat(ops(p)).doesNotContain(Op.P_ATTACH, Op.P_STDIN, Op.P_CONTROL);
        f.io = Io.attachOnly(Path.of("/run/a"), null, true, false);
        p = f.compile(config(""));
        assertThat(ops(p)).doesNotContain(Op.P_LOG, Op.P_CONTROL);
        assertThat(entry(p, Op.P_STDIN).nums()).containsExactly(0);
    }

    @Test
    void create_terminalWithIo_theMonitorKeepsThePty_noConsoleOp() throws IOException {
        f.io = ALL;
        Plan p = f.compile(config("\"terminal\":true"));
        assertThat(ops(p)).contains(Op.C_TTY).doesNotContain(Op.P_CONSOLE);
        f.io = null;
        assertThat(ops(f.compile(config("\"terminal\":true")))).contains(Op.C_TTY, Op.P_CONSOLE);
    }

    @Test
    void create_noIo_noIoOps() throws IOException {
        assertThat(ops(f.compile(config("")))).doesNotContain(Op.P_LOG, Op.P_ATTACH, Op.P_STDIN, Op.P_CONTROL);
    }

    @Test
    void exec_ioAndWaitForStart_readyBeforeExec() {
        RuntimeSpec.Process proc = new RuntimeSpec.Process(true, new RuntimeSpec.User(0, 0, null, List.of()), List.of("sh"),
                List.of("HOME=/"), "/", RuntimeSpec.Capabilities.NONE, List.of(), false, null, null, null);
        Plan p = PlanCompiler.exec(new PlanCompiler.ExecInput(42, bundle, List.of(), proc, bundle.resolve("exec-1"), null, List.of(), null, 0,
                ALL, true), f.warnings::add);
        assertThat(ops(p)).contains(Op.P_LOG, Op.P_ATTACH, Op.P_STDIN, Op.P_CONTROL, Op.C_TTY).doesNotContain(Op.P_CONSOLE);
        assertThat(entry(p, Op.C_READY).context()).isEqualTo(bundle.resolve("exec-1/exec.fifo").toString());
        assertThat(first(p, Op.C_READY)).isLessThan(first(p, Op.C_EXEC));
    }

    @Test
    void io_validation() {
        assertThatThrownBy(() -> new Io(null, 0, 1, null, null, false, false)).hasMessageContaining("needs a log or an attach socket");
        assertThatThrownBy(() -> Io.logTo(Path.of("relative.log"))).hasMessageContaining("not an absolute path");
        assertThatThrownBy(() -> Io.attachOnly(Path.of("/" + "x".repeat(120)), null, false, false)).hasMessageContaining("at most 107 bytes");
        assertThatThrownBy(() -> Io.logTo(Path.of("/l")).withAttach(null, null, true, true)).hasMessageContaining("open stdin needs an attach socket");
        assertThat(new Io(Path.of("/l"), 0, 0, null, null, false, false).maxFiles()).isEqualTo(1);
    }
}
