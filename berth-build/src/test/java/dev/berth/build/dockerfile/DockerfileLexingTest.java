package dev.berth.build.dockerfile;

import dev.berth.build.dockerfile.CommandLine.ExecForm;
import dev.berth.build.dockerfile.CommandLine.ShellForm;
import dev.berth.build.dockerfile.Instruction.*;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Lines, continuations, comments, parser directives, exec-form detection and heredocs. */
class DockerfileLexingTest {

    private static List<Instruction> body(String text) {
        return Dockerfile.parse(text, "Dockerfile").stages().getFirst().instructions();
    }

    private static Run run(int line, String command) {
        return new Run(line, "RUN " + command, new ShellForm(command), List.of(), List.of(), null, null);
    }

    @Test
    void continuationKeepsTheNextLinesLeadingSpaceAndIgnoresTrailingBlanks() {
        assertThat(body("FROM a\nRUN echo a \\   \n  b\nRUN next\n"))
                .containsExactly(run(2, "echo a   b"), run(4, "next"));
        assertThat(body("FROM a\nRUN echo \\\t\nb")).containsExactly(run(2, "echo b"));
    }

    @Test
    void commentsAndEmptyLinesInsideAContinuationAreSkipped() {
        String text = """
                FROM a
                RUN echo a \\
                # a comment, even ending in \\
                    # an indented comment

                    && echo b
                # between instructions
                RUN echo # not a comment
                """;
        assertThat(body(text)).containsExactly(run(2, "echo a     && echo b"), run(8, "echo # not a comment"));
    }

    @Test
    void escapedEscapeDoesNotContinue() {
        assertThat(body("FROM a\nRUN echo \\\\\nRUN b\n")).containsExactly(run(2, "echo \\\\"), run(3, "b"));
    }

    @Test
    void continuationAtEndOfFileAndLoneEscapeLines() {
        assertThat(body("FROM a\nRUN echo a \\")).containsExactly(run(2, "echo a"));
        assertThat(body("FROM a\nRUN echo \\\n\\\nb\n")).containsExactly(run(2, "echo b"));
    }

    @Test
    void leadingWhitespaceCrlfAndByteOrderMark() {
        Dockerfile df = Dockerfile.parse("\uFEFFFROM a\r\n   RUN b \\\r\n c\r\n\r\n\tCMD d\r\n", "Dockerfile");
        assertThat(df.stages().getFirst().from()).isEqualTo(new From(1, "FROM a", "a", null, null));
        assertThat(df.stages().getFirst().instructions())
                .containsExactly(run(2, "b  c"), new Cmd(5, "CMD d", new ShellForm("d")));
    }

    @Test
    void escapeDirectiveWithWindowsPaths() {
        String text = """
                # escape=`

                FROM mcr.microsoft.com/windows/servercore:ltsc2022
                COPY testfile.txt c:\\
                RUN dir c:\\ `
                    && echo done
                WORKDIR c:\\app\\bin
                ENV DIR=C:\\Program` Files\\App
                """;
        Dockerfile df = Dockerfile.parse(text, "Dockerfile");
        assertThat(df.escape()).isEqualTo('`');
        assertThat(df.directives()).containsExactly(Map.entry("escape", "`"));
        List<Instruction> body = df.stages().getFirst().instructions();
        assertThat(body).containsExactly(
                new Copy(4, "COPY testfile.txt c:\\", List.of("testfile.txt"), List.of(), "c:\\", null, null, null, false),
                run(5, "dir c:\\     && echo done"),
                new Workdir(7, "WORKDIR c:\\app\\bin", "c:\\app\\bin"),
                new Env(8, "ENV DIR=C:\\Program` Files\\App", List.of(new KeyValue("DIR", "C:\\Program` Files\\App"))));
        assertThat(df.expand((Workdir) body.get(2), Map.of()).path()).isEqualTo("c:\\app\\bin");
        assertThat(df.expand((Env) body.get(3), Map.of()).variables())
                .containsExactly(new KeyValue("DIR", "C:\\Program Files\\App"));
        assertThat(df.expand((Copy) body.get(0), Map.of()).dest()).isEqualTo("c:\\");
    }

    @Test
    void withoutTheDirectiveBackslashesEscape() {
        Dockerfile df = Dockerfile.parse("FROM a\nWORKDIR c:\\app\\bin\n", "Dockerfile");
        Workdir w = (Workdir) df.stages().getFirst().instructions().getFirst();
        assertThat(df.expand(w, Map.of()).path()).isEqualTo("c:appbin");
    }

    @Test
    void directivesOnlyAtTheVeryTop() {
        Dockerfile all = Dockerfile.parse("#syntax = docker/dockerfile:1.7\n# ESCAPE=`\n# check=skip=all\nFROM a\n",
                "Dockerfile");
        assertThat(all.directives()).containsExactly(Map.entry("syntax", "docker/dockerfile:1.7"),
                Map.entry("escape", "`"), Map.entry("check", "skip=all"));
        assertThat(all.escape()).isEqualTo('`');

        for (String late : List.of("\n# escape=`\nFROM a\nRUN x `\n", "# hello\n# escape=`\nFROM a\nRUN x `\n",
                "FROM a\n# escape=`\n\nRUN x `\n", "# unknown=1\n# escape=`\nFROM a\nRUN x `\n")) {
            Dockerfile df = Dockerfile.parse(late, "Dockerfile");
            assertThat(df.escape()).as(late).isEqualTo('\\');
            assertThat(df.directives()).as(late).isEmpty();
            assertThat(df.stages().getFirst().instructions()).as(late).containsExactly(run(4, "x `"));
        }
    }

    @Test
    void execFormOnlyForAJsonArrayOfStrings() {
        assertThat(body("FROM a\nCMD [not json\nCMD [\"a\", 'b']\nCMD [ \"a\" , \"b\" ]  \nCMD [\"a\"] extra\n"))
                .containsExactly(
                        new Cmd(2, "CMD [not json", new ShellForm("[not json")),
                        new Cmd(3, "CMD [\"a\", 'b']", new ShellForm("[\"a\", 'b']")),
                        new Cmd(4, "CMD [ \"a\" , \"b\" ]", new ExecForm(List.of("a", "b"))),
                        new Cmd(5, "CMD [\"a\"] extra", new ShellForm("[\"a\"] extra")));
        assertThat(body("FROM a\nRUN [\"echo\", \"\\u00e9\\t\\\"x\\\"\"]\n")).containsExactly(new Run(2,
                "RUN [\"echo\", \"\\u00e9\\t\\\"x\\\"\"]", new ExecForm(List.of("echo", "\u00e9\t\"x\"")), List.of(),
                List.of(), null, null));
    }

    @Test
    void heredocs() {
        String text = """
                FROM alpine
                RUN <<EOF
                apk add curl
                echo $HOME
                EOF
                RUN <<-EOT bash
                \t\techo tabbed
                \tEOT
                RUN <<FILE1 cat > file1 && <<'FILE2' cat > file2
                I am
                first
                FILE1
                I am $second
                FILE2
                COPY <<conf.ini <<-"other" /etc/app/
                [main]
                x=$Y
                conf.ini
                \to
                \tother
                RUN 3<<E\\OF cat /dev/fd/3
                fd
                EOF
                RUN echo "<<EOF" && cat <<< "here string"
                """;
        List<Instruction> body = body(text);
        assertThat(body).containsExactly(
                new Run(2, "RUN <<EOF", new ShellForm("<<EOF"),
                        List.of(new Heredoc("EOF", "apk add curl\necho $HOME\n", true, false, 0)), List.of(), null, null),
                new Run(6, "RUN <<-EOT bash", new ShellForm("<<-EOT bash"),
                        List.of(new Heredoc("EOT", "echo tabbed\n", true, true, 0)), List.of(), null, null),
                new Run(9, "RUN <<FILE1 cat > file1 && <<'FILE2' cat > file2",
                        new ShellForm("<<FILE1 cat > file1 && <<'FILE2' cat > file2"),
                        List.of(Heredoc.of("FILE1", "I am\nfirst\n"), new Heredoc("FILE2", "I am $second\n", false, false, 0)),
                        List.of(), null, null),
                new Copy(15, "COPY <<conf.ini <<-\"other\" /etc/app/", List.of(),
                        List.of(Heredoc.of("conf.ini", "[main]\nx=$Y\n"), new Heredoc("other", "o\n", false, true, 0)),
                        "/etc/app/", null, null, null, false),
                new Run(21, "RUN 3<<E\\OF cat /dev/fd/3", new ShellForm("3<<E\\OF cat /dev/fd/3"),
                        List.of(new Heredoc("EOF", "fd\n", true, false, 3)), List.of(), null, null),
                run(24, "echo \"<<EOF\" && cat <<< \"here string\""));
    }

    @Test
    void heredocContentKeepsCrlfAndEmptyLines() {
        List<Instruction> body = body("FROM a\r\nCOPY <<EOF /x\r\nline\r\n\r\nEOF\r\nCMD c\r\n");
        assertThat(((Copy) body.getFirst()).heredocs()).containsExactly(Heredoc.of("EOF", "line\r\n\r\n"));
        assertThat(body.get(1)).isEqualTo(new Cmd(6, "CMD c", new ShellForm("c")));
    }

    @Test
    void noHeredocInExecFormOrOtherInstructions() {
        assertThat(body("FROM a\nRUN [\"cat\", \"<<EOF\"]\nCMD cat <<EOF\n")).containsExactly(
                new Run(2, "RUN [\"cat\", \"<<EOF\"]", new ExecForm(List.of("cat", "<<EOF")), List.of(), List.of(),
                        null, null),
                new Cmd(3, "CMD cat <<EOF", new ShellForm("cat <<EOF")));
    }

    @Test
    void onbuildHeredocGoesIntoItsExpression() {
        Instruction ins = body("FROM a\nONBUILD RUN <<EOF\necho hi\nEOF\n").getFirst();
        assertThat(ins).isEqualTo(new OnBuild(2, "ONBUILD RUN <<EOF",
                new Run(2, "RUN <<EOF", new ShellForm("<<EOF"), List.of(Heredoc.of("EOF", "echo hi\n")), List.of(),
                        null, null),
                "RUN <<EOF\necho hi\nEOF"));
    }
}
