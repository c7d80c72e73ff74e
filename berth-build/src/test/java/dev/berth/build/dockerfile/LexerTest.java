package dev.berth.build.dockerfile;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The lexer's logical lines, their first physical line, directives and raw heredoc bodies. */
class LexerTest {

    private static List<Lexer.Line> lines(Lexer lexer) {
        List<Lexer.Line> out = new ArrayList<>();
        for (Lexer.Line l = lexer.next(); l != null; l = lexer.next()) out.add(l);
        return out;
    }

    @Test
    void logicalLinesAndTheirFirstPhysicalLine() {
        Lexer lexer = new Lexer("# syntax=x\n\nFROM a\n  # c\nRUN a \\\n  # c \\\n\n  b \\\n  c\nCMD d", "Dockerfile");
        assertThat(lines(lexer)).containsExactly(new Lexer.Line(3, "FROM a"), new Lexer.Line(5, "RUN a   b   c"),
                new Lexer.Line(10, "CMD d"));
        assertThat(lexer.directives()).isEqualTo(Map.of("syntax", "x"));
        assertThat(lexer.lastLine()).isEqualTo(10);
    }

    @Test
    void heredocBodiesAreRawAndEndAtTheDelimiter() {
        Lexer lexer = new Lexer("RUN <<EOF\n# not a comment \\\n\n\tEOF\nEOF\nNEXT\n", "Dockerfile");
        assertThat(lexer.next()).isEqualTo(new Lexer.Line(1, "RUN <<EOF"));
        assertThat(lexer.heredoc("EOF", false)).isEqualTo("# not a comment \\\n\n\tEOF\n");
        assertThat(lexer.next()).isEqualTo(new Lexer.Line(6, "NEXT"));
        assertThat(lexer.next()).isNull();
        assertThat(new Lexer("RUN <<-X\n\t\tX\n", "Dockerfile").heredoc("X", true)).isEqualTo("RUN <<-X\n");
        Lexer unterminated = new Lexer("a\nb\n", "Dockerfile");
        assertThat(unterminated.heredoc("EOF", false)).isNull();
    }

    @Test
    void theEscapeDirectiveChangesTheContinuationCharacter() {
        Lexer lexer = new Lexer("#escape=`\nRUN a `\n b \\\nRUN c ``\nRUN d", "Dockerfile");
        assertThat(lines(lexer)).containsExactly(new Lexer.Line(2, "RUN a  b \\"), new Lexer.Line(4, "RUN c ``"),
                new Lexer.Line(5, "RUN d"));
        assertThat(lexer.escape()).isEqualTo('`');
    }

    @Test
    void directiveErrorsNameTheirLine() {
        assertThatThrownBy(() -> lines(new Lexer("# escape=\\\n# ESCAPE=`\n", "df")))
                .hasMessage("df:2: only one escape parser directive can be used");
    }
}
