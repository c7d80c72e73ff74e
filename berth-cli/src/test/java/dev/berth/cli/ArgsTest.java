package dev.berth.cli;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ArgsTest {
    @Test
    void value_separateArgument_nextArgument() {
        Args a = new Args(List.of("--bundle", "/b", "id"));
        assertThat(a.atFlag()).isTrue();
        String f = a.next();
        assertThat(Args.name(f)).isEqualTo("--bundle");
        assertThat(a.value(f)).isEqualTo("/b");
        assertThat(a.atFlag()).isFalse();
        assertThat(a.next()).isEqualTo("id");
        assertThat(a.hasNext()).isFalse();
    }

    @Test
    void value_equalsForm_textAfterEquals() {
        Args a = new Args(List.of("--bundle=/b=c", "id"));
        String f = a.next();
        assertThat(Args.name(f)).isEqualTo("--bundle");
        assertThat(a.value(f)).isEqualTo("/b=c");
        assertThat(a.next()).isEqualTo("id");
    }

    @Test
    void value_equalsFormEmpty_emptyString() {
        Args a = new Args(List.of("--log=", "x"));
        assertThat(a.value(a.next())).isEmpty();
        assertThat(a.peek()).isEqualTo("x");
    }

    @Test
    void value_valueLooksLikeFlag_takenAsValue() {
        Args a = new Args(List.of("--signal", "-9"));
        assertThat(a.value(a.next())).isEqualTo("-9");
        assertThat(a.hasNext()).isFalse();
    }

    @Test
    void value_missing_usageError() {
        Args a = new Args(List.of("--root"));
        String f = a.next();
        assertThatThrownBy(() -> a.value(f)).isInstanceOf(Args.UsageException.class).hasMessage("flag --root needs a value");
    }

    @Test
    void atFlag_doubleDash_endsFlagsAndIsConsumed() {
        Args a = new Args(List.of("-d", "--", "--not-a-flag", "x"));
        assertThat(a.atFlag()).isTrue();
        assertThat(a.next()).isEqualTo("-d");
        assertThat(a.atFlag()).isFalse();
        assertThat(a.peek()).isEqualTo("--not-a-flag");
        assertThat(a.rest()).containsExactly("--not-a-flag", "x");
        assertThat(a.hasNext()).isFalse();
    }

    @Test
    void atFlag_loneDashOrPositionalOrEnd_false() {
        assertThat(new Args(List.of("-")).atFlag()).isFalse();
        assertThat(new Args(List.of("id", "--x")).atFlag()).isFalse();
        assertThat(new Args(List.of()).atFlag()).isFalse();
        assertThat(new Args(List.of("-t")).atFlag()).isTrue();
    }

    @Test
    void name_withoutEquals_wholeFlag() {
        assertThat(Args.name("-t")).isEqualTo("-t");
        assertThat(Args.name("--format=json")).isEqualTo("--format");
    }

    @Test
    void required_missing_usageErrorNamingWhat() {
        Args a = new Args(List.of());
        assertThatThrownBy(() -> a.required("container id")).isInstanceOf(Args.UsageException.class).hasMessage("missing container id");
        assertThat(new Args(List.of("c1")).required("container id")).isEqualTo("c1");
    }

    @Test
    void end_extraArgument_usageError() {
        Args a = new Args(List.of("c1", "extra"));
        a.next();
        assertThatThrownBy(a::end).isInstanceOf(Args.UsageException.class).hasMessage("unexpected argument \"extra\"");
        a.next();
        a.end();
        assertThat(a.hasNext()).isFalse();
    }

    @Test
    void rest_afterSome_remainingInOrderAndCopied() {
        List<String> in = new java.util.ArrayList<>(List.of("exec", "c1", "sh", "-c", "ls"));
        Args a = new Args(in);
        a.next();
        a.next();
        in.clear();
        List<String> rest = a.rest();
        assertThat(rest).containsExactly("sh", "-c", "ls");
        assertThat(a.rest()).isEmpty();
    }
}
