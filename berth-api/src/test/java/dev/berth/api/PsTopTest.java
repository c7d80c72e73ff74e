package dev.berth.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.berth.api.http.ApiException;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class PsTopTest {
    static final String PS = """
              PID USER     COMMAND
                1 root     /sbin/init splash
              412 root     sh -c while true; do sleep 1; done
              413 1000     sleep 1
            """;

    @Test
    void keepsTheContainersRows_theLastColumnTakesTheRest() {
        Map<String, Object> top = PsTop.parse(PS, Set.of("412", "413"));
        assertThat(top.get("Titles")).isEqualTo(List.of("PID", "USER", "COMMAND"));
        assertThat(top.get("Processes")).isEqualTo(List.of(
                List.of("412", "root", "sh -c while true; do sleep 1; done"),
                List.of("413", "1000", "sleep 1")));
    }

    @Test
    void withoutAPidColumnIsTheClientsError() {
        assertThatThrownBy(() -> PsTop.parse("COMMAND\nsh\n", Set.of("1")))
                .isInstanceOf(ApiException.class).hasMessage("Couldn't find PID field in ps output");
    }
}
