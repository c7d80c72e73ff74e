package dev.berth.build;

import dev.berth.image.Image;
import dev.berth.image.Images;
import dev.berth.image.Unpacker;
import dev.berth.image.snapshot.Snapshots;
import dev.berth.runtime.BusyboxBundle;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.linux.Libc;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/** Dockerfile builds on the real kernel: RUN in containers, layers in overlay snapshots (root). */
class BuilderTest {
    @TempDir
    static Path tmp;
    static Images images;
    static Snapshots snapshots;
    static Builder builder;

    @BeforeAll
    static void setUp() throws Exception {
        boolean root = Libc.geteuid() == 0;
        if (!root) System.err.println("SKIP: builds run containers and mount overlays, which needs root");
        Assumptions.assumeTrue(root, "needs root");
        images = new Images(tmp.resolve("data/images"));
        snapshots = new Snapshots(tmp.resolve("data"));
        builder = new Builder(images, snapshots, ContainerRuntime.defaults(tmp.resolve("run"), w -> { }), tmp.resolve("data/tmp"));
        // the busybox base image, made as `berth image base busybox` makes it: a rootfs imported as one layer
        Path rootfs = BusyboxBundle.rootfs(tmp.resolve("bb"));
        Process tar = new ProcessBuilder("tar", "--numeric-owner", "-C", rootfs.toString(), "-cf", "-", ".").start();
        var d = images.importTarball(tar.getInputStream(), new dev.berth.oci.image.ImageConfig.Run(null, List.of("PATH=/bin"), null, List.of("sh"),
                null, List.of(), List.of(), Map.of(), null, null, List.of(), null, false), "busybox");
        images.names().put(dev.berth.oci.image.ImageReference.parse("busybox"), d);
    }

    @AfterAll
    static void noLeftovers() throws IOException {
        if (snapshots == null) return;
        assertThat(Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(l -> l.contains(tmp.toString())).toList())
                .as("mounts left by builds").isEmpty();
        assertThat(snapshots.activeSnapshots()).as("writable snapshots left by builds").isEmpty();
    }

    record Built(Builder.Result result, String output) {}

    private static Built build(Path context, String... tags) throws IOException {
        return build(context, Map.of(), null, false, tags);
    }

    private static Built build(Path context, Map<String, String> args, String target, boolean noCache, String... tags) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Builder.Result r = builder.build(new Builder.Request(context, "Dockerfile", args, target, List.of(tags), noCache, false),
                new PrintStream(out, true));
        return new Built(r, out.toString());
    }

    private static Path context(String name, String dockerfile, Map<String, String> files) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve(name));
        Files.writeString(dir.resolve("Dockerfile"), dockerfile);
        for (var f : files.entrySet()) {
            Path p = dir.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.writeString(p, f.getValue());
        }
        return dir;
    }

    /** A file of the built image, read through a read-only view of its layers. */
    private static String file(String image, String path) throws IOException {
        Image img = images.get(image);
        var chain = Unpacker.unpack(images, snapshots, img);
        Path view = Files.createTempDirectory(tmp, "view");
        Snapshots.mount(snapshots.view(chain), view);
        try {
            Path f = view.resolve(path.substring(1));
            return Files.exists(f) ? Files.readString(f) : null;
        } finally {
            Snapshots.unmount(view);
            Files.delete(view);
        }
    }

    @Test
    void build_appliesEveryInstruction_andACachedRebuildGivesTheSameId() throws IOException {
        Path ctx = context("app", String.join("\n",
                "FROM busybox",
                "ARG GREETING=hi",
                "ENV APP=/app",
                "WORKDIR /app",
                "COPY hello.txt .",
                "COPY dir/ /data/",
                "RUN echo \"$GREETING from RUN in $(pwd) as $(id -u)\" > run.txt && cat hello.txt",
                "USER nobody",
                "EXPOSE 8080/tcp",
                "LABEL org.example.name=\"demo app\"",
                "ENTRYPOINT [\"cat\"]",
                "CMD [\"/app/run.txt\"]", ""), Map.of("hello.txt", "hello from the context\n", "dir/a.txt", "a", "dir/sub/b.txt", "b"));
        Built first = build(ctx, Map.of("GREETING", "hello"), null, false, "app:1");
        assertThat(first.output()).contains("Step 1/12 : FROM busybox", "Step 7/12 : RUN echo", " ---> Running in ",
                "hello from the context", "Successfully built " + first.result().id().shortHex(), "Successfully tagged app:1");
        Image img = images.get("app:1");
        var run = img.config().config();
        assertThat(run.env()).contains("APP=/app");
        assertThat(run.workingDir()).isEqualTo("/app");
        assertThat(run.user()).isEqualTo("nobody");
        assertThat(run.exposedPorts()).containsExactly("8080/tcp");
        assertThat(run.labels()).containsEntry("org.example.name", "demo app");
        assertThat(run.entrypoint()).containsExactly("cat");
        assertThat(run.cmd()).containsExactly("/app/run.txt");
        assertThat(file("app:1", "/app/run.txt")).isEqualTo("hello from RUN in /app as 0\n");
        assertThat(file("app:1", "/app/hello.txt")).isEqualTo("hello from the context\n");
        assertThat(file("app:1", "/data/sub/b.txt")).isEqualTo("b");
        assertThat(img.manifest().layers()).as("busybox + WORKDIR + 2 COPY + RUN").hasSize(5);

        Built again = build(ctx, Map.of("GREETING", "hello"), null, false, "app:1");
        assertThat(again.output()).contains(" ---> Using cache");
        assertThat(again.output()).doesNotContain("Running in");
        assertThat(again.result().id()).isEqualTo(first.result().id());

        Built changedArg = build(ctx, Map.of("GREETING", "howdy"), null, false, "app:2");
        assertThat(changedArg.output()).as("a different build arg re-runs RUN").contains("Running in");
        assertThat(file("app:2", "/app/run.txt")).startsWith("howdy");

        Files.writeString(ctx.resolve("hello.txt"), "changed\n");
        Built changedFile = build(ctx, Map.of("GREETING", "hello"), null, false, "app:3");
        assertThat(changedFile.result().id()).isNotEqualTo(first.result().id());
        assertThat(file("app:3", "/app/hello.txt")).isEqualTo("changed\n");
    }

    @Test
    void multiStage_copiesFromAnEarlierStage_andTargetStopsEarly() throws IOException {
        Path ctx = context("multi", String.join("\n",
                "ARG BASE=busybox",
                "FROM ${BASE} AS build",
                "RUN mkdir -p /out && echo compiled > /out/artifact",
                "FROM busybox AS test",
                "RUN false",
                "FROM busybox",
                "COPY --from=build /out/artifact /usr/local/bin/artifact",
                ""), Map.of());
        Built b = build(ctx, Map.of(), "build", false, "multi:build");
        assertThat(file("multi:build", "/out/artifact")).isEqualTo("compiled\n");
        Throwable t = catchThrowable(() -> build(ctx, "multi:all"));
        assertThat(t).isInstanceOf(BuildException.class).hasMessageStartingWith("The command '/bin/sh -c false' returned a non-zero code: 1");
        Path ctx2 = context("multi2", String.join("\n",
                "FROM busybox AS build",
                "RUN mkdir -p /out && echo compiled > /out/artifact",
                "FROM busybox",
                "COPY --from=build /out/artifact /usr/local/bin/artifact",
                ""), Map.of());
        build(ctx2, "multi:final");
        assertThat(file("multi:final", "/usr/local/bin/artifact")).isEqualTo("compiled\n");
        assertThat(file("multi:final", "/out/artifact")).as("only what was copied").isNull();
    }

    @Test
    void failingRun_showsTheExitCodeAndTheLastLines() throws IOException {
        Path ctx = context("fail", "FROM busybox\nRUN echo first line; echo the reason >&2; exit 3\n", Map.of());
        Throwable t = catchThrowable(() -> build(ctx, "fail:1"));
        assertThat(t).hasMessageContaining("returned a non-zero code: 3").hasMessageContaining("the reason");
        assertThat(catchThrowable(() -> images.get("fail:1"))).hasMessage("No such image: fail:1");
    }

    @Test
    void badInput_namesTheFileOrLine() throws IOException {
        Path ctx = context("bad", "FROM busybox\nRUNN echo\n", Map.of());
        assertThat(catchThrowable(() -> build(ctx, "bad:1"))).hasMessage("Dockerfile:2: unknown instruction: RUNN");
        Path ctx2 = context("missing", "FROM busybox\nCOPY nope.txt /\n", Map.of(".dockerignore", "secret.txt\n", "secret.txt", "s"));
        assertThat(catchThrowable(() -> build(ctx2, "missing:1"))).hasMessageContaining("COPY failed: file not found in build context")
                .hasMessageContaining("nope.txt");
        Path ctx3 = context("ignored", "FROM busybox\nCOPY secret.txt /\n", Map.of(".dockerignore", "secret.txt\n", "secret.txt", "s"));
        assertThat(catchThrowable(() -> build(ctx3, "ignored:1"))).hasMessageContaining("excluded by .dockerignore");
        Path ctx4 = context("nobase", "FROM no-such-base\n", Map.of());
        assertThat(catchThrowable(() -> build(ctx4, "x"))).hasMessageContaining("no-such-base");
    }

    @Test
    void heredocs_runAsScriptsAndCopyAsFiles() throws IOException {
        Path ctx = context("heredoc", String.join("\n",
                "FROM busybox",
                "ARG WHO=heredoc",
                "RUN <<EOF",
                "echo first > /one.txt",
                "echo second >> /one.txt",
                "EOF",
                "RUN cat <<'EOT' > /quoted.txt",
                "kept $WHO",
                "EOT",
                "COPY <<greeting.txt /etc/",
                "hello $WHO",
                "greeting.txt",
                ""), Map.of());
        build(ctx, "heredoc:1");
        assertThat(file("heredoc:1", "/one.txt")).isEqualTo("first\nsecond\n");
        assertThat(file("heredoc:1", "/quoted.txt")).isEqualTo("kept $WHO\n");
        assertThat(file("heredoc:1", "/etc/greeting.txt")).isEqualTo("hello heredoc\n");
    }

    @Test
    void onbuildTriggers_runInTheChildBuildOnly() throws IOException {
        Path parent = context("onbuild-parent", "FROM busybox\nONBUILD RUN echo triggered > /trigger.txt\n", Map.of());
        build(parent, "onbuild:parent");
        assertThat(images.get("onbuild:parent").config().config().onBuild()).containsExactly("RUN echo triggered > /trigger.txt");
        Path child = context("onbuild-child", "FROM onbuild:parent\nRUN cat /trigger.txt\n", Map.of());
        Built b = build(child, "onbuild:child");
        assertThat(b.output()).contains("# Executing 1 build trigger", "triggered");
        assertThat(images.get("onbuild:child").config().config().onBuild()).isEmpty();
    }

    @Test
    void aBuildKilledMidStep_isCleanedUpByTheNextBuild() throws Exception {
        var m = snapshots.prepare("build-deadbeef0001", null);
        Path dir = snapshots.active("build-deadbeef0001").orElseThrow().dir();
        Files.writeString(dir.resolve("owner"), "999999999"); // no such process
        Snapshots.mount(m, snapshots.mergedDir("build-deadbeef0001"));
        build(context("after-crash", "FROM busybox\nRUN true\n", Map.of()), "after:1");
        assertThat(snapshots.active("build-deadbeef0001")).isEmpty();
    }

    @Test
    void addFromAUrl_fetchesTheFile() throws Exception {
        var server = com.sun.net.httpserver.HttpServer.create(new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/files/config.txt", x -> {
            byte[] body = "served over http\n".getBytes();
            x.getResponseHeaders().add("Last-Modified", "Wed, 21 Oct 2015 07:28:00 GMT");
            x.sendResponseHeaders(200, body.length);
            x.getResponseBody().write(body);
            x.close();
        });
        server.start();
        try {
            String url = "http://127.0.0.1:" + server.getAddress().getPort() + "/files/config.txt";
            Path ctx = context("addurl", "FROM busybox\nADD " + url + " /etc/\nRUN stat -c '%a %Y' /etc/config.txt > /stat.txt\n", Map.of());
            build(ctx, "addurl:1");
            assertThat(file("addurl:1", "/etc/config.txt")).isEqualTo("served over http\n");
            assertThat(file("addurl:1", "/stat.txt")).isEqualTo("600 1445412480\n");
            Path bad = context("addurl404", "FROM busybox\nADD http://127.0.0.1:" + server.getAddress().getPort() + "/nope /x\n", Map.of());
            assertThat(catchThrowable(() -> build(bad, "addurl:2"))).hasMessageContaining("HTTP 404");
        } finally {
            server.stop(0);
        }
    }

    @Test
    void addExtractsLocalTarballs_andChownApplies() throws Exception {
        Path ctx = context("add", "FROM busybox\nADD files.tar.gz /opt/\nCOPY --chown=nobody:nogroup --chmod=640 owned.txt /owned.txt\n"
                + "RUN ls -ln /owned.txt | awk '{print $1, $3, $4}' > /perm.txt\n", Map.of("owned.txt", "mine"));
        Path src = Files.createDirectories(tmp.resolve("tarsrc/inner"));
        Files.writeString(src.resolve("x.txt"), "from the tarball");
        Process p = new ProcessBuilder("tar", "-czf", ctx.resolve("files.tar.gz").toString(), "-C", tmp.resolve("tarsrc").toString(), "inner").start();
        assertThat(p.waitFor()).isZero();
        build(ctx, "add:1");
        assertThat(file("add:1", "/opt/inner/x.txt")).isEqualTo("from the tarball");
        assertThat(file("add:1", "/perm.txt")).isEqualTo("-rw-r----- 65534 65534\n");
    }
}
