package dev.berth.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * An AOT cache's training run (scripts/build): several berth commands in one JVM, so that the one cache the
 * JDK writes at exit holds the classes of each: the daemon client's {@code run --rm}, {@code exec}, {@code ps},
 * ... Arguments: the commands' words, separated by {@code ---}. Not a user command.
 */
public final class AotTraining {
    private AotTraining() {}

    public static void main(String[] argv) {
        List<String> cmd = new ArrayList<>();
        int failed = 0;
        for (String a : (String.join("\u0000", argv) + "\u0000---").split("\u0000")) {
            if (!a.equals("---")) {
                cmd.add(a);
                continue;
            }
            if (!cmd.isEmpty() && Main.run(cmd, System.out, System.err) != 0) {
                System.err.println("berth aot training: `berth " + String.join(" ", cmd) + "` failed");
                failed++;
            }
            cmd = new ArrayList<>();
        }
        System.exit(failed == 0 ? 0 : 1);
    }
}
