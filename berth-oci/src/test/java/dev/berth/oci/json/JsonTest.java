package dev.berth.oci.json;

import org.junit.jupiter.api.Test;

import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class JsonTest {
    private static Object parse(String text) {
        return Json.parse(text, "t.json");
    }

    @Test
    void parse_scalars_plainJdkTypes() {
        assertThat(parse("\"hi\"")).isEqualTo("hi");
        assertThat(parse("true")).isEqualTo(Boolean.TRUE);
        assertThat(parse("false")).isEqualTo(Boolean.FALSE);
        assertThat(parse("null")).isNull();
        assertThat(parse("42")).isEqualTo(42L);
        assertThat(parse("-7")).isEqualTo(-7L);
        assertThat(parse("0")).isEqualTo(0L);
        assertThat(parse("1.5")).isEqualTo(1.5d);
        assertThat(parse("-2.5e3")).isEqualTo(-2500.0d);
        assertThat(parse("1E2")).isEqualTo(100.0d);
        assertThat(parse("[]")).isEqualTo(List.of());
        assertThat(parse("{}")).isEqualTo(Map.of());
    }

    @Test
    void parse_longBoundaries_longUpTo63BitsThenBigInteger() {
        assertThat(parse("9223372036854775807")).isEqualTo(Long.MAX_VALUE);
        assertThat(parse("-9223372036854775808")).isEqualTo(Long.MIN_VALUE);
        assertThat(parse("9223372036854775808")).isEqualTo(new BigInteger("9223372036854775808"));
        assertThat(parse("18446744073709551615")).isEqualTo(new BigInteger("18446744073709551615"));
        assertThat(parse("123456789012345678901234567890")).isEqualTo(new BigInteger("123456789012345678901234567890"));
    }

    @Test
    void parse_escapes_decoded() {
        assertThat(parse("\"a\\\"b\\\\c\\/d\"")).isEqualTo("a\"b\\c/d");
        assertThat(parse("\"\\b\\f\\n\\r\\t\"")).isEqualTo("\b\f\n\r\t");
        assertThat(parse("\"\\u0041\\u00e9\\u20AC\"")).isEqualTo("Aé€");
        assertThat(parse("\"\\ud83d\\ude00\"")).isEqualTo("😀");
        assertThat(parse("\"x\\u0000y\"")).isEqualTo("x\0y");
        assertThat(parse("\"héllo 😀\"")).isEqualTo("héllo 😀");
    }

    @Test
    void parse_nested_structurePreserved() {
        Object v = parse("{\"a\":[1,{\"b\":[true,null,\"s\"]}],\"c\":{\"d\":{}}}");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", List.of(1L, Map.of("b", Arrays.asList(true, null, "s"))));
        expected.put("c", Map.of("d", Map.of()));
        assertThat(v).isEqualTo(expected);
    }

    @Test
    void parse_object_keepsInsertionOrder() {
        @SuppressWarnings("unchecked")
        Map<String, Object> m = (Map<String, Object>) parse("{\"z\":1,\"a\":2,\"m\":3,\"b\":4}");
        assertThat(m.keySet()).containsExactly("z", "a", "m", "b");
    }

    @Test
    void parse_whitespaceEverywhere_accepted() {
        Object v = parse(" \t\r\n{ \"a\" :\n[ 1 ,\t2 ] , \"b\"\r\n: null }\n ");
        Map<String, Object> expected = new LinkedHashMap<>();
        expected.put("a", List.of(1L, 2L));
        expected.put("b", null);
        assertThat(v).isEqualTo(expected);
    }

    @Test
    void parse_trailingText_errorWithPosition() {
        assertThatThrownBy(() -> parse("{}\n  x"))
                .isInstanceOf(JsonException.class)
                .hasMessage("t.json:2:3: unexpected text after the JSON value");
    }

    @Test
    void parse_unterminatedString_errorAtEnd() {
        assertThatThrownBy(() -> parse("{\"a\": \"abc"))
                .isInstanceOf(JsonException.class)
                .hasMessage("t.json:1:11: unterminated string");
    }

    @Test
    void parse_badEscape_errorNamesEscape() {
        assertThatThrownBy(() -> parse("[\n\"a\\x\"]"))
                .isInstanceOf(JsonException.class)
                .hasMessageStartingWith("t.json:2:")
                .hasMessageEndingWith(": bad escape \\x");
    }

    @Test
    void parse_badUnicodeEscape_error() {
        assertThatThrownBy(() -> parse("\"\\u12G4\"")).isInstanceOf(JsonException.class).hasMessageContaining("bad \\u escape");
        assertThatThrownBy(() -> parse("\"\\u12")).isInstanceOf(JsonException.class).hasMessageContaining("bad \\u escape");
    }

    @Test
    void parse_unicodeEscapeNotFourAsciiHexDigits_error() {
        // Integer.parseInt accepts a sign; JSON's \\u takes exactly four hex digits.
        assertThatThrownBy(() -> parse("\"\\u-041\"")).isInstanceOf(JsonException.class).hasMessageContaining("bad \\u escape");
        assertThatThrownBy(() -> parse("\"\\u+041\"")).isInstanceOf(JsonException.class).hasMessageContaining("bad \\u escape");
        // ...and Character.digit takes non-ASCII digits (here ARABIC-INDIC 0041).
        assertThatThrownBy(() -> parse("\"\\u\u0660\u0660\u0664\u0661\"")).isInstanceOf(JsonException.class).hasMessageContaining("bad \\u escape");
    }

    @Test
    void parse_rawControlCharInString_error() {
        assertThatThrownBy(() -> parse("\"a\tb\""))
                .isInstanceOf(JsonException.class)
                .hasMessage("t.json:1:3: control character in string");
    }

    @Test
    void parse_missingColon_errorNamesField() {
        assertThatThrownBy(() -> parse("{\"a\" 1}"))
                .isInstanceOf(JsonException.class)
                .hasMessage("t.json:1:6: expected ':' after field \"a\"");
    }

    @Test
    void parse_trailingCommaInObject_error() {
        assertThatThrownBy(() -> parse("{\"a\":1,}"))
                .isInstanceOf(JsonException.class)
                .hasMessage("t.json:1:8: expected a field name");
    }

    @Test
    void parse_trailingCommaInArray_error() {
        assertThatThrownBy(() -> parse("[1,2,]"))
                .isInstanceOf(JsonException.class)
                .hasMessage("t.json:1:6: unexpected character ']'");
    }

    @Test
    void parse_missingSeparator_error() {
        assertThatThrownBy(() -> parse("[1 2]")).isInstanceOf(JsonException.class).hasMessage("t.json:1:4: expected ',' or ']'");
        assertThatThrownBy(() -> parse("{\"a\":1 \"b\":2}")).isInstanceOf(JsonException.class).hasMessage("t.json:1:8: expected ',' or '}'");
    }

    @Test
    void parse_truncatedOrEmpty_unexpectedEnd() {
        assertThatThrownBy(() -> parse("")).isInstanceOf(JsonException.class).hasMessage("t.json:1:1: unexpected end of input");
        assertThatThrownBy(() -> parse("[1,")).isInstanceOf(JsonException.class).hasMessage("t.json:1:4: unexpected end of input");
        assertThatThrownBy(() -> parse("{\"a\":1")).isInstanceOf(JsonException.class).hasMessage("t.json:1:7: unexpected end of input");
    }

    @Test
    void parse_badLiteralsAndNumbers_error() {
        assertThatThrownBy(() -> parse("tru")).isInstanceOf(JsonException.class).hasMessage("t.json:1:1: invalid literal");
        assertThatThrownBy(() -> parse("nul")).isInstanceOf(JsonException.class).hasMessage("t.json:1:1: invalid literal");
        assertThatThrownBy(() -> parse("[-]")).isInstanceOf(JsonException.class).hasMessage("t.json:1:2: invalid number '-'");
        assertThatThrownBy(() -> parse("1.2.3")).isInstanceOf(JsonException.class).hasMessage("t.json:1:1: invalid number '1.2.3'");
        assertThatThrownBy(() -> parse("'a'")).isInstanceOf(JsonException.class).hasMessage("t.json:1:1: unexpected character '''");
    }

    @Test
    void parseObject_notAnObject_error() {
        assertThatThrownBy(() -> Json.parseObject("[1]", "c.json"))
                .isInstanceOf(JsonException.class)
                .hasMessage("c.json: expected a JSON object");
    }

    @Test
    void write_scalars_compact() {
        assertThat(Json.write(null)).isEqualTo("null");
        assertThat(Json.write(true)).isEqualTo("true");
        assertThat(Json.write(42)).isEqualTo("42");
        assertThat(Json.write(-42L)).isEqualTo("-42");
        assertThat(Json.write(new BigInteger("18446744073709551615"))).isEqualTo("18446744073709551615");
        assertThat(Json.write(1.5d)).isEqualTo("1.5");
        assertThat(Json.write(3.0d)).isEqualTo("3");
        assertThat(Json.write(Double.NaN)).isEqualTo("null");
        assertThat(Json.write(Double.POSITIVE_INFINITY)).isEqualTo("null");
        assertThat(Json.write("s")).isEqualTo("\"s\"");
    }

    @Test
    void write_escapes_quotesBackslashAndControlChars() {
        assertThat(Json.write("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
        assertThat(Json.write("\n\r\t")).isEqualTo("\"\\n\\r\\t\"");
        assertThat(Json.write("\0\u0001\b\f\u001f")).isEqualTo("\"\\u0000\\u0001\\u0008\\u000c\\u001f\"");
        assertThat(Json.write("é/€")).isEqualTo("\"é/€\"");
    }

    @Test
    void write_nested_compactAndOrdered() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("z", List.of(1, "two", Map.of()));
        m.put("a", null);
        m.put("e", List.of());
        assertThat(Json.write(m)).isEqualTo("{\"z\":[1,\"two\",{}],\"a\":null,\"e\":[]}");
    }

    @Test
    void writePretty_nested_twoSpaceIndentAndTrailingNewline() {
        Map<String, Object> m = Json.obj("a", 1, "b", List.of("x", "y"), "c", Json.obj("d", true), "e", List.of(), "f", Map.of());
        assertThat(Json.writePretty(m)).isEqualTo("""
                {
                  "a": 1,
                  "b": [
                    "x",
                    "y"
                  ],
                  "c": {
                    "d": true
                  },
                  "e": [],
                  "f": {}
                }
                """);
    }

    @Test
    void write_jsonObject_writesItsMap() {
        JsonObject o = Json.parseObject("{\"b\":1,\"a\":[2]}", "t.json");
        assertThat(Json.write(o)).isEqualTo("{\"b\":1,\"a\":[2]}");
    }

    @Test
    void obj_nullValues_dropped() {
        Map<String, Object> m = Json.obj("a", 1, "b", null, "c", "x");
        assertThat(m).containsOnlyKeys("a", "c");
        assertThat(m.keySet()).containsExactly("a", "c");
    }

    @Test
    void roundTrip_writeThenParse_sameValue() {
        List<Object> list = new ArrayList<>(Arrays.asList("s\"\\\n\u0001é😀", true, false, null, 0L, -1L, Long.MAX_VALUE, Long.MIN_VALUE,
                new BigInteger("18446744073709551615"), 0.25d, -1.0E-7d, 6.02E23d));
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("list", list);
        doc.put("nested", Map.of("k", List.of(Map.of())));
        doc.put("", "empty key");
        assertThat(parse(Json.write(doc))).isEqualTo(doc);
        assertThat(parse(Json.writePretty(doc))).isEqualTo(doc);
    }
}
