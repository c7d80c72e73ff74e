package dev.berth.image.registry;

import org.junit.jupiter.api.Test;

import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Which registries are insecure, and the defaults. */
class RegistryOptionsTest {
    private static boolean insecure(String registry, RegistryOptions o) {
        return Insecure.matches(registry, o);
    }

    @Test
    void loopbackIsInsecureByDefault() {
        RegistryOptions d = RegistryOptions.defaults();
        assertThat(insecure("localhost:5000", d)).isTrue();
        assertThat(insecure("localhost", d)).isTrue();
        assertThat(insecure("127.0.0.1:5000", d)).isTrue();
        assertThat(insecure("127.8.9.10", d)).isTrue();
        assertThat(insecure("[::1]:5000", d)).isTrue();
        assertThat(insecure("docker.io", d)).isFalse();
        assertThat(insecure("128.0.0.1:5000", d)).isFalse();
        assertThat(insecure("localhost.example.com", d)).isFalse();
        assertThat(insecure("localhost:5000", d.withInsecure(Set.of(), false))).isFalse();
    }

    @Test
    void configuredHostsPortsAndCidrs() {
        RegistryOptions o = RegistryOptions.defaults().withInsecure(Set.of("reg.lan", "other.lan:5000", "10.1.0.0/16"), false);
        assertThat(insecure("reg.lan:443", o)).isTrue();
        assertThat(insecure("other.lan:5000", o)).isTrue();
        assertThat(insecure("other.lan:5001", o)).isFalse();
        assertThat(insecure("10.1.200.3:5000", o)).isTrue();
        assertThat(insecure("10.2.0.1:5000", o)).isFalse();
        assertThat(insecure("localhost:5000", o)).isFalse();
    }

    @Test
    void defaultsAndValidation() {
        RegistryOptions d = RegistryOptions.defaults();
        assertThat(d.certsDirs()).containsExactly(RegistryOptions.BERTH_CERTS, RegistryOptions.DOCKER_CERTS);
        assertThat(d.parallelism()).isEqualTo(3);
        assertThat(d.chunkThreshold()).isEqualTo(8L << 20);
        assertThat(d.caHint("r:5000").toString()).isEqualTo("/etc/berth/certs.d/r:5000/ca.crt");
        assertThatThrownBy(() -> d.withParallelism(0)).hasMessage("parallelism must be at least 1, got 0");
    }
}
