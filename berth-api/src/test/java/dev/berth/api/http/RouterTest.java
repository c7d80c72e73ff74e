package dev.berth.api.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class RouterTest {
    static Handler named(String name) {
        return new Handler() {
            @Override
            public void handle(Request request, Response response) {
            }

            @Override
            public String toString() {
                return name;
            }
        };
    }

    final Router r = new Router()
            .get("/images/json", named("list"))
            .get("/images/{name*}/json", named("inspect"))
            .get("/images/{name*}/history", named("history"))
            .post("/images/{name*}/push", named("push"))
            .post("/images/{name*}/tag", named("tag"))
            .delete("/images/{name*}", named("rmi"))
            .get("/containers/json", named("ps"))
            .get("/containers/{id}/json", named("container"))
            .post("/containers/{id}/exec", named("exec"))
            .get("/networks/{id}", named("network"))
            .head("/_ping", named("ping-head"))
            .get("/_ping", named("ping"));

    String route(String method, String path) {
        Router.Match m = r.match(method, path);
        return m == null ? null : m.handler() + " " + m.params();
    }

    @Test
    void greedyNamesKeepSlashesAndColons() {
        assertThat(route("GET", "/images/localhost:5000/a/b:c/json")).isEqualTo("inspect {name=localhost:5000/a/b:c}");
        assertThat(route("GET", "/images/nginx:alpine/json")).isEqualTo("inspect {name=nginx:alpine}");
        assertThat(route("POST", "/images/localhost:5000/alpine/push")).isEqualTo("push {name=localhost:5000/alpine}");
        assertThat(route("DELETE", "/images/a/b:c")).isEqualTo("rmi {name=a/b:c}");
        assertThat(route("DELETE", "/images/sha256:0123")).isEqualTo("rmi {name=sha256:0123}");
        assertThat(route("POST", "/images/a/tag")).isEqualTo("tag {name=a}");
        // a name that itself ends like a suffix: the suffix is the last segment
        assertThat(route("GET", "/images/x/history/json")).isEqualTo("inspect {name=x/history}");
        assertThat(route("GET", "/images/json/json")).isEqualTo("inspect {name=json}");
    }

    @Test
    void literalsWinAndEmptyNamesDoNotMatch() {
        assertThat(route("GET", "/images/json")).isEqualTo("list {}");
        assertThat(route("GET", "/containers/json")).isEqualTo("ps {}");
        assertThat(route("GET", "/images//json")).isNull();
        assertThat(route("DELETE", "/images/")).isNull();
        assertThat(route("DELETE", "/images")).isNull();
    }

    @Test
    void singleSegmentsDoNotTakeSlashes() {
        assertThat(route("GET", "/containers/web/json")).isEqualTo("container {id=web}");
        assertThat(route("GET", "/containers/a/b/json")).isNull();
        assertThat(route("GET", "/networks/proj_default")).isEqualTo("network {id=proj_default}");
        assertThat(route("GET", "/networks/a/b")).isNull();
    }

    @Test
    void methodsAreMatchedExactly() {
        assertThat(route("HEAD", "/_ping")).isEqualTo("ping-head {}");
        assertThat(route("GET", "/_ping")).isEqualTo("ping {}");
        assertThat(route("POST", "/_ping")).isNull();
        assertThat(route("GET", "/containers/web/exec")).isNull();
        assertThat(route("get", "/_ping")).isNull();
    }

    @Test
    void greedyRoutesWithMoreFixedSegmentsComeFirstWhateverTheOrder() {
        Router r2 = new Router().get("/x/{a*}", named("short")).get("/x/{a*}/y", named("long"));
        assertThat(r2.match("GET", "/x/1/2/y").handler()).hasToString("long");
        assertThat(r2.match("GET", "/x/1/2/y").params()).isEqualTo(Map.of("a", "1/2"));
        assertThat(r2.match("GET", "/x/1/2").params()).isEqualTo(Map.of("a", "1/2"));
        Router r3 = new Router().get("/p/{a*}/q", named("greedy")).get("/p/{a}/q", named("single"));
        assertThat(r3.match("GET", "/p/1/q").handler()).hasToString("single");
        assertThat(r3.match("GET", "/p/1/2/q").handler()).hasToString("greedy");
    }

    @Test
    void badPatternsAreRefusedNamingThem() {
        assertThatThrownBy(() -> new Router().get("images/json", named("x"))).hasMessageContaining("must start with /");
        assertThatThrownBy(() -> new Router().get("/a/{x*}/{y*}", named("x"))).hasMessage("route /a/{x*}/{y*} has two greedy segments");
        assertThatThrownBy(() -> new Router().get("/a/b{x}", named("x"))).hasMessageContaining("mixes a literal and a name");
        assertThatThrownBy(() -> new Router().get("/a/{}", named("x"))).hasMessageContaining("bad segment name {}");
        assertThatThrownBy(() -> r.get("/_ping", named("again"))).hasMessage("route GET /_ping is registered twice");
        assertThatThrownBy(() -> r.get("/images/{name*}/json", named("again"))).hasMessage("route GET /images/{name*}/json is registered twice");
    }
}
