package dev.berth.build.dockerfile;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * The command of RUN, CMD, ENTRYPOINT and HEALTHCHECK CMD: either shell form ({@code RUN apt-get update}), run
 * through the stage's SHELL, or exec form ({@code CMD ["nginx", "-g", "daemon off;"]}), run as is. The exec form
 * is chosen when the arguments parse as a JSON array of strings; anything else (even {@code CMD [not json}) is
 * shell form. Neither is variable-expanded by the builder: the shell does that at run time.
 */
public sealed interface CommandLine {

    /** The argv to run: exec form as is, shell form appended to {@code shell} (e.g. {@code /bin/sh -c}). */
    List<String> argv(List<String> shell);

    /** {@code RUN echo $HOME}: the text after the instruction (and its flags), continuation lines joined. */
    record ShellForm(String command) implements CommandLine {
        public ShellForm {
            Objects.requireNonNull(command, "command");
        }

        @Override
        public List<String> argv(List<String> shell) {
            List<String> argv = new ArrayList<>(shell);
            argv.add(command);
            return List.copyOf(argv);
        }
    }

    /** {@code CMD ["nginx", "-g", "daemon off;"]}: the JSON array's strings. */
    record ExecForm(List<String> args) implements CommandLine {
        public ExecForm {
            args = List.copyOf(args);
        }

        @Override
        public List<String> argv(List<String> shell) {
            return args;
        }
    }
}
