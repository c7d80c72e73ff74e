package dev.berth.cli;

import java.io.PrintStream;
import java.util.List;

/** {@code berth bench}: placeholder until the harness lands in the next commit. */
final class BenchCommand {
    private final PrintStream out;

    BenchCommand(PrintStream out, PrintStream err) {
        this.out = out;
    }

    int run(List<String> argv) {
        out.println("berth bench: not yet built");
        return 2;
    }
}
