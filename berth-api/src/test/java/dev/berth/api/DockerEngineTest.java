package dev.berth.api;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The real docker CLI against a berth daemon this test starts (root: it runs containers). */
class DockerEngineTest {
    @TempDir
    static Path tmp;
    static TestDaemon testDaemon;
    static Daemon daemon;
    static DockerCli docker;

    @BeforeAll
    static void start() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(DockerCli.DOCKER), "the docker CLI is not installed at " + DockerCli.DOCKER);
        testDaemon = TestDaemon.start(tmp);
        daemon = testDaemon.daemon;
        Path sock = testDaemon.socket;
        docker = new DockerCli(sock, tmp.resolve("docker-config"));
    }

    @AfterAll
    static void stop() throws Exception {
        if (testDaemon == null) return;
        testDaemon.close();
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(tmp.toString())).toList()).isEmpty();
    }

    @Test
    void runDetached_psInspectStopStartRm() throws Exception {
        var run = docker.run("run", "-d", "--name", "web", "-e", "A=1", "--label", "tier=front", "busybox", "sleep", "1000");
        assertThat(run.exit()).isZero();
        String id = run.stdout().trim();
        assertThat(id).matches("[0-9a-f]{64}");
        var ps = docker.run("ps", "--format", "{{.ID}} {{.Names}} {{.Status}}");
        assertThat(ps.stdout()).contains(id.substring(0, 12) + " web Up");
        assertThat(docker.run("ps", "-q", "--filter", "label=tier=front").stdout().trim()).isEqualTo(id.substring(0, 12));
        assertThat(docker.run("ps", "-q", "--filter", "label=tier=back").stdout().trim()).isEmpty();
        var inspect = docker.run("inspect", "-f", "{{.State.Status}} {{.State.Running}} {{.Name}} {{.Config.Image}} {{index .Config.Env 1}}", "web");
        assertThat(inspect.stdout().trim()).isEqualTo("running true /web busybox A=1");
        assertThat(docker.run("top", "web").stdout()).contains("sleep 1000");
        // no --hostname: the short id everywhere, as docker does (the CLI sends "Hostname": "")
        assertThat(docker.run("exec", "web", "sh", "-c", "hostname; cat /etc/hostname").stdout()).isEqualTo(id.substring(0, 12) + "\n" + id.substring(0, 12) + "\n");
        assertThat(docker.run("inspect", "-f", "{{.Config.Hostname}}", "web").stdout().trim()).isEqualTo(id.substring(0, 12));
        assertThat(docker.run("pause", "web").exit()).isZero();
        assertThat(docker.run("inspect", "-f", "{{.State.Status}}", "web").stdout().trim()).isEqualTo("paused");
        assertThat(docker.run("unpause", "web").exit()).isZero();
        assertThat(docker.run("stop", "-t", "1", "web").exit()).isZero();
        assertThat(docker.run("inspect", "-f", "{{.State.Status}} {{.State.ExitCode}}", "web").stdout().trim()).isEqualTo("exited 137");
        assertThat(docker.run("start", "web").exit()).isZero();
        assertThat(docker.run("restart", "-t", "1", "web").exit()).isZero();
        assertThat(docker.run("inspect", "-f", "{{.RestartCount}} {{.State.Running}}", "web").stdout().trim()).isEqualTo("0 true"); // a manual restart is no policy restart
        var rm = docker.run("rm", "web");
        assertThat(rm.exit()).isEqualTo(1);
        assertThat(rm.stderr()).contains("container is running");
        assertThat(docker.run("rm", "-f", "web").exit()).isZero();
        assertThat(docker.run("ps", "-aq").stdout().trim()).isEmpty();
    }

    @Test
    void runAttached_logsExecAndStdin() throws Exception {
        var run = docker.run("run", "--rm", "busybox", "sh", "-c", "echo hello from berth; echo to-stderr >&2; exit 3");
        assertThat(run.exit()).isEqualTo(3);
        assertThat(run.stdout()).isEqualTo("hello from berth\n");
        assertThat(run.stderr()).contains("to-stderr");
        assertThat(docker.run("ps", "-aq").stdout().trim()).as("--rm removed it").isEmpty();
        var piped = docker.run("piped through\n".getBytes(), "run", "--rm", "-i", "busybox", "cat");
        assertThat(piped.stdout()).isEqualTo("piped through\n");

        assertThat(docker.run("run", "-d", "--name", "logger", "busybox", "sh", "-c", "echo one; echo two; echo oops >&2; sleep 1000").exit()).isZero();
        String logs = "";
        for (int i = 0; i < 100 && !logs.contains("two"); i++) {
            Thread.sleep(50);
            logs = docker.run("logs", "logger").stdout();
        }
        assertThat(logs).isEqualTo("one\ntwo\n");
        var both = docker.run("logs", "logger");
        assertThat(both.stderr()).isEqualTo("oops\n");
        assertThat(docker.run("logs", "--tail", "1", "logger").stdout()).isEmpty(); // the last entry is oops, on stderr
        assertThat(docker.run("logs", "-t", "--tail", "2", "logger").stdout()).matches("\\d{4}-\\d\\d-\\d\\dT[^ ]+Z two\n");
        var exec = docker.run("exec", "logger", "sh", "-c", "echo in exec; echo $HOSTNAME; exit 5");
        assertThat(exec.exit()).isEqualTo(5);
        assertThat(exec.stdout()).startsWith("in exec\n");
        assertThat(docker.run("hi\n".getBytes(), "exec", "-i", "logger", "cat").stdout()).isEqualTo("hi\n");
        assertThat(docker.run("exec", "-d", "logger", "sleep", "1").exit()).isZero();
        var stats = docker.run("stats", "--no-stream", "--format", "{{.Name}} {{.PIDs}}", "logger");
        assertThat(stats.stdout().trim()).startsWith("logger ");
        assertThat(docker.run("rm", "-f", "logger").exit()).isZero();
    }

    @Test
    void errors_reachTheCliAsDockerWordsThem() throws Exception {
        var missing = docker.run("inspect", "nosuch");
        assertThat(missing.exit()).isEqualTo(1);
        assertThat(missing.stderr()).contains("No such object: nosuch");
        docker.run("create", "--name", "dup", "busybox");
        var dup = docker.run("create", "--name", "dup", "busybox");
        assertThat(dup.exit()).isNotZero();
        assertThat(dup.stderr()).contains("Conflict. The container name \"/dup\" is already in use");
        assertThat(docker.run("rm", "dup").exit()).isZero();
        var stopped = docker.run("kill", "nosuch");
        assertThat(stopped.stderr()).contains("No such container: nosuch");
    }

    @Test
    void imagesVolumesAndBuild() throws Exception {
        assertThat(docker.run("images", "--format", "{{.Repository}}:{{.Tag}}").stdout()).contains("busybox:latest");
        assertThat(docker.run("tag", "busybox", "mybox:1").exit()).isZero();
        assertThat(docker.run("image", "inspect", "-f", "{{.Os}} {{index .RepoTags 0}}", "mybox:1").stdout().trim()).startsWith("linux ");
        assertThat(docker.run("rmi", "mybox:1").stdout()).contains("Untagged: mybox:1");
        assertThat(docker.run("volume", "create", "data").stdout().trim()).isEqualTo("data");
        assertThat(docker.run("volume", "ls", "-q").stdout()).contains("data");
        assertThat(docker.run("volume", "inspect", "-f", "{{.Driver}}", "data").stdout().trim()).isEqualTo("local");
        assertThat(docker.run("volume", "rm", "data").exit()).isZero();
        Path ctx = Files.createDirectories(tmp.resolve("ctx"));
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN echo built > /built.txt\nCMD [\"cat\", \"/built.txt\"]\n");
        Path iid = tmp.resolve("iid");
        var build = docker.run("build", "-t", "built:1", "--iidfile", iid.toString(), ctx.toString());
        assertThat(build.exit()).as(build.output()).isZero();
        assertThat(build.output()).contains("Successfully built", "Successfully tagged built:1");
        assertThat(Files.readString(iid)).startsWith("sha256:");
        // an untagged build is a dangling image: listed as <none>, and the CLI's filters reach the daemon
        Files.writeString(ctx.resolve("Dockerfile"), "FROM busybox\nRUN echo untagged > /u.txt\n");
        var untagged = docker.run("build", "-q", ctx.toString());
        assertThat(untagged.exit()).as(untagged.output()).isZero();
        String danglingId = untagged.stdout().trim().substring("sha256:".length(), "sha256:".length() + 12);
        assertThat(docker.run("images", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}").stdout()).contains("<none>:<none> " + danglingId);
        assertThat(docker.run("images", "-q", "--filter", "dangling=true").stdout().trim()).isEqualTo(danglingId);
        assertThat(docker.run("images", "--format", "{{.Repository}}", "--filter", "dangling=false").stdout()).doesNotContain("<none>").contains("busybox");
        assertThat(docker.run("images", "--format", "{{.Repository}}:{{.Tag}}", "built").stdout().trim()).isEqualTo("built:1");
        assertThat(docker.run("images", "-q", "--filter", "since=busybox").stdout()).contains(danglingId).doesNotContain(
                docker.run("images", "-q", "busybox").stdout().trim());
        assertThat(docker.run("images", "-q", "--filter", "before=" + danglingId).stdout()).doesNotContain(danglingId);
        assertThat(docker.run("images", "-q", "--filter", "label=nosuch").stdout()).isBlank();
        assertThat(docker.run("rmi", danglingId).exit()).isZero();
        var failing = Files.createDirectories(tmp.resolve("ctx2"));
        Files.writeString(failing.resolve("Dockerfile"), "FROM busybox\nRUN exit 7\n");
        var bad = docker.run("build", failing.toString());
        assertThat(bad.exit()).isEqualTo(7);
        assertThat(bad.output()).contains("returned a non-zero code: 7");
    }
}
