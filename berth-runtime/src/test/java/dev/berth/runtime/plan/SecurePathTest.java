package dev.berth.runtime.plan;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class SecurePathTest {
    @TempDir
    Path tmp;
    Path root;

    @BeforeEach
    void setUp() throws IOException {
        root = Files.createDirectory(tmp.toRealPath().resolve("rootfs"));
    }

    private Path link(String at, String target) throws IOException {
        Path p = root.resolve(at);
        Files.createDirectories(p.getParent());
        return Files.createSymbolicLink(p, Path.of(target));
    }

    @Test
    void resolve_plainExistingPath_insideRoot() throws IOException {
        Files.createDirectories(root.resolve("etc"));
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0::/root:/bin/sh\n");
        assertThat(SecurePath.resolve(root, "/etc/passwd")).isEqualTo(root.resolve("etc/passwd"));
        assertThat(SecurePath.resolve(root, "etc/passwd")).isEqualTo(root.resolve("etc/passwd"));
    }

    @Test
    void resolve_slashOnly_root() throws IOException {
        assertThat(SecurePath.resolve(root, "/")).isEqualTo(root);
        assertThat(SecurePath.resolve(root, "")).isEqualTo(root);
    }

    @Test
    void resolve_dotsAndDoubleSlashes_ignored() throws IOException {
        assertThat(SecurePath.resolve(root, "//./etc//./x/")).isEqualTo(root.resolve("etc/x"));
    }

    @Test
    void resolve_dotDotAtRoot_staysInRoot() throws IOException {
        assertThat(SecurePath.resolve(root, "/../../../etc")).isEqualTo(root.resolve("etc"));
        assertThat(SecurePath.resolve(root, "/a/../../../../b")).isEqualTo(root.resolve("b"));
        assertThat(SecurePath.resolve(root, "/a/b/../c")).isEqualTo(root.resolve("a/c"));
        assertThat(SecurePath.resolve(root, "..")).isEqualTo(root);
    }

    @Test
    void resolve_absoluteSymlinkToSlash_resolvedInsideRoot() throws IOException {
        link("etc", "/");
        assertThat(SecurePath.resolve(root, "/etc/passwd")).isEqualTo(root.resolve("passwd"));
        assertThat(SecurePath.resolve(root, "/etc")).isEqualTo(root);
    }

    @Test
    void resolve_absoluteSymlinkToDir_resolvedFromRoot() throws IOException {
        Files.createDirectories(root.resolve("usr/lib"));
        link("lib", "/usr/lib");
        assertThat(SecurePath.resolve(root, "/lib/libc.so")).isEqualTo(root.resolve("usr/lib/libc.so"));
    }

    @Test
    void resolve_absoluteSymlinkToHostPath_neverLeavesRoot() throws IOException {
        link("proc", tmp.toString());
        Path p = SecurePath.resolve(root, "/proc/self");
        assertThat(p).isEqualTo(root.resolve(tmp.toString().substring(1)).resolve("self"));
        assertThat(p.startsWith(root)).isTrue();
    }

    @Test
    void resolve_relativeSymlinkWithManyDotDots_clampedAtRoot() throws IOException {
        link("a/b/escape", "../../../../../../host");
        assertThat(SecurePath.resolve(root, "/a/b/escape/file")).isEqualTo(root.resolve("host/file"));
    }

    @Test
    void resolve_relativeSymlink_relativeToItsDirectory() throws IOException {
        Files.createDirectories(root.resolve("run"));
        link("var/run", "../run");
        assertThat(SecurePath.resolve(root, "/var/run/lock")).isEqualTo(root.resolve("run/lock"));
    }

    @Test
    void resolve_chainedSymlinks_followedEach() throws IOException {
        link("one", "two");
        link("two", "/three");
        Files.createDirectories(root.resolve("three"));
        assertThat(SecurePath.resolve(root, "/one/x")).isEqualTo(root.resolve("three/x"));
    }

    @Test
    void resolve_symlinkLoop_ioException() throws IOException {
        link("a", "b");
        link("b", "/a");
        assertThatThrownBy(() -> SecurePath.resolve(root, "/a/x"))
                .isInstanceOf(IOException.class)
                .hasMessage("too many levels of symbolic links: /a/x");
    }

    @Test
    void resolve_selfLoop_ioException() throws IOException {
        link("self", "./self");
        assertThatThrownBy(() -> SecurePath.resolve(root, "/self")).isInstanceOf(IOException.class)
                .hasMessageContaining("too many levels of symbolic links");
    }

    @Test
    void resolve_nonexistentTail_keptAsIs() throws IOException {
        Files.createDirectories(root.resolve("dev"));
        assertThat(SecurePath.resolve(root, "/dev/net/tun")).isEqualTo(root.resolve("dev/net/tun"));
        assertThat(SecurePath.resolve(root, "/missing/a/b")).isEqualTo(root.resolve("missing/a/b"));
    }

    @Test
    void resolve_danglingSymlink_targetInsideRoot() throws IOException {
        link("data", "/srv/data");
        assertThat(SecurePath.resolve(root, "/data/x")).isEqualTo(root.resolve("srv/data/x"));
    }

    @Test
    void isDirectory_symlinkToDirectory_false() throws IOException {
        Files.createDirectories(root.resolve("real"));
        link("alias", "real");
        assertThat(SecurePath.isDirectory(root.resolve("real"))).isTrue();
        assertThat(SecurePath.isDirectory(root.resolve("alias"))).isFalse();
        assertThat(SecurePath.isDirectory(root.resolve("none"))).isFalse();
    }
}
