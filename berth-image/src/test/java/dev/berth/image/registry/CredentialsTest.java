package dev.berth.image.registry;

import dev.berth.oci.json.JsonException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** docker config.json reading and writing, without a registry. */
class CredentialsTest {
    @TempDir
    Path dir;

    private static String b64(String s) {
        return Base64.getEncoder().encodeToString(s.getBytes());
    }

    @Test
    void aMissingFileHasNoLogins() throws IOException {
        Credentials c = Credentials.load(dir.resolve("none/config.json"));
        assertThat(c.get("localhost:5000")).isEmpty();
        assertThat(Credentials.none().get("docker.io")).isEmpty();
    }

    @Test
    void readsAuthFieldsSchemesAndDockerHubNames() throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, """
                {"auths": {
                  "https://index.docker.io/v1/": {"auth": "%s"},
                  "http://reg.example:5000/v2/": {"auth": "%s"},
                  "plain.example": {"username": "carol", "password": "pw3"},
                  "empty.example": {}
                }}""".formatted(b64("hub:pw1"), b64("dave:pa:ss")));
        Credentials c = Credentials.load(f);
        assertThat(c.get("docker.io")).contains(new Credentials.Auth("hub", "pw1"));
        assertThat(c.get("registry-1.docker.io")).contains(new Credentials.Auth("hub", "pw1"));
        assertThat(c.get("reg.example:5000")).contains(new Credentials.Auth("dave", "pa:ss"));
        assertThat(c.get("plain.example")).contains(new Credentials.Auth("carol", "pw3"));
        assertThat(c.get("empty.example")).isEmpty();
        assertThat(new Credentials.Auth("x", "secret").toString()).doesNotContain("secret");
    }

    @Test
    void badAuthIsAnErrorNamingTheField() throws IOException {
        Path f = dir.resolve("config.json");
        Files.writeString(f, "{\"auths\": {\"r.example\": {\"auth\": \"%%%\"}}}");
        assertThatThrownBy(() -> Credentials.load(f)).isInstanceOf(JsonException.class)
                .hasMessage(f + ": auths.r.example.auth: not base64");
        Files.writeString(f, "{\"auths\": {\"r.example\": {\"auth\": \"" + b64("nocolon") + "\"}}}");
        assertThatThrownBy(() -> Credentials.load(f)).hasMessageContaining("expected base64 of \"user:password\"");
    }

    @Test
    void saveKeepsOtherKeysUsesDockersHubKeyAndMode0600() throws IOException {
        Path f = dir.resolve("new/config.json");
        Credentials c = Credentials.load(f);
        c.put("docker.io", new Credentials.Auth("hub", "pw"));
        c.put("r.example:5000", new Credentials.Auth("u", "p"));
        c.save();
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f))).isEqualTo("rw-------");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(f.getParent()))).isEqualTo("rwx------");
        String text = Files.readString(f);
        assertThat(text).contains("\"https://index.docker.io/v1/\"").contains(b64("hub:pw")).contains(b64("u:p"));

        Files.writeString(f, text.replaceFirst("\\{", "{\"HttpHeaders\": {\"X-A\": \"1\"}, "));
        Credentials d = Credentials.load(f);
        assertThat(d.remove("index.docker.io")).isTrue();
        d.save();
        Credentials e = Credentials.load(f);
        assertThat(e.get("docker.io")).isEmpty();
        assertThat(e.get("r.example:5000")).contains(new Credentials.Auth("u", "p"));
        assertThat(Files.readString(f)).contains("\"HttpHeaders\"").contains("\"X-A\"");
        try (var s = Files.list(f.getParent())) {
            assertThat(s.map(p -> p.getFileName().toString()).toList()).containsExactly("config.json");
        }
    }

    @Test
    void defaultFileIsUnderDotDocker() {
        if (System.getenv("DOCKER_CONFIG") == null) {
            assertThat(Credentials.defaultFile()).isEqualTo(Path.of(System.getProperty("user.home"), ".docker", "config.json"));
        } else {
            assertThat(Credentials.defaultFile()).isEqualTo(Path.of(System.getenv("DOCKER_CONFIG"), "config.json"));
        }
    }
}
