package dev.berth.runtime.plan;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

class CapabilitiesTest {
    @Test
    void number_knownNames_linuxCapabilityNumbers() {
        assertThat(Capabilities.number("CAP_CHOWN")).isZero();
        assertThat(Capabilities.number("CAP_KILL")).isEqualTo(5);
        assertThat(Capabilities.number("CAP_SETUID")).isEqualTo(7);
        assertThat(Capabilities.number("CAP_NET_BIND_SERVICE")).isEqualTo(10);
        assertThat(Capabilities.number("CAP_SYS_ADMIN")).isEqualTo(21);
        assertThat(Capabilities.number("CAP_MKNOD")).isEqualTo(27);
        assertThat(Capabilities.number("CAP_AUDIT_WRITE")).isEqualTo(29);
        assertThat(Capabilities.number("CAP_AUDIT_READ")).isEqualTo(37);
        assertThat(Capabilities.number("CAP_BPF")).isEqualTo(39);
        assertThat(Capabilities.number("CAP_CHECKPOINT_RESTORE")).isEqualTo(40);
    }

    @Test
    void number_unknownOrWrongCase_minusOne() {
        assertThat(Capabilities.number("CAP_BOGUS")).isEqualTo(-1);
        assertThat(Capabilities.number("cap_chown")).isEqualTo(-1);
        assertThat(Capabilities.number("CHOWN")).isEqualTo(-1);
    }

    @Test
    void name_numbers_namesOrFallback() {
        assertThat(Capabilities.name(0)).isEqualTo("CAP_CHOWN");
        assertThat(Capabilities.name(21)).isEqualTo("CAP_SYS_ADMIN");
        assertThat(Capabilities.name(63)).isEqualTo("CAP_63");
    }

    @Test
    void mask_runcDefaults_bits() {
        List<String> warnings = new ArrayList<>();
        long m = Capabilities.mask(List.of("CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"), "f", warnings::add);
        assertThat(m).isEqualTo((1L << 29) | (1L << 5) | (1L << 10));
        assertThat(warnings).isEmpty();
    }

    @Test
    void mask_chownAndKill_0x21() {
        assertThat(Capabilities.mask(List.of("CAP_CHOWN", "CAP_KILL"), "f", w -> {})).isEqualTo(0x21L);
    }

    @Test
    void mask_duplicatesAndEmpty_idempotent() {
        assertThat(Capabilities.mask(List.of("CAP_SYS_ADMIN", "CAP_SYS_ADMIN"), "f", w -> {})).isEqualTo(1L << 21);
        assertThat(Capabilities.mask(List.of(), "f", w -> {})).isZero();
    }

    @Test
    void mask_unknownName_skippedWithWarningNamingField() {
        List<String> warnings = new ArrayList<>();
        long m = Capabilities.mask(List.of("CAP_CHOWN", "CAP_BOGUS", "CAP_KILL"), "process.capabilities.bounding", warnings::add);
        assertThat(m).isEqualTo(0x21L);
        assertThat(warnings).containsExactly("process.capabilities.bounding: ignoring unknown or unavailable capability CAP_BOGUS");
    }

    @Test
    void lastCap_thisHost_atLeastAuditReadAndBelow64() {
        assertThat(Capabilities.lastCap()).isBetween(37, 63);
    }

    @Test
    void all_thisHost_oneBitPerCapability() {
        long all = Capabilities.all();
        assertThat(Long.bitCount(all)).isEqualTo(Capabilities.lastCap() + 1);
        assertThat(Long.numberOfTrailingZeros(all)).isZero();
        assertThat(Long.numberOfLeadingZeros(all)).isEqualTo(63 - Capabilities.lastCap());
    }

    @Test
    void mask_everyKnownUpToLastCap_equalsAll() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i <= Math.min(Capabilities.lastCap(), 40); i++) names.add(Capabilities.name(i));
        long expected = Capabilities.lastCap() <= 40 ? Capabilities.all() : (1L << 41) - 1;
        assertThat(Capabilities.mask(names, "f", w -> {})).isEqualTo(expected);
    }

    @Test
    void available_isThisProcesssBoundingSet() throws Exception {
        long bounding = 0;
        for (String l : java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/status"))) {
            if (l.startsWith("CapBnd:")) bounding = Long.parseUnsignedLong(l.substring(7).trim(), 16);
        }
        List<String> available = Capabilities.available();
        assertThat(Capabilities.mask(available, "f", w -> {})).isEqualTo(bounding & Capabilities.all());
        assertThat(available).hasSize(Long.bitCount(bounding & Capabilities.all()));
    }
}
