package dev.berth.build.dockerfile;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** .dockerignore semantics as Docker's patternmatcher has them. */
class DockerignoreTest {

    @Test
    void emptyIgnoresNothing() {
        assertThat(Dockerignore.empty().excluded("anything")).isFalse();
        assertThat(Dockerignore.parse("").excluded("a")).isFalse();
        assertThat(Dockerignore.parse("# only a comment\n\n").patterns()).isEmpty();
    }

    @Test
    void starDoesNotCrossDirectoriesButDoubleStarDoes() {
        Dockerignore single = Dockerignore.parse("*.md\n");
        assertThat(single.excluded("README.md")).isTrue();
        assertThat(single.excluded("docs/README.md")).isFalse();

        Dockerignore any = Dockerignore.parse("**/*.md\n");
        assertThat(any.excluded("README.md")).isTrue();
        assertThat(any.excluded("docs/deep/README.md")).isTrue();
        assertThat(any.excluded("README.txt")).isFalse();
    }

    @Test
    void docsExamples() {
        Dockerignore ignore = Dockerignore.parse("""
                # comment
                */temp*
                */*/temp*
                temp?
                """);
        assertThat(ignore.patterns()).containsExactly("*/temp*", "*/*/temp*", "temp?");
        assertThat(ignore.excluded("somedir/temporary.txt")).isTrue();
        assertThat(ignore.excluded("somedir/temp")).isTrue();
        assertThat(ignore.excluded("somedir/subdir/temporary.txt")).isTrue();
        assertThat(ignore.excluded("tempa")).isTrue();
        assertThat(ignore.excluded("tempb")).isTrue();
        assertThat(ignore.excluded("temp")).isFalse();
        assertThat(ignore.excluded("temporary.txt")).isFalse();
        assertThat(ignore.excluded("# comment")).isFalse();
    }

    @Test
    void aDirectoryExcludesItsContents() {
        Dockerignore ignore = Dockerignore.parse("node_modules\nbuild/\n");
        assertThat(ignore.excluded("node_modules")).isTrue();
        assertThat(ignore.excluded("node_modules/x/y.js")).isTrue();
        assertThat(ignore.excluded("build/out/app")).isTrue();
        assertThat(ignore.excluded("src/node_modules")).isFalse();
        assertThat(ignore.excluded("node_modules2")).isFalse();
    }

    @Test
    void exceptionsAndTheLastMatchingPatternWins() {
        Dockerignore ignore = Dockerignore.parse("*.md\n!README*.md\nREADME-secret.md\n");
        assertThat(ignore.excluded("CHANGES.md")).isTrue();
        assertThat(ignore.excluded("README.md")).isFalse();
        assertThat(ignore.excluded("README-secret.md")).isTrue();
        assertThat(ignore.patterns()).containsExactly("*.md", "!README*.md", "README-secret.md");

        Dockerignore order = Dockerignore.parse("!keep.txt\n*.txt\n");
        assertThat(order.excluded("keep.txt")).isTrue();

        Dockerignore inside = Dockerignore.parse("docs\n!docs/keep.md\n");
        assertThat(inside.excluded("docs/keep.md")).isFalse();
        assertThat(inside.excluded("docs/other.md")).isTrue();
        assertThat(inside.excluded("docs")).isTrue();
    }

    @Test
    void everythingButTheDockerfile() {
        Dockerignore ignore = Dockerignore.parse("**\n!Dockerfile\n!src/**\n");
        assertThat(ignore.excluded("Dockerfile")).isFalse();
        assertThat(ignore.excluded("src/main.go")).isFalse();
        assertThat(ignore.excluded("vendor/x")).isTrue();
        assertThat(ignore.excluded(".git")).isTrue();
    }

    @Test
    void dockerfileAndDockerignoreCanBeExcluded() {
        Dockerignore ignore = Dockerignore.parse("Dockerfile\n.dockerignore\n");
        assertThat(ignore.excluded("Dockerfile")).isTrue();
        assertThat(ignore.excluded(".dockerignore")).isTrue();
    }

    @Test
    void patternsAndPathsAreCleaned() {
        Dockerignore ignore = Dockerignore.parse("  /build  \n./src//tmp/\n! /dist/keep \nlogs/../cache\n");
        assertThat(ignore.patterns()).containsExactly("build", "src/tmp", "!dist/keep", "cache");
        assertThat(ignore.excluded("/build/x")).isTrue();
        assertThat(ignore.excluded("./src/tmp/a")).isTrue();
        assertThat(ignore.excluded("src/./tmp")).isTrue();
        assertThat(ignore.excluded("cache")).isTrue();
        assertThat(ignore.excluded(".")).isFalse();
        assertThat(ignore.excluded("")).isFalse();
    }

    @Test
    void questionMarkClassesEscapesAndDoubleStarForms() {
        Dockerignore q = Dockerignore.parse("file?.txt\n[a-c].log\nlit\\*.txt\n");
        assertThat(q.excluded("file1.txt")).isTrue();
        assertThat(q.excluded("file10.txt")).isFalse();
        assertThat(q.excluded("file/.txt")).isFalse();
        assertThat(q.excluded("b.log")).isTrue();
        assertThat(q.excluded("d.log")).isFalse();
        assertThat(q.excluded("lit*.txt")).isTrue();
        assertThat(q.excluded("litx.txt")).isFalse();

        Dockerignore prefix = Dockerignore.parse("dir/**\n");
        assertThat(prefix.excluded("dir/a/b")).isTrue();
        assertThat(prefix.excluded("dir")).isFalse();

        Dockerignore suffix = Dockerignore.parse("**/foo\n");
        assertThat(suffix.excluded("foo")).isTrue();
        assertThat(suffix.excluded("a/b/foo")).isTrue();
        assertThat(suffix.excluded("a/foo/bar")).isTrue();
        assertThat(suffix.excluded("afoo")).isFalse();

        Dockerignore middle = Dockerignore.parse("a/**/z\n");
        assertThat(middle.excluded("a/z")).isTrue();
        assertThat(middle.excluded("a/b/c/z")).isTrue();
        assertThat(middle.excluded("b/z")).isFalse();

        Dockerignore dots = Dockerignore.parse("*.tar.gz\n(x)+{y}$\n");
        assertThat(dots.excluded("a.tar.gz")).isTrue();
        assertThat(dots.excluded("atargz")).isFalse();
        assertThat(dots.excluded("(x)+{y}$")).isTrue();
    }

    @Test
    void crlfAndByteOrderMark() {
        Dockerignore ignore = Dockerignore.parse("\uFEFFa\r\n#c\r\nb\r\n");
        assertThat(ignore.patterns()).containsExactly("a", "b");
    }

    @Test
    void badPatterns() {
        assertThatThrownBy(() -> Dockerignore.parse("a\n!\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(".dockerignore: line 2: illegal exclusion pattern: \"!\"");
        assertThatThrownBy(() -> Dockerignore.parse("[a\n"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessage(".dockerignore: line 1: invalid pattern \"[a\": syntax error in pattern");
    }
}
