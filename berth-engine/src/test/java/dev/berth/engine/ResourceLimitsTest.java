package dev.berth.engine;

import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** docker's checks of resource values and the OCI resources they become; commit's --change instructions. */
class ResourceLimitsTest {
    private static JsonObject host(String json) {
        return Json.parseObject(json, "HostConfig");
    }

    @Test
    void badValues_are400sWithDockersWords() {
        assertThatThrownBy(() -> ResourceLimits.validate(host("{\"Memory\": 1048576}"))).hasMessage("Minimum memory limit allowed is 6MB")
                .isInstanceOfSatisfying(EngineException.class, e -> assertThat(e.status()).isEqualTo(400));
        assertThatThrownBy(() -> ResourceLimits.validate(host("{\"Memory\": 67108864, \"MemorySwap\": 33554432}")))
                .hasMessageContaining("memoryswap limit should be larger than memory limit");
        assertThatThrownBy(() -> ResourceLimits.validate(host("{\"MemorySwap\": 67108864}"))).hasMessageContaining("always set the Memory limit");
        assertThatThrownBy(() -> ResourceLimits.validate(host("{\"NanoCpus\": 99900000000000}"))).hasMessageContaining("Range of CPUs is from 0.01 to");
        assertThatThrownBy(() -> ResourceLimits.validate(host("{\"NanoCpus\": 500000000, \"CpuPeriod\": 100000}"))).hasMessageContaining("Conflicting options");
        assertThatThrownBy(() -> ResourceLimits.validate(host("{\"CpuPeriod\": 10}"))).hasMessageContaining("CPU cfs period");
        assertThatThrownBy(() -> ResourceLimits.validate(host("{\"BlkioWeight\": 5}"))).hasMessage("Range of blkio weight is from 10 to 1000");
        assertThatThrownBy(() -> ResourceLimits.validate(host("{\"CpusetCpus\": \"0-x\"}"))).hasMessageContaining("Invalid value 0-x");
        assertThatThrownBy(() -> ResourceLimits.validate(host("{\"CpusetCpus\": \"4000\"}"))).hasMessageContaining("Requested CPUs are not available");
        ResourceLimits.validate(host("{\"Memory\": 67108864, \"MemorySwap\": -1, \"NanoCpus\": 500000000, \"CpusetCpus\": \"0\", \"PidsLimit\": -1}"));
    }

    @Test
    void spec_isDockersMapping() {
        Map<String, Object> r = ResourceLimits.spec(host("{\"Memory\": 67108864, \"NanoCpus\": 1500000000, \"CpuShares\": 512, \"PidsLimit\": 50, \"BlkioWeight\": 300}"));
        assertThat(Json.write(r)).isEqualTo("{\"memory\":{\"limit\":67108864,\"swap\":134217728},\"cpu\":{\"period\":100000,\"quota\":150000,"
                + "\"shares\":512},\"pids\":{\"limit\":50},\"blockIO\":{\"weight\":300}}");
        var rt = ResourceLimits.runtime(host("{\"CpuQuota\": 20000, \"CpuPeriod\": 50000}"));
        assertThat(rt.cpu().quota()).isEqualTo(20000);
        assertThat(rt.cpu().period()).isEqualTo(50000);
        assertThat(rt.pids().limit()).isZero(); // lifted: pids.max "max"
        assertThat(rt.memory()).isNull();
    }

    @Test
    void commitChanges_applyToTheConfig() {
        var base = new ImageConfig.Run(null, List.of("PATH=/bin", "A=1"), null, List.of("sh"), "/work", List.of(), List.of(), Map.of("x", "1"),
                null, null, List.of(), null, false);
        var r = Commit.applyChanges(base, List.of("CMD echo hi", "ENV A=2 B=3", "EXPOSE 80", "LABEL y=2", "USER nobody", "WORKDIR sub",
                "VOLUME /data", "ENTRYPOINT [\"/bin/env\"]", "ONBUILD RUN make"));
        assertThat(r.cmd()).containsExactly("/bin/sh", "-c", "echo hi");
        assertThat(r.entrypoint()).containsExactly("/bin/env");
        assertThat(r.env()).containsExactly("PATH=/bin", "A=2", "B=3");
        assertThat(r.exposedPorts()).containsExactly("80/tcp");
        assertThat(r.labels()).containsEntry("x", "1").containsEntry("y", "2");
        assertThat(r.user()).isEqualTo("nobody");
        assertThat(r.workingDir()).isEqualTo("/work/sub");
        assertThat(r.volumes()).containsExactly("/data");
        assertThat(r.onBuild()).containsExactly("RUN make");
        assertThatThrownBy(() -> Commit.applyChanges(base, List.of("RUN true"))).hasMessageContaining("RUN cannot be used with commit");
        assertThatThrownBy(() -> Commit.applyChanges(base, List.of("FROBNICATE x"))).hasMessageContaining("invalid --change");
    }
}
