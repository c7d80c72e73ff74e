package dev.berth.image.registry;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** WWW-Authenticate parsing and token scope merging. */
class AuthChallengeTest {
    @Test
    void bearerWithQuotedCommas() {
        List<Challenge> c = Challenge.parse(List.of(
                "Bearer realm=\"https://auth.docker.io/token\",service=\"registry.docker.io\",scope=\"repository:samalba/my-app:pull,push\""));
        assertThat(c).containsExactly(new Challenge("bearer", Map.of("realm", "https://auth.docker.io/token",
                "service", "registry.docker.io", "scope", "repository:samalba/my-app:pull,push")));
    }

    @Test
    void errorParameterAndTokenValues() {
        List<Challenge> c = Challenge.parse(List.of("Bearer realm=\"http://t/token\", service=svc, error=\"insufficient_scope\""));
        assertThat(c.getFirst().param("service")).isEqualTo("svc");
        assertThat(c.getFirst().param("error")).isEqualTo("insufficient_scope");
    }

    @Test
    void severalChallengesInOneHeaderAndAcrossHeaders() {
        List<Challenge> c = Challenge.parse(List.of("Basic realm=\"a b\", Bearer realm=\"x\",service=\"y\"", "Negotiate", "basic REALM=\"q\\\"r\""));
        assertThat(c).extracting(Challenge::scheme).containsExactly("basic", "bearer", "negotiate", "basic");
        assertThat(c.get(0).param("realm")).isEqualTo("a b");
        assertThat(c.get(1).params()).isEqualTo(Map.of("realm", "x", "service", "y"));
        assertThat(c.get(2).params()).isEmpty();
        assertThat(c.get(3).param("realm")).isEqualTo("q\"r");
    }

    @Test
    void malformedHeadersDoNotThrow() {
        assertThat(Challenge.parse(List.of("", "=x", "Bearer realm=\"unterminated", ",,,"))).extracting(Challenge::scheme).containsExactly("bearer");
    }

    @Test
    void scopesForOneRepositoryAreMerged() {
        assertThat(Authorizer.merge(List.of("repository:app:pull,push", "repository:app:pull", "repository:base:pull", "registry:catalog:*")))
                .containsExactly("repository:app:pull,push", "repository:base:pull", "registry:catalog:*");
        assertThat(Authorizer.merge(List.of("repository:app:pull", "repository:app:push"))).containsExactly("repository:app:pull,push");
    }
}
