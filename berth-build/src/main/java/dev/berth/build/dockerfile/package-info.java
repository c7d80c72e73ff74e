/**
 * The Dockerfile parser: text to a typed syntax tree, with Docker's (BuildKit's) rules, and the two pieces of
 * Docker semantics the builder needs beside it: variable substitution and .dockerignore matching. Pure code: no
 * I/O beyond the text it is given.
 *
 * <h2>From text to stages</h2>
 * <pre>
 * text ──Lexer──> logical lines ──Parser──> Instruction records ──> Dockerfile(directives, global ARGs, Stages)
 *        directives, continuations,    keyword, --flags, JSON or shell form,
 *        comments, heredoc bodies      per-instruction argument rules
 * </pre>
 * <ul>
 *   <li>{@link dev.berth.build.dockerfile.Lexer} reads parser directives (only at the very top), joins lines
 *       ending in the escape character, drops comment lines (also inside continuations) and hands out heredoc
 *       bodies raw.</li>
 *   <li>{@link dev.berth.build.dockerfile.Parser} turns each logical line into an
 *       {@link dev.berth.build.dockerfile.Instruction} (a sealed interface of records, one per instruction, each
 *       with its line and text) and groups them into {@link dev.berth.build.dockerfile.Stage}s; ARGs before the
 *       first FROM are the file's global args.</li>
 *   <li>Nothing is expanded while parsing: words keep their quotes and {@code $var}s, because their values
 *       depend on build args and on the ENVs of the stage so far. The builder calls
 *       {@link dev.berth.build.dockerfile.Dockerfile#expand} when it reaches each instruction, which applies
 *       {@link dev.berth.build.dockerfile.Substitution} to exactly the words Docker expands.</li>
 * </ul>
 *
 * <h2>Errors</h2>
 * {@link dev.berth.build.dockerfile.DockerfileException} names the file as given and the line the instruction
 * starts on: {@code Dockerfile:5: COPY requires at least two arguments}.
 *
 * <h2>Where berth differs from Docker</h2>
 * <ul>
 *   <li>The whole file is parsed in one pass and the first problem is reported; BuildKit lexes the whole file
 *       first, so a later lexing error can win over an earlier unknown instruction.</li>
 *   <li>An ONBUILD trigger is parsed and checked when the Dockerfile is, not only when a child image is built.</li>
 *   <li>A bare {@code RUN} (or {@code RUN []}) is an error here rather than a failing build step.</li>
 *   <li>Flags are only {@code --name=value} / {@code --name}; RUN's {@code --device}, COPY's {@code --parents} and
 *       {@code --exclude}, ADD's {@code --unpack} (newer or labs front ends) are unknown flags.</li>
 *   <li>The {@code # syntax=} directive is recorded but never switches to another front end.</li>
 * </ul>
 */
package dev.berth.build.dockerfile;
