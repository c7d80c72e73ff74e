package dev.berth.build.dockerfile;

import java.util.List;
import java.util.Objects;

/**
 * One build stage: its FROM and the instructions up to the next FROM (or the end of the file). FROM itself is
 * not in {@code instructions}.
 */
public record Stage(Instruction.From from, List<Instruction> instructions) {
    public Stage {
        Objects.requireNonNull(from, "from");
        instructions = List.copyOf(instructions);
    }

    /** The lower-cased name from {@code FROM image AS name}, or null for an unnamed stage. */
    public String name() {
        return from.stageName();
    }

    /** The base as written: an image reference, a stage name, or {@code scratch}; may hold {@code $ARG}s. */
    public String baseImage() {
        return from.image();
    }

    /** {@code --platform} as written, or null. */
    public String platform() {
        return from.platform();
    }

    /** The line of the stage's FROM. */
    public int line() {
        return from.line();
    }
}
