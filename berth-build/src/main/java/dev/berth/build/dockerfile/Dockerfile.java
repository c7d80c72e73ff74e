package dev.berth.build.dockerfile;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A parsed Dockerfile: its parser directives, the ARGs declared before the first FROM (global args, usable in
 * FROM lines), and its stages in order.
 *
 * <pre>{@code
 * Dockerfile df = Dockerfile.parse(Files.readString(path), "Dockerfile");
 * for (Stage stage : df.stages()) {
 *     var from = df.expand(stage.from(), globalArgValues);
 *     for (Instruction ins : stage.instructions()) {
 *         ins = df.expand(ins, stageEnvironment); // ADD COPY ENV EXPOSE LABEL STOPSIGNAL USER VOLUME WORKDIR ...
 *     }
 * }
 * }</pre>
 *
 * @param fileName   the name given to {@link #parse}, used in every error message
 * @param escape     the escape character: {@code \} unless a {@code # escape=`} directive changed it
 * @param directives the parser directives at the top of the file, by lower-case name ("syntax", "escape",
 *                   "check"); berth records {@code syntax} but does not switch front ends on it
 * @param globalArgs the ARG instructions before the first FROM
 * @param stages     at least one
 */
public record Dockerfile(String fileName, char escape, Map<String, String> directives, List<Instruction.Arg> globalArgs,
                         List<Stage> stages) {
    public Dockerfile {
        Objects.requireNonNull(fileName, "fileName");
        directives = Collections.unmodifiableMap(new LinkedHashMap<>(directives));
        globalArgs = List.copyOf(globalArgs);
        stages = List.copyOf(stages);
    }

    /**
     * Parses a Dockerfile's text.
     *
     * @param text     the whole file (a UTF-8 byte order mark is ignored)
     * @param fileName how errors name the file ("Dockerfile", "build/Dockerfile.dev")
     * @throws DockerfileException for the first problem, as {@code FILE:LINE: problem}
     */
    public static Dockerfile parse(String text, String fileName) {
        return Parser.parse(text, fileName);
    }

    /** The {@code # syntax=} directive, or null. */
    public String syntax() {
        return directives.get("syntax");
    }

    /** The stage named {@code name} (case-insensitive), or null. */
    public Stage stage(String name) {
        for (Stage s : stages) {
            if (s.name() != null && s.name().equalsIgnoreCase(name)) return s;
        }
        return null;
    }

    /**
     * The instruction with Docker's variable substitution applied, using this file's escape character: the
     * words of ADD, COPY (sources, destination, --from, --chown, --chmod, --checksum, and heredoc bodies not
     * delimited by a quoted word), ENV and LABEL (keys and values), ARG (defaults), EXPOSE (each port may become
     * several), FROM (image and --platform), STOPSIGNAL, USER, VOLUME, WORKDIR, and RUN's flags. The commands of
     * RUN, CMD, ENTRYPOINT, HEALTHCHECK and SHELL, MAINTAINER and ONBUILD are returned unchanged.
     *
     * @param env the variables in scope (ARGs and ENVs for a stage's instructions; global args for FROM)
     * @throws DockerfileException naming this file and the instruction's line, for a malformed word
     */
    public <T extends Instruction> T expand(T instruction, Map<String, String> env) {
        try {
            @SuppressWarnings("unchecked")
            T expanded = (T) Expansion.expand(instruction, env, escape);
            return expanded;
        } catch (IllegalArgumentException e) {
            throw new DockerfileException(fileName, instruction.line(), e.getMessage());
        }
    }
}
