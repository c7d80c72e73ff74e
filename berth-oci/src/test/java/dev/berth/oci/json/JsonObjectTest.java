package dev.berth.oci.json;

import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonObjectTest {
    private static JsonObject obj(String text) {
        return Json.parseObject(text, "config.json");
    }

    @Test
    void string_presentAbsentNull_valueOrNull() {
        JsonObject o = obj("{\"a\":\"x\",\"n\":null}");
        assertThat(o.string("a")).isEqualTo("x");
        assertThat(o.string("missing")).isNull();
        assertThat(o.string("n")).isNull();
        assertThat(o.string("n", "dflt")).isEqualTo("dflt");
        assertThat(o.string("a", "dflt")).isEqualTo("x");
    }

    @Test
    void has_nullValue_false() {
        JsonObject o = obj("{\"a\":0,\"n\":null}");
        assertThat(o.has("a")).isTrue();
        assertThat(o.has("n")).isFalse();
        assertThat(o.has("missing")).isFalse();
    }

    @Test
    void string_wrongType_messageNamesPathAndKinds() {
        JsonObject o = obj("{\"process\":{\"cwd\":1,\"user\":[],\"env\":{},\"t\":true}}").object("process");
        assertThatThrownBy(() -> o.string("cwd")).isInstanceOf(JsonException.class)
                .hasMessage("config.json: process.cwd: expected a string, got a number");
        assertThatThrownBy(() -> o.string("user")).hasMessage("config.json: process.user: expected a string, got an array");
        assertThatThrownBy(() -> o.string("env")).hasMessage("config.json: process.env: expected a string, got an object");
        assertThatThrownBy(() -> o.string("t")).hasMessage("config.json: process.t: expected a string, got a boolean");
    }

    @Test
    void strings_wrongElement_messageNamesIndex() {
        JsonObject p = obj("{\"process\":{\"args\":[\"sh\",1]}}").object("process");
        assertThatThrownBy(() -> p.strings("args")).isInstanceOf(JsonException.class)
                .hasMessage("config.json: process.args[1]: expected a string, got a number");
    }

    @Test
    void strings_nullElement_messageSaysNull() {
        JsonObject p = obj("{\"args\":[\"sh\",null]}");
        assertThatThrownBy(() -> p.strings("args")).isInstanceOf(JsonException.class)
                .hasMessage("config.json: args[1]: expected a string, got null");
    }

    @Test
    void strings_absentOrNull_emptyAndImmutable() {
        JsonObject o = obj("{\"a\":[\"x\",\"y\"],\"n\":null}");
        assertThat(o.strings("a")).containsExactly("x", "y");
        assertThat(o.strings("n")).isEmpty();
        assertThat(o.strings("missing")).isEmpty();
        assertThatThrownBy(() -> o.strings("a").add("z")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void strings_notAnArray_error() {
        assertThatThrownBy(() -> obj("{\"a\":\"x\"}").strings("a")).hasMessage("config.json: a: expected an array, got a string");
    }

    @Test
    void requireString_missingOrNull_error() {
        JsonObject root = obj("{\"root\":{\"path\":null}}").object("root");
        assertThatThrownBy(() -> root.requireString("path")).isInstanceOf(JsonException.class)
                .hasMessage("config.json: root.path: required field is missing");
        assertThatThrownBy(() -> obj("{}").requireString("ociVersion")).hasMessage("config.json: ociVersion: required field is missing");
    }

    @Test
    void bool_values_absentIsFalse() {
        JsonObject o = obj("{\"t\":true,\"f\":false,\"n\":null,\"s\":\"true\"}");
        assertThat(o.bool("t")).isTrue();
        assertThat(o.bool("f")).isFalse();
        assertThat(o.bool("n")).isFalse();
        assertThat(o.bool("missing")).isFalse();
        assertThat(o.boolOrNull("f")).isFalse();
        assertThat(o.boolOrNull("missing")).isNull();
        assertThatThrownBy(() -> o.bool("s")).hasMessage("config.json: s: expected a boolean, got a string");
    }

    @Test
    void longOrNull_numbers_longValues() {
        JsonObject o = obj("{\"a\":5,\"neg\":-3,\"d\":4.0,\"n\":null}");
        assertThat(o.longOrNull("a")).isEqualTo(5L);
        assertThat(o.longOrNull("neg")).isEqualTo(-3L);
        assertThat(o.longOrNull("d")).isEqualTo(4L);
        assertThat(o.longOrNull("n")).isNull();
        assertThat(o.longOrNull("missing")).isNull();
        assertThat(o.longValue("missing", 9)).isEqualTo(9L);
        assertThat(o.longValue("a", 9)).isEqualTo(5L);
    }

    @Test
    void longOrNull_unsigned64Bit_keepsBits() {
        JsonObject o = obj("{\"max\":18446744073709551615,\"top\":9223372036854775808,\"mask\":18446744073709486080}");
        assertThat(o.longOrNull("max")).isEqualTo(-1L);
        assertThat(o.longOrNull("top")).isEqualTo(Long.MIN_VALUE);
        assertThat(o.longOrNull("mask")).isEqualTo(0xFFFFFFFFFFFF0000L);
    }

    @Test
    void longOrNull_beyond64BitsOrFraction_error() {
        JsonObject o = obj("{\"big\":18446744073709551616,\"neg\":-9223372036854775809,\"f\":1.5,\"s\":\"1\"}");
        assertThatThrownBy(() -> o.longOrNull("big")).hasMessage("config.json: big: expected an integer, got a number");
        assertThatThrownBy(() -> o.longOrNull("neg")).hasMessage("config.json: neg: expected an integer, got a number");
        assertThatThrownBy(() -> o.longOrNull("f")).hasMessage("config.json: f: expected an integer, got a number");
        assertThatThrownBy(() -> o.longOrNull("s")).hasMessage("config.json: s: expected an integer, got a string");
    }

    @Test
    void requireLong_missing_error() {
        JsonObject r = obj("{\"rlimits\":[{\"type\":\"RLIMIT_NOFILE\"}]}").objects("rlimits").get(0);
        assertThatThrownBy(() -> r.requireLong("hard")).hasMessage("config.json: rlimits[0].hard: required field is missing");
        assertThat(obj("{\"x\":7}").requireLong("x")).isEqualTo(7L);
    }

    @Test
    void intOrNull_outOfRange_error() {
        JsonObject o = obj("{\"ok\":-2147483648,\"big\":2147483648}");
        assertThat(o.intOrNull("ok")).isEqualTo(Integer.MIN_VALUE);
        assertThat(o.intOrNull("missing")).isNull();
        assertThatThrownBy(() -> o.intOrNull("big")).hasMessage("config.json: big: number out of range: 2147483648");
    }

    @Test
    void longs_elements_convertedWithIndexedErrors() {
        JsonObject o = obj("{\"g\":[1,2,18446744073709551615],\"bad\":[1,\"x\"],\"nul\":[1,null]}");
        assertThat(o.longs("g")).containsExactly(1L, 2L, -1L);
        assertThatThrownBy(() -> o.longs("bad")).hasMessage("config.json: bad[1]: expected an integer, got a string");
        assertThatThrownBy(() -> o.longs("nul")).hasMessage("config.json: nul[1]: expected an integer, got null");
    }

    @Test
    void object_nested_pathsCompose() {
        JsonObject o = obj("{\"linux\":{\"resources\":{\"memory\":{\"limit\":\"x\"}}}}");
        JsonObject mem = o.object("linux").object("resources").object("memory");
        assertThat(mem.path("limit")).isEqualTo("linux.resources.memory.limit");
        assertThatThrownBy(() -> mem.longOrNull("limit"))
                .hasMessage("config.json: linux.resources.memory.limit: expected an integer, got a string");
        assertThat(o.object("missing")).isNull();
        assertThatThrownBy(() -> o.object("linux").object("resources").object("memory").object("limit"))
                .hasMessage("config.json: linux.resources.memory.limit: expected an object, got a string");
    }

    @Test
    void objects_elements_pathsCarryIndex() {
        JsonObject o = obj("{\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":3}]}}").object("linux");
        List<JsonObject> ns = o.objects("namespaces");
        assertThat(ns).hasSize(2);
        assertThat(ns.get(0).string("type")).isEqualTo("pid");
        assertThatThrownBy(() -> ns.get(1).string("type"))
                .hasMessage("config.json: linux.namespaces[1].type: expected a string, got a number");
        assertThatThrownBy(() -> obj("{\"m\":[{},[]]}").objects("m")).hasMessage("config.json: m[1]: expected an object, got an array");
    }

    @Test
    void error_custom_namesSourceAndPath() {
        JsonObject o = obj("{\"process\":{}}").object("process");
        assertThat(o.error("args", "must name the program").getMessage()).isEqualTo("config.json: process.args: must name the program");
    }

    @Test
    void stringMap_values_orderedMap() {
        JsonObject o = obj("{\"annotations\":{\"z\":\"1\",\"a\":\"2\"}}");
        Map<String, String> m = o.stringMap("annotations");
        assertThat(m).containsExactly(Map.entry("z", "1"), Map.entry("a", "2"));
        assertThat(o.stringMap("missing")).isEmpty();
    }

    @Test
    void stringMap_nonStringValue_errorNamesKey() {
        assertThatThrownBy(() -> obj("{\"linux\":{\"sysctl\":{\"net.ipv4.ip_forward\":1}}}").object("linux").stringMap("sysctl"))
                .hasMessage("config.json: linux.sysctl.net.ipv4.ip_forward: expected a string, got a number");
    }

    @Test
    void stringMap_nullValue_treatedAsAbsent() {
        Map<String, String> m = obj("{\"annotations\":{\"a\":\"1\",\"b\":null}}").stringMap("annotations");
        assertThat(m).containsExactly(Map.entry("a", "1"));
    }

    @Test
    void map_parsedObject_exposesValues() {
        JsonObject o = obj("{\"a\":1,\"b\":[true]}");
        assertThat(o.map()).containsEntry("a", 1L).containsEntry("b", List.of(true));
    }
}
