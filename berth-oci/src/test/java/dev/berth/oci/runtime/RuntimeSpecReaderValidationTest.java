package dev.berth.oci.runtime;

import dev.berth.oci.json.JsonException;
import org.junit.jupiter.api.Test;

import static dev.berth.oci.runtime.RuntimeSpecReaderTest.config;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every validation error names the file and the field. */
class RuntimeSpecReaderValidationTest {
    private static void rejects(String json, String message) {
        assertThatThrownBy(() -> RuntimeSpecReader.parse(json, "config.json"))
                .isInstanceOf(JsonException.class)
                .hasMessage("config.json: " + message);
    }

    private static String process(String fields) {
        return config("\"process\":{" + fields + "}");
    }

    private static String linux(String fields) {
        return config("\"linux\":{" + fields + "}");
    }

    @Test
    void parse_ociVersion2_unsupported() {
        rejects("{\"ociVersion\":\"2.0\",\"root\":{\"path\":\"rootfs\"}}", "ociVersion: unsupported version \"2.0\" (berth runs 1.x)");
    }

    @Test
    void parse_ociVersion1x_accepted() {
        assertThat(RuntimeSpecReader.parse("{\"ociVersion\":\"1.2.0\",\"root\":{\"path\":\"r\"}}", "c").ociVersion()).isEqualTo("1.2.0");
    }

    @Test
    void parse_missingOciVersion_error() {
        rejects("{\"root\":{\"path\":\"rootfs\"}}", "ociVersion: required field is missing");
    }

    @Test
    void parse_missingRoot_error() {
        rejects("{\"ociVersion\":\"1.0.2\"}", "root: required field is missing");
    }

    @Test
    void parse_rootWithoutPath_error() {
        rejects("{\"ociVersion\":\"1.0.2\",\"root\":{}}", "root.path: required field is missing");
    }

    @Test
    void parse_relativeCwd_error() {
        rejects(process("\"args\":[\"sh\"],\"cwd\":\"tmp\""), "process.cwd: must be an absolute path, got \"tmp\"");
    }

    @Test
    void parse_missingCwd_error() {
        rejects(process("\"args\":[\"sh\"]"), "process.cwd: required field is missing");
    }

    @Test
    void parse_emptyArgs_error() {
        rejects(process("\"args\":[],\"cwd\":\"/\""), "process.args: must name the program to run");
        rejects(process("\"cwd\":\"/\""), "process.args: must name the program to run");
    }

    @Test
    void parse_argsWrongElement_errorNamesIndex() {
        rejects(process("\"args\":[\"sh\",1],\"cwd\":\"/\""), "process.args[1]: expected a string, got a number");
    }

    @Test
    void parse_envEntryWithoutEquals_error() {
        rejects(process("\"args\":[\"sh\"],\"cwd\":\"/\",\"env\":[\"A=1\",\"FOO\"]"), "process.env: entry \"FOO\" is not NAME=value");
    }

    @Test
    void parse_badCapabilityName_errorNamesSet() {
        rejects(process("\"args\":[\"sh\"],\"cwd\":\"/\",\"capabilities\":{\"effective\":[\"CAP_KILL\",\"SYS_ADMIN\"]}"),
                "process.capabilities.effective: \"SYS_ADMIN\" is not a capability name (CAP_...)");
    }

    @Test
    void parse_rlimitTypeWithoutPrefix_error() {
        rejects(process("\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"NOFILE\",\"hard\":1,\"soft\":1}]"),
                "process.rlimits[0].type: unknown rlimit \"NOFILE\"");
    }

    @Test
    void parse_rlimitMissingSoft_error() {
        rejects(process("\"args\":[\"sh\"],\"cwd\":\"/\",\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\",\"hard\":1}]"),
                "process.rlimits[0].soft: required field is missing");
    }

    @Test
    void parse_relativeMountDestination_error() {
        rejects(config("\"mounts\":[{\"destination\":\"/proc\"},{\"destination\":\"proc\"}]"),
                "mounts[1].destination: must be an absolute path, got \"proc\"");
    }

    @Test
    void parse_unknownNamespaceType_error() {
        rejects(linux("\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"pdi\"}]"), "linux.namespaces[1].type: unknown namespace type \"pdi\"");
    }

    @Test
    void parse_duplicateNamespace_error() {
        rejects(linux("\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"mount\"},{\"type\":\"pid\",\"path\":\"/proc/1/ns/pid\"}]"),
                "linux.namespaces[2].type: namespace \"pid\" is listed twice");
    }

    @Test
    void parse_unknownRootfsPropagation_error() {
        rejects(linux("\"rootfsPropagation\":\"sideways\""), "linux.rootfsPropagation: unknown propagation \"sideways\"");
    }

    @Test
    void parse_devicePathOutsideDev_error() {
        rejects(linux("\"devices\":[{\"type\":\"c\",\"path\":\"/tmp/null\",\"major\":1,\"minor\":3}]"),
                "linux.devices[0].path: must be under /dev, got \"/tmp/null\"");
    }

    @Test
    void parse_unknownDeviceType_error() {
        rejects(linux("\"devices\":[{\"type\":\"x\",\"path\":\"/dev/x\"}]"), "linux.devices[0].type: unknown device type \"x\"");
    }

    @Test
    void parse_seccompArgIndexOutOfRange_error() {
        rejects(linux("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
                        + "\"args\":[{\"index\":6,\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
                "linux.seccomp.syscalls[0].args[0].index: must be 0 to 5");
        rejects(linux("\"seccomp\":{\"defaultAction\":\"SCMP_ACT_ALLOW\",\"syscalls\":[{\"names\":[\"read\"],\"action\":\"SCMP_ACT_ERRNO\","
                        + "\"args\":[{\"value\":1,\"op\":\"SCMP_CMP_EQ\"}]}]}"),
                "linux.seccomp.syscalls[0].args[0].index: must be 0 to 5");
    }

    @Test
    void parse_seccompWithoutDefaultAction_error() {
        rejects(linux("\"seccomp\":{\"syscalls\":[]}"), "linux.seccomp.defaultAction: required field is missing");
    }

    @Test
    void parse_hookRelativePath_error() {
        rejects(config("\"hooks\":{\"prestart\":[{\"path\":\"bin/true\"}]}"), "hooks.prestart[0].path: must be an absolute path, got \"bin/true\"");
    }

    @Test
    void parse_hookNonPositiveTimeout_error() {
        rejects(config("\"hooks\":{\"poststop\":[{\"path\":\"/bin/true\",\"timeout\":0}]}"), "hooks.poststop[0].timeout: must be positive");
        rejects(config("\"hooks\":{\"createRuntime\":[{\"path\":\"/bin/true\"},{\"path\":\"/bin/true\",\"timeout\":-3}]}"),
                "hooks.createRuntime[1].timeout: must be positive");
    }

    @Test
    void parse_pidsWithoutLimit_error() {
        rejects(linux("\"resources\":{\"pids\":{}}"), "linux.resources.pids.limit: required field is missing");
    }

    @Test
    void parse_wrongTypeDeepInResources_errorNamesPath() {
        rejects(linux("\"resources\":{\"memory\":{\"limit\":\"1G\"}}"), "linux.resources.memory.limit: expected an integer, got a string");
    }

    @Test
    void parse_notAnObject_error() {
        assertThatThrownBy(() -> RuntimeSpecReader.parse("[]", "config.json")).hasMessage("config.json: expected a JSON object");
    }

    @Test
    void parse_malformedJson_errorWithPosition() {
        assertThatThrownBy(() -> RuntimeSpecReader.parse("{\n  \"ociVersion\": \"1.0.2\",\n}", "config.json"))
                .isInstanceOf(JsonException.class)
                .hasMessage("config.json:3:1: expected a field name");
    }
}
