package dev.berth.build.dockerfile;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Docker's shell-word rules (BuildKit's shell.Lex, ProcessWordWithMap / ProcessWordsWithMap). */
class SubstitutionTest {
    private static final Map<String, String> ENV = Map.of("A", "a", "EMPTY", "", "P", "a/b/c", "V", "foo",
            "LIST", "x  y", "\u00e9t\u00e9", "summer", "SP", " s ");

    private static String expand(String word) {
        return Substitution.expand(word, ENV, '\\');
    }

    @ParameterizedTest(name = "{0} -> [{1}]")
    @CsvSource(delimiter = '|', quoteCharacter = '~', emptyValue = "", textBlock = """
            $A                  | a
            ${A}                | a
            ${A}b               | ab
            $Ab                 |
            pre-$A-post         | pre-a-post
            $UNSET              |
            $                   | $
            a$                  | a$
            $/x                 | $/x
            $1                  |
            $@x                 | x
            \\$A                | $A
            \\\\$A              | \\a
            '$A'                | $A
            '"$A"'              | "$A"
            "$A"                | a
            "'$A'"              | 'a'
            "\\$A"              | $A
            "a\\"b"             | a"b
            "a\\b"              | a\\b
            a\\ b               | a b
            abc\\               | abc
            a  b                | a  b
            ${UNSET:-def}       | def
            ${EMPTY:-def}       | def
            ${A:-def}           | a
            ${UNSET-def}        | def
            ${EMPTY-def}        |
            ${UNSET:+alt}       |
            ${EMPTY:+alt}       |
            ${A:+alt}           | alt
            ${EMPTY+alt}        | alt
            ${UNSET+alt}        |
            ${UNSET:-${A}x}     | ax
            ${UNSET:-'q $A'}    | q $A
            ${UNSET:-"q $A"}    | q a
            ${UNSET:-a\\}b}     | a}b
            ${A:?}              | a
            ${P#*/}             | b/c
            ${P##*/}            | c
            ${P%/*}             | a/b
            ${P%%/*}            | a
            ${P#x}              | a/b/c
            ${P%?}              | a/b/
            ${V/o/0}            | f0o
            ${V//o/0}           | f00
            ${V/x/0}            | foo
            ${P//\\//-}         | a-b-c
            $été                | summer
            ${été}!             | summer!
            """)
    void expandsOneWord(String word, String expected) {
        assertThat(expand(word)).isEqualTo(expected == null ? "" : expected);
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', quoteCharacter = '~', textBlock = """
            ${A                 | failed to process "${A": syntax error: missing '}'
            ${                  | failed to process "${": syntax error: missing '}'
            ${}                 | failed to process "${}": syntax error: bad substitution
            ${:A}               | failed to process "${:A}": syntax error: bad substitution
            ${A:-x              | failed to process "${A:-x": syntax error: missing '}'
            ${A*}               | failed to process "${A*}": unsupported modifier (*) in substitution
            ${A:=x}             | failed to process "${A:=x}": unsupported modifier (:=) in substitution
            'abc                | failed to process "'abc": unexpected end of statement while looking for matching single-quote
            "abc                | failed to process ""abc": unexpected end of statement while looking for matching double-quote
            ${UNSET?}           | failed to process "${UNSET?}": UNSET: is not allowed to be unset
            ${EMPTY:?}          | failed to process "${EMPTY:?}": EMPTY: is not allowed to be empty
            ${EMPTY:?must set}  | failed to process "${EMPTY:?must set}": EMPTY: must set
            ${V/a}              | failed to process "${V/a}": syntax error: missing '/' in ${}
            """)
    void malformedWords(String word, String message) {
        assertThatThrownBy(() -> expand(word)).isInstanceOf(IllegalArgumentException.class).hasMessage(message);
    }

    @Test
    void backtickEscapeLeavesBackslashesAlone() {
        assertThat(Substitution.expand("c:\\dir\\`$A", ENV, '`')).isEqualTo("c:\\dir\\$A");
        assertThat(Substitution.expand("\"a`\"b\" `$A $A", ENV, '`')).isEqualTo("a\"b $A a");
        assertThat(Substitution.expand("c:\\dir", ENV, '\\')).isEqualTo("c:dir");
    }

    @Test
    void wordsSplitAtUnquotedWhitespaceAndInsideVariableValues() {
        assertThat(Substitution.words("a \"b c\" $LIST 'd  e'f", ENV, '\\')).containsExactly("a", "b c", "x", "y", "d  ef");
        assertThat(Substitution.words("\"$LIST\" ${SP}z", ENV, '\\')).containsExactly("x  y", "s", "z");
        assertThat(Substitution.words("a\\ b \"\" c", ENV, '\\')).containsExactly("a b", "c");
        assertThat(Substitution.words("   ", ENV, '\\')).isEmpty();
        assertThat(Substitution.words("$UNSET", ENV, '\\')).isEmpty();
    }

    @Test
    void heredocContentKeepsQuotes() {
        assertThat(Substitution.expandHeredoc("echo \"$A\" '$A' \\$A ${UNSET:-d}\n", ENV))
                .isEqualTo("echo \"a\" 'a' $A d\n");
    }

    @Test
    void envIsNotChanged() {
        Map<String, String> env = new java.util.HashMap<>(ENV);
        expand("${NEW:-x}");
        assertThat(env).isEqualTo(ENV);
        assertThat(List.copyOf(env.keySet())).doesNotContain("NEW");
    }
}
