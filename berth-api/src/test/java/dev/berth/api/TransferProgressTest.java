package dev.berth.api;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** The bar and sizes as docker's jsonmessage draws them (go-units HumanSize: 4 significant digits, powers of 1000). */
class TransferProgressTest {
    @Test
    void humanSizes() {
        assertThat(TransferProgress.human(0)).isEqualTo("0B");
        assertThat(TransferProgress.human(999)).isEqualTo("999B");
        assertThat(TransferProgress.human(131072)).isEqualTo("131.1kB");
        assertThat(TransferProgress.human(1234567)).isEqualTo("1.235MB");
        assertThat(TransferProgress.human(5_000_000)).isEqualTo("5MB");
    }

    @Test
    void bar() {
        assertThat(TransferProgress.bar(0, 100)).isEqualTo("[>" + " ".repeat(50) + "]       0B/100B");
        assertThat(TransferProgress.bar(50, 100)).isEqualTo("[" + "=".repeat(25) + ">" + " ".repeat(25) + "]      50B/100B");
        assertThat(TransferProgress.bar(100, 100)).isEqualTo("[" + "=".repeat(50) + ">]     100B/100B");
    }
}
