package dev.berth.engine;

import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.json.Json;
import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Restart-policy decisions and healthcheck merging, without containers (no root). */
class RestartPolicyTest {
    private static Map<String, Object> container(String policy, int max) {
        Map<String, Object> c = new LinkedHashMap<>();
        c.put("Id", "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef");
        c.put("RestartCount", 0);
        c.put("HostConfig", Json.obj("RestartPolicy", Json.obj("Name", policy, "MaximumRetryCount", max)));
        c.put("State", Json.obj("Status", "exited", "Running", false, "Restarting", false, "ExitCode", 0));
        return c;
    }

    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    @Test
    void onFailure_countsRetries_andIgnoresCleanExits() {
        RestartManager rm = new RestartManager(null);
        Map<String, Object> c = container("on-failure", 2);
        assertThat(rm.onExit(c, 0, T0, T0.plusMillis(5))).isFalse();
        assertThat(rm.onExit(c, 3, T0, T0.plusMillis(5))).isTrue();
        assertThat(c.get("RestartCount")).isEqualTo(1);
        assertThat(Engine.state(c)).containsEntry("Status", "restarting").containsEntry("Restarting", true).containsEntry("Running", true);
        assertThat(rm.onExit(c, 3, T0, T0.plusMillis(5))).isTrue();
        assertThat(rm.onExit(c, 3, T0, T0.plusMillis(5))).as("the third failure: limit reached").isFalse();
        assertThat(c.get("RestartCount")).isEqualTo(2);
        rm.close();
    }

    @Test
    void always_andUnlessStopped_butNotAfterAManualStop() {
        RestartManager rm = new RestartManager(null);
        for (String p : List.of("always", "unless-stopped")) {
            Map<String, Object> c = container(p, 0);
            assertThat(rm.onExit(c, 0, T0, T0)).isTrue();
            c.put(RestartManager.MANUALLY_STOPPED, true);
            assertThat(rm.onExit(c, 137, T0, T0)).isFalse();
        }
        assertThat(rm.onExit(container("no", 0), 1, T0, T0)).isFalse();
        rm.close();
    }

    @Test
    void backoff_doubles_andResetsAfterTenSecondsOfRunning() {
        RestartManager rm = new RestartManager(null);
        Map<String, Object> c = container("always", 0);
        String id = (String) c.get("Id");
        List<Long> delays = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) {
            rm.onExit(c, 1, T0, T0.plusMillis(50));
            delays.add(rm.delay(id));
        }
        assertThat(delays).containsExactly(100L, 200L, 400L, 800L);
        for (int i = 0; i < 20; i++) rm.onExit(c, 1, T0, T0.plusMillis(50));
        assertThat(rm.delay(id)).as("at most a minute").isEqualTo(60_000L);
        rm.onExit(c, 1, T0, T0.plusSeconds(10));
        assertThat(rm.delay(id)).isEqualTo(100L);
        rm.close();
    }

    @Test
    void daemonStart_always_evenAfterAUsersStop_unlessStoppedNot() {
        Map<String, Object> always = container("always", 0), unless = container("unless-stopped", 0), onf = container("on-failure", 1);
        always.put(RestartManager.MANUALLY_STOPPED, true);
        unless.put(RestartManager.MANUALLY_STOPPED, true);
        assertThat(RestartManager.startsWithDaemon(always)).isTrue();
        assertThat(RestartManager.startsWithDaemon(unless)).isFalse();
        unless.remove(RestartManager.MANUALLY_STOPPED);
        assertThat(RestartManager.startsWithDaemon(unless)).isTrue();
        assertThat(RestartManager.startsWithDaemon(onf)).as("exit code 0").isFalse();
        Engine.state(onf).put("ExitCode", 2);
        assertThat(RestartManager.startsWithDaemon(onf)).isTrue();
        assertThat(RestartManager.startsWithDaemon(container("no", 0))).isFalse();
    }

    @Test
    void validate_refusesWhatDockerRefuses() {
        assertThat(catchThrowable(() -> RestartManager.validate(Map.of("RestartPolicy", Json.obj("Name", "sometimes")))))
                .hasMessageContaining("unknown policy 'sometimes'");
        assertThat(catchThrowable(() -> RestartManager.validate(Map.of("RestartPolicy", Json.obj("Name", "always", "MaximumRetryCount", 3)))))
                .hasMessageContaining("only be used with 'on-failure'");
        assertThat(catchThrowable(() -> RestartManager.validate(Map.of("RestartPolicy", Json.obj("Name", "always"), "AutoRemove", true))))
                .hasMessageContaining("AutoRemove");
        RestartManager.validate(Map.of("RestartPolicy", Json.obj("Name", "on-failure", "MaximumRetryCount", 5)));
        RestartManager.validate(Map.of());
    }

    @Test
    void goDurations_asDockerMessagesPrintThem() {
        assertThat(HealthMonitor.goDuration(300_000_000L)).isEqualTo("300ms");
        assertThat(HealthMonitor.goDuration(2_000_000_000L)).isEqualTo("2s");
        assertThat(HealthMonitor.goDuration(1_500_000_000L)).isEqualTo("1.5s");
        assertThat(HealthMonitor.goDuration(90_000_000_000L)).isEqualTo("1m30s");
        assertThat(HealthMonitor.goDuration(3_600_000_000_000L)).isEqualTo("1h0m0s");
    }

    @Test
    void healthcheck_containerFieldsOverTheImages() {
        var image = new ImageConfig.Healthcheck(List.of("CMD", "check"), 5_000_000_000L, 0, 0, 4);
        Map<String, Object> merged = HealthMonitor.merge(Json.obj("Interval", 1_000_000_000L), image);
        assertThat(merged).isEqualTo(Json.obj("Test", List.of("CMD", "check"), "Interval", 1_000_000_000L, "Retries", 4));
        assertThat(HealthMonitor.merge(Json.obj("Test", List.of("NONE")), image)).containsEntry("Test", List.of("NONE"));
        assertThat(HealthMonitor.merge(null, null)).isNull();
        assertThat(catchThrowable(() -> HealthMonitor.merge(Json.obj("Test", List.of("CMD-SHELL", "x"), "Interval", 10L), null)))
                .hasMessageContaining("Healthcheck.Interval cannot be less than 1ms");
        assertThat(catchThrowable(() -> HealthMonitor.merge(Json.obj("Test", List.of("RUN", "x")), null)))
                .hasMessageContaining("unknown type \"RUN\"");
    }
}
