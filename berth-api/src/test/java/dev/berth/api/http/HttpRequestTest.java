package dev.berth.api.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** Request helpers and the pieces of parsing that need no socket. */
class HttpRequestTest {
    static Request request(String rawQuery) throws Exception {
        Map<String, List<String>> headers = new TreeMap<>(String.CASE_INSENSITIVE_ORDER);
        headers.put("X-Registry-Auth", List.of("e30="));
        return new Request("GET", "/x", "/x", null, rawQuery, UrlCodec.query(rawQuery), headers,
                new ByteArrayInputStream(new byte[0]), Map.of());
    }

    @Test
    void booleansFollowMoby() throws Exception {
        Request r = request("a=1&b=True&c=0&d=False&e=&f=no&g=NONE&h=yes&i=false&j=anything");
        assertThat(r.bool("a")).isTrue();
        assertThat(r.bool("b")).isTrue();
        assertThat(r.bool("c")).isFalse();
        assertThat(r.bool("d")).isFalse();
        assertThat(r.bool("e", true)).isFalse();
        assertThat(r.bool("f")).isFalse();
        assertThat(r.bool("g")).isFalse();
        assertThat(r.bool("h")).isTrue();
        assertThat(r.bool("i", true)).isFalse();
        assertThat(r.bool("j")).isTrue();
        assertThat(r.bool("absent")).isFalse();
        assertThat(r.bool("absent", true)).isTrue();
    }

    @Test
    void queryValuesAndNumbers() throws Exception {
        Request r = request("t=a%3A1&t=b&limit=-1&bad=x&empty=");
        assertThat(r.query("t")).isEqualTo("a:1");
        assertThat(r.queryAll("t")).containsExactly("a:1", "b");
        assertThat(r.queryAll("none")).isEmpty();
        assertThat(r.query("none", "dflt")).isEqualTo("dflt");
        assertThat(r.longQuery("limit", 0)).isEqualTo(-1);
        assertThat(r.longQuery("empty", 10)).isEqualTo(10);
        assertThat(r.longQuery("none", 10)).isEqualTo(10);
        assertThatThrownBy(() -> r.longQuery("bad", 0)).isInstanceOf(ApiException.BadRequest.class)
                .hasMessage("invalid value for bad: \"x\" is not an integer");
        assertThat(r.header("x-registry-auth")).isEqualTo("e30=");
        assertThat(r.line()).isEqualTo("GET /x?t=a%3A1&t=b&limit=-1&bad=x&empty=");
    }

    @Test
    void filtersInBothShapes() {
        assertThat(Filters.parse("{\"label\":{\"a=b\":true,\"c\":true},\"status\":{\"exited\":true}}"))
                .isEqualTo(Map.of("label", List.of("a=b", "c"), "status", List.of("exited")));
        assertThat(Filters.parse("{\"label\":[\"com.docker.compose.project=proj\",\"com.docker.compose.oneoff=False\"]}"))
                .isEqualTo(Map.of("label", List.of("com.docker.compose.project=proj", "com.docker.compose.oneoff=False")));
        assertThat(Filters.parse("{\"dangling\":{\"true\":true}}")).isEqualTo(Map.of("dangling", List.of("true")));
        assertThat(Filters.parse(null)).isEmpty();
        assertThat(Filters.parse("")).isEmpty();
        assertThat(Filters.parse("{}")).isEmpty();
        assertThatThrownBy(() -> Filters.parse("[1]")).isInstanceOf(ApiException.BadRequest.class)
                .hasMessage("invalid filters: expected a JSON object, got [1]");
        assertThatThrownBy(() -> Filters.parse("{\"label\":5}")).hasMessage("invalid filters: label: expected an object or an array, got 5");
        assertThatThrownBy(() -> Filters.parse("{\"label\":[5]}")).hasMessage("invalid filters: label: expected strings, got 5");
    }

    @Test
    void urlDecoding() throws Exception {
        assertThat(UrlCodec.decode("/images/a%2Fb:c/json", false)).isEqualTo("/images/a/b:c/json");
        assertThat(UrlCodec.decode("a+b%20c%C3%A9", true)).isEqualTo("a b cé");
        assertThat(UrlCodec.decode("a+b", false)).isEqualTo("a+b");
        assertThatThrownBy(() -> UrlCodec.decode("%zz", false)).hasMessage("bad percent escape in \"%zz\"");
        assertThat(UrlCodec.query("a&&b=1&=x")).isEqualTo(Map.of("a", List.of(""), "b", List.of("1"), "", List.of("x")));
    }

    @Test
    void versionsCompareNumerically() {
        assertThat(EngineVersion.compare("1.9", "1.10")).isNegative();
        assertThat(EngineVersion.compare("1.50", "1.50")).isZero();
        assertThat(EngineVersion.compare("1.5", "1.50")).isNegative();
        assertThat(EngineVersion.compare("2", "1.50")).isPositive();
        assertThat(EngineVersion.DEFAULT.refusal("1.41")).isNull();
        assertThat(EngineVersion.DEFAULT.refusal("1.51")).isEqualTo("client version 1.51 is too new. Maximum supported API version is 1.50");
    }

    @Test
    void apiExceptionsCarryTheirStatus() {
        assertThat(ApiException.notFound("No such image: x").status()).isEqualTo(404);
        assertThat(ApiException.conflict("c").status()).isEqualTo(409);
        assertThat(ApiException.badRequest("b").status()).isEqualTo(400);
        assertThat(ApiException.forbidden("f").status()).isEqualTo(403);
        assertThat(ApiException.unauthorized("u").status()).isEqualTo(401);
        assertThat(ApiException.notModified().status()).isEqualTo(304);
        assertThat(ApiException.serverError("s").status()).isEqualTo(500);
        assertThat(new ApiException(501, "not implemented").status()).isEqualTo(501);
        assertThat(ApiException.notFound("x").getStackTrace()).isEmpty();
        assertThatThrownBy(() -> new ApiException(200, "ok")).hasMessage("not an error status: 200");
    }
}
