package dev.berth.api;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Removal as moby does it, through the real docker CLI: {@code run --rm} whose start fails leaves nothing, and
 * {@code rmi} of an image a container uses (409 only when the image itself would go; -f untags).
 */
class DockerRmTest {
    @TempDir
    Path tmp;
    TestDaemon d;
    DockerCli docker;

    @BeforeEach
    void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(DockerCli.DOCKER), "the docker CLI is not installed at " + DockerCli.DOCKER);
        d = TestDaemon.start(tmp);
        docker = new DockerCli(d.socket, tmp.resolve("docker-config"));
    }

    @AfterEach
    void stop() throws Exception {
        if (d != null) d.close();
    }

    String ok(String... args) throws Exception {
        var r = docker.run(args);
        assertThat(r.exit()).as("docker " + String.join(" ", args) + ": " + r.stderr()).isZero();
        return r.stdout().trim();
    }

    @Test
    void runRm_whoseStartFails_removesTheContainer_andKeepsTheExitCode() throws Exception {
        var r = docker.run("run", "--rm", "--name", "gone", "busybox", "/no/such");
        String err = r.stderr();
        assertThat(r.stderr()).contains("/no/such");
        // the CLI's mapping (cli/command/container/run.go toStatusError, case-sensitive): 127 for these words, else 125
        int expected = err.contains("no such file or directory") || err.contains("executable file not found") ? 127 : 125;
        assertThat(r.exit()).as(r.stderr()).isEqualTo(expected);
        assertThat(ok("ps", "-aq")).isEmpty();
        assertThat(d.leaks(List.of())).isEmpty();
        Path attachments = tmp.resolve("data").resolve("network").resolve("attachments");
        if (Files.isDirectory(attachments)) {
            try (Stream<Path> s = Files.list(attachments)) {
                assertThat(s.toList()).as("network attachments").isEmpty();
            }
        }
        // detached too: the error comes from start, and nothing is left
        var detached = docker.run("run", "-d", "--rm", "busybox", "/no/such");
        assertThat(detached.exit()).isNotZero();
        assertThat(ok("ps", "-aq")).isEmpty();
        assertThat(d.leaks(List.of())).isEmpty();
        // without --rm the failed container stays, as before
        assertThat(docker.run("run", "--name", "kept", "busybox", "/no/such").exit()).isNotZero();
        assertThat(ok("ps", "-aq", "--filter", "name=kept")).isNotEmpty();
    }

    @Test
    void rmi_ofAnImageInUse_conflictsOnlyWhenTheImageWouldGo_andForceUntags() throws Exception {
        ok("tag", "busybox", "app:one");
        ok("tag", "busybox", "app:two");
        String id = ok("inspect", "-f", "{{.Id}}", "busybox");
        String cid = ok("create", "--name", "user", "app:one", "echo", "still-here");
        // other names point at the image: only untagged, even the one the container was created from
        assertThat(ok("rmi", "app:one")).isEqualTo("Untagged: app:one");
        assertThat(ok("rmi", "app:two")).isEqualTo("Untagged: app:two");
        // the last name: the image would go, so docker refuses
        var refused = docker.run("rmi", "busybox");
        assertThat(refused.exit()).isNotZero();
        assertThat(refused.stderr()).contains("conflict: unable to remove repository reference \"busybox\" (must force) - container "
                + cid.substring(0, 12) + " is using its referenced image " + id.substring(7, 19));
        // by id: a stopped container's image needs -f
        var byId = docker.run("rmi", id.substring(7, 19));
        assertThat(byId.exit()).isNotZero();
        assertThat(byId.stderr()).contains("image is being used by stopped container " + cid.substring(0, 12));
        // -f untags and keeps the image (dangling) for the container
        var forced = ok("rmi", "-f", "busybox");
        assertThat(forced).contains("Untagged: busybox:latest").doesNotContain("Deleted");
        assertThat(ok("image", "inspect", "-f", "{{.Id}} {{.RepoTags}}", id)).isEqualTo(id + " []");
        assertThat(ok("start", "-a", "user")).isEqualTo("still-here");
        // once the container is gone the image can be deleted
        ok("rm", "user");
        assertThat(ok("rmi", id.substring(7, 19))).contains("Deleted: " + id);
        assertThat(ok("images", "-aq")).isEmpty();
    }
}
