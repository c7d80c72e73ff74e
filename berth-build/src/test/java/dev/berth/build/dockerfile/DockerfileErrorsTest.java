package dev.berth.build.dockerfile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every parse error, with its exact message: the file name given, the instruction's first line, the problem. */
class DockerfileErrorsTest {

    private static void fails(String text, String message) {
        assertThatThrownBy(() -> Dockerfile.parse(text, "Dockerfile"))
                .isInstanceOf(DockerfileException.class)
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(message);
    }

    @Test
    void messagesFromTheBrief() {
        fails("FROM a\n\nRUNN echo\n", "Dockerfile:3: unknown instruction: RUNN");
        fails("RUN echo hi\nFROM a\n", "Dockerfile:1: no FROM before RUN");
        fails("FROM a\nRUN a\n\n# copy\nCOPY onlyone\n", "Dockerfile:5: COPY requires at least two arguments");
        fails("FROM a\n\n\n\n\n\nSHELL /bin/bash -c\n", "Dockerfile:7: SHELL requires the exec form (a JSON array)");
        fails("FROM a\nENV =value\n", "Dockerfile:2: ENV names can not be blank");
        fails("FROM a\nRUN a\nRUN b\nRUN <<EOF\necho\nEOF \n", "Dockerfile:4: unterminated heredoc <<EOF");
        fails("FROM a\n\n\n\n\n\n\n\nHEALTHCHECK --interval=5x CMD true\n",
                "Dockerfile:9: invalid HEALTHCHECK --interval \"5x\": unknown unit \"x\" (use ns, us, ms, s, m or h)");
        fails("FROM a\n\n\n\n\nCOPY --frm=build a b\n", "Dockerfile:6: unknown flag for COPY: --frm");
        fails("", "Dockerfile: file has no instructions");
        fails("# just a comment\n\n   \n", "Dockerfile: file has no instructions");
    }

    @Test
    void fileNameIsTheOneGiven() {
        assertThatThrownBy(() -> Dockerfile.parse("FROM a\nFOO bar\n", "build/Dockerfile.dev"))
                .hasMessage("build/Dockerfile.dev:2: unknown instruction: FOO")
                .isInstanceOfSatisfying(DockerfileException.class, e -> {
                    assertThat(e.fileName()).isEqualTo("build/Dockerfile.dev");
                    assertThat(e.line()).isEqualTo(2);
                    assertThat(e.problem()).isEqualTo("unknown instruction: FOO");
                });
    }

    @Test
    void lineIsWhereAContinuedInstructionStarts() {
        fails("FROM a\nCOPY \\\n  \\\n  one\n", "Dockerfile:2: COPY requires at least two arguments");
        fails("FROM a\nrunn \\\n x\n", "Dockerfile:2: unknown instruction: runn");
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            FROM                                 | FROM requires either one or three arguments
            FROM a b                             | FROM requires either one or three arguments
            FROM a AS                            | FROM requires either one or three arguments
            FROM a AS 1st                        | invalid name for build stage: "1st", name can't start with a number or contain symbols
            FROM a AS b$c                        | invalid name for build stage: "b$c", name can't start with a number or contain symbols
            FROM --platform a                    | missing a value on flag for FROM: --platform (write --platform=VALUE)
            FROM --plat=x a                      | unknown flag for FROM: --plat
            """)
    void fromErrors(String from, String problem) {
        fails(from + "\n", "Dockerfile:1: " + problem);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', textBlock = """
            RUN                                  | RUN requires at least one argument
            RUN []                               | RUN requires at least one argument
            RUN --mount type=cache ls            | missing a value on flag for RUN: --mount (write --mount=VALUE)
            RUN --network=none --network=host ls | duplicate flag for RUN: --network
            RUN --device=/dev/kvm ls             | unknown flag for RUN: --device
            CMD ["a", 1]                         | when using JSON array syntax, arrays must be comprised of strings only
            ENTRYPOINT ["a", null]               | when using JSON array syntax, arrays must be comprised of strings only
            CMD --help                           | unknown flag for CMD: --help
            COPY                                 | COPY requires at least two arguments
            COPY ["a"]                           | COPY requires at least two arguments
            ADD onlyone                          | ADD requires at least two arguments
            COPY a <<EOF                         | COPY cannot accept a heredoc as a destination
            COPY --link=maybe a b                | invalid value for COPY --link: "maybe" (expected true or false)
            COPY --from=a --from=b x y           | duplicate flag for COPY: --from
            COPY --checksum=sha256:0 a b         | unknown flag for COPY: --checksum
            ADD --from=build a b                 | unknown flag for ADD: --from
            ENV                                  | ENV requires at least one argument
            ENV ONLYKEY                          | ENV must have two arguments
            ENV a=1 b                            | can't find = in "b": ENV must be of the form name=value
            LABEL =x                             | LABEL names can not be blank
            LABEL                                | LABEL requires at least one argument
            ARG                                  | ARG requires at least one argument
            ARG =x                               | ARG names can not be blank
            WORKDIR                              | WORKDIR requires exactly one argument
            USER                                 | USER requires exactly one argument
            STOPSIGNAL                           | STOPSIGNAL requires exactly one argument
            MAINTAINER                           | MAINTAINER requires exactly one argument
            EXPOSE                               | EXPOSE requires at least one argument
            VOLUME                               | VOLUME requires at least one argument
            VOLUME ["/a", " "]                   | VOLUME specified can not be an empty string
            SHELL                                | SHELL requires at least one argument
            SHELL []                             | SHELL requires at least one argument
            HEALTHCHECK                          | HEALTHCHECK requires at least one argument
            HEALTHCHECK NONE x                   | HEALTHCHECK NONE takes no arguments
            HEALTHCHECK CHECK x                  | unknown type "CHECK" in HEALTHCHECK (try CMD)
            HEALTHCHECK CMD                      | missing command after HEALTHCHECK CMD
            HEALTHCHECK CMD []                   | missing command after HEALTHCHECK CMD
            HEALTHCHECK --timeout=500us CMD true | invalid HEALTHCHECK --timeout "500us": must be at least 1ms
            HEALTHCHECK --start-period=-1s CMD x | invalid HEALTHCHECK --start-period "-1s": must be at least 1ms
            HEALTHCHECK --interval=5 CMD true    | invalid HEALTHCHECK --interval "5": missing unit (use ns, us, ms, s, m or h)
            HEALTHCHECK --interval=s CMD true    | invalid HEALTHCHECK --interval "s": not a duration
            HEALTHCHECK --retries=x CMD true     | invalid HEALTHCHECK --retries "x": not an integer
            HEALTHCHECK --retries=-1 CMD true    | invalid HEALTHCHECK --retries "-1": can not be negative
            HEALTHCHECK --every=1s CMD true      | unknown flag for HEALTHCHECK: --every
            ONBUILD                              | ONBUILD requires at least one argument
            ONBUILD ONBUILD RUN x                | chaining ONBUILD via `ONBUILD ONBUILD` isn't allowed
            ONBUILD FROM x                       | FROM isn't allowed as an ONBUILD trigger
            onbuild maintainer me                | MAINTAINER isn't allowed as an ONBUILD trigger
            ONBUILD RUNN x                       | unknown instruction: RUNN
            ONBUILD COPY --frm=x a b             | unknown flag for COPY: --frm
            ENV --x=1 a=b                        | unknown flag for ENV: --x
            """)
    void instructionErrors(String instruction, String problem) {
        fails("FROM a\n" + instruction + "\n", "Dockerfile:2: " + problem);
    }

    @Test
    void stageErrors() {
        fails("ARG A=1\nARG B\n", "Dockerfile: file has no FROM instruction");
        fails("FROM a AS build\nRUN x\nFROM b as BUILD\n", "Dockerfile:3: duplicate stage name \"build\" (first used on line 1)");
        fails("ARG V\nENV A=1\nFROM a\n", "Dockerfile:2: no FROM before ENV");
    }

    @Test
    void directiveErrors() {
        fails("# escape=`\n# escape=\\\nFROM a\n", "Dockerfile:2: only one escape parser directive can be used");
        fails("# syntax=a\n# Syntax=b\nFROM a\n", "Dockerfile:2: only one syntax parser directive can be used");
        fails("# escape=x\nFROM a\n", "Dockerfile:1: invalid escape token 'x' does not match ` or \\");
    }

    @Test
    void heredocErrors() {
        fails("FROM a\nRUN <<-EOF\n\techo\n", "Dockerfile:2: unterminated heredoc <<-EOF");
        fails("FROM a\nRUN cat <<A <<B\na\nA\nb\n", "Dockerfile:2: unterminated heredoc <<B");
        fails("FROM a\nCMD cat <<EOF\nEOF\n", "Dockerfile:3: unknown instruction: EOF");
    }

    @Test
    void expansionErrorsNameTheInstructionsLine() {
        Dockerfile df = Dockerfile.parse("FROM a\n\nWORKDIR ${A\n", "ctx/Dockerfile");
        Instruction workdir = df.stages().getFirst().instructions().getFirst();
        assertThatThrownBy(() -> df.expand(workdir, Map.of()))
                .isInstanceOf(DockerfileException.class)
                .hasMessage("ctx/Dockerfile:3: failed to process \"${A\": syntax error: missing '}'");
    }
}
