package dev.berth.build.dockerfile;

import dev.berth.build.dockerfile.CommandLine.ExecForm;
import dev.berth.build.dockerfile.CommandLine.ShellForm;
import dev.berth.build.dockerfile.Instruction.*;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Whole files and every instruction, with the exact syntax tree expected. */
class DockerfileParseTest {

    private static Dockerfile parse(String text) {
        return Dockerfile.parse(text, "Dockerfile");
    }

    /** The only instruction of the only stage, after a FROM on line 1. */
    private static Instruction only(String instruction) {
        Stage stage = parse("FROM scratch\n" + instruction + "\n").stages().getFirst();
        assertThat(stage.instructions()).hasSize(1);
        return stage.instructions().getFirst();
    }

    @Test
    void explainersNginxDockerfile() {
        String text = """
                FROM ubuntu:20.04

                RUN apt-get update && \\
                    apt-get install -y nginx && \\
                    apt-get clean && \\
                    rm -rf /var/lib/apt/lists/*

                EXPOSE 80

                CMD ["nginx", "-g", "daemon off;"]
                """;
        Dockerfile df = parse(text);

        assertThat(df.fileName()).isEqualTo("Dockerfile");
        assertThat(df.escape()).isEqualTo('\\');
        assertThat(df.directives()).isEmpty();
        assertThat(df.globalArgs()).isEmpty();
        assertThat(df.stages()).hasSize(1);
        Stage stage = df.stages().getFirst();
        assertThat(stage.from()).isEqualTo(new From(1, "FROM ubuntu:20.04", "ubuntu:20.04", null, null));
        assertThat(stage.name()).isNull();
        assertThat(stage.baseImage()).isEqualTo("ubuntu:20.04");
        String script = "apt-get update &&     apt-get install -y nginx &&     apt-get clean &&"
                + "     rm -rf /var/lib/apt/lists/*";
        assertThat(stage.instructions()).containsExactly(
                new Run(3, "RUN " + script, new ShellForm(script), List.of(), List.of(), null, null),
                new Expose(8, "EXPOSE 80", List.of("80")),
                new Cmd(10, "CMD [\"nginx\", \"-g\", \"daemon off;\"]",
                        new ExecForm(List.of("nginx", "-g", "daemon off;"))));
        Cmd cmd = (Cmd) stage.instructions().get(2);
        assertThat(cmd.command().argv(List.of("/bin/sh", "-c"))).containsExactly("nginx", "-g", "daemon off;");
        Run run = (Run) stage.instructions().getFirst();
        assertThat(run.command().argv(List.of("/bin/sh", "-c"))).containsExactly("/bin/sh", "-c", script);
    }

    @Test
    void multiStageWithGlobalArgs() {
        String text = """
                # syntax=docker/dockerfile:1
                ARG GO_VERSION=1.22
                ARG BASE
                FROM golang:${GO_VERSION} AS build
                WORKDIR /src
                COPY go.mod go.sum ./
                RUN go build -o /out/app .

                FROM --platform=linux/amd64 alpine:3.20 AS Runtime
                COPY --from=build --chown=app:app --chmod=755 --link /out/app /usr/local/bin/app
                ENTRYPOINT ["/usr/local/bin/app"]
                """;
        Dockerfile df = parse(text);

        assertThat(df.syntax()).isEqualTo("docker/dockerfile:1");
        assertThat(df.globalArgs()).containsExactly(
                new Arg(2, "ARG GO_VERSION=1.22", List.of(new KeyValue("GO_VERSION", "1.22"))),
                new Arg(3, "ARG BASE", List.of(new KeyValue("BASE", null))));
        assertThat(df.stages()).hasSize(2);

        Stage build = df.stages().get(0);
        assertThat(build.from()).isEqualTo(
                new From(4, "FROM golang:${GO_VERSION} AS build", "golang:${GO_VERSION}", "build", null));
        assertThat(build.instructions()).containsExactly(
                new Workdir(5, "WORKDIR /src", "/src"),
                new Copy(6, "COPY go.mod go.sum ./", List.of("go.mod", "go.sum"), List.of(), "./", null, null, null,
                        false),
                new Run(7, "RUN go build -o /out/app .", new ShellForm("go build -o /out/app ."), List.of(), List.of(),
                        null, null));
        assertThat(df.expand(build.from(), Map.of("GO_VERSION", "1.22")).image()).isEqualTo("golang:1.22");

        Stage runtime = df.stages().get(1);
        assertThat(runtime.name()).isEqualTo("runtime");
        assertThat(runtime.platform()).isEqualTo("linux/amd64");
        assertThat(runtime.line()).isEqualTo(9);
        assertThat(runtime.instructions()).containsExactly(
                new Copy(10, "COPY --from=build --chown=app:app --chmod=755 --link /out/app /usr/local/bin/app",
                        List.of("/out/app"), List.of(), "/usr/local/bin/app", "build", "app:app", "755", true),
                new Entrypoint(11, "ENTRYPOINT [\"/usr/local/bin/app\"]", new ExecForm(List.of("/usr/local/bin/app"))));
        assertThat(df.stage("RUNTIME")).isSameAs(runtime);
        assertThat(df.stage("build")).isSameAs(build);
        assertThat(df.stage("missing")).isNull();
    }

    @Test
    void fromForms() {
        assertThat(parse("FROM scratch").stages().getFirst().from())
                .isEqualTo(new From(1, "FROM scratch", "scratch", null, null));
        assertThat(parse("from alpine as Base-1.x_y").stages().getFirst().from())
                .isEqualTo(new From(1, "from alpine as Base-1.x_y", "alpine", "base-1.x_y", null));
        assertThat(parse("FROM --platform=$BUILDPLATFORM golang AS b").stages().getFirst().from())
                .isEqualTo(new From(1, "FROM --platform=$BUILDPLATFORM golang AS b", "golang", "b", "$BUILDPLATFORM"));
    }

    @Test
    void runForms() {
        assertThat(only("RUN echo hello")).isEqualTo(
                new Run(2, "RUN echo hello", new ShellForm("echo hello"), List.of(), List.of(), null, null));
        assertThat(only("RUN [\"echo\", \"hello world\"]")).isEqualTo(new Run(2, "RUN [\"echo\", \"hello world\"]",
                new ExecForm(List.of("echo", "hello world")), List.of(), List.of(), null, null));
        String flagged = "RUN --mount=type=cache,target=/root/.cache --mount=type=secret,id=tok --network=none"
                + " --security=insecure go build";
        assertThat(only(flagged)).isEqualTo(new Run(2, flagged, new ShellForm("go build"), List.of(),
                List.of("type=cache,target=/root/.cache", "type=secret,id=tok"), "none", "insecure"));
        assertThat(only("RUN --mount=\"type=bind,source=a b\" ls")).isEqualTo(new Run(2,
                "RUN --mount=\"type=bind,source=a b\" ls", new ShellForm("ls"), List.of(),
                List.of("type=bind,source=a b"), null, null));
        assertThat(only("RUN -- --version")).isEqualTo(new Run(2, "RUN -- --version", new ShellForm("--version"),
                List.of(), List.of(), null, null));
    }

    @Test
    void cmdAndEntrypointForms() {
        assertThat(only("CMD echo $HOME")).isEqualTo(new Cmd(2, "CMD echo $HOME", new ShellForm("echo $HOME")));
        assertThat(only("CMD []")).isEqualTo(new Cmd(2, "CMD []", new ExecForm(List.of())));
        assertThat(only("CMD")).isEqualTo(new Cmd(2, "CMD", new ShellForm("")));
        assertThat(only("ENTRYPOINT [\"/bin/app\", \"--serve\"]")).isEqualTo(new Entrypoint(2,
                "ENTRYPOINT [\"/bin/app\", \"--serve\"]", new ExecForm(List.of("/bin/app", "--serve"))));
        assertThat(only("ENTRYPOINT exec /bin/app")).isEqualTo(
                new Entrypoint(2, "ENTRYPOINT exec /bin/app", new ShellForm("exec /bin/app")));
    }

    @Test
    void copyAndAdd() {
        assertThat(only("COPY [\"my file.txt\", \"other\", \"/dst/\"]")).isEqualTo(new Copy(2,
                "COPY [\"my file.txt\", \"other\", \"/dst/\"]", List.of("my file.txt", "other"), List.of(), "/dst/",
                null, null, null, false));
        assertThat(only("COPY --link=false a b")).isEqualTo(
                new Copy(2, "COPY --link=false a b", List.of("a"), List.of(), "b", null, null, null, false));
        String add = "ADD --checksum=sha256:24454f83 --keep-git-dir --chown=1000:1000 --chmod=644 --link"
                + " https://example.com/a.tar.gz git@github.com:x/y.git /opt/";
        assertThat(only(add)).isEqualTo(new Add(2, add, List.of("https://example.com/a.tar.gz", "git@github.com:x/y.git"),
                List.of(), "/opt/", "1000:1000", "644", true, "sha256:24454f83", true));
        assertThat(only("ADD src/ /app")).isEqualTo(
                new Add(2, "ADD src/ /app", List.of("src/"), List.of(), "/app", null, null, false, null, false));
    }

    @Test
    void envBothForms() {
        assertThat(only("ENV PATH /usr/local/bin:$PATH")).isEqualTo(
                new Env(2, "ENV PATH /usr/local/bin:$PATH", List.of(new KeyValue("PATH", "/usr/local/bin:$PATH"))));
        assertThat(only("ENV MSG hello   \"big\"  world")).isEqualTo(new Env(2, "ENV MSG hello   \"big\"  world",
                List.of(new KeyValue("MSG", "hello   \"big\"  world"))));
        String modern = "ENV k=v k2=\"v 2\" k3='$lit' k4=a\\ b k5= k6=\"\"";
        assertThat(only(modern)).isEqualTo(new Env(2, modern, List.of(new KeyValue("k", "v"),
                new KeyValue("k2", "\"v 2\""), new KeyValue("k3", "'$lit'"), new KeyValue("k4", "a\\ b"),
                new KeyValue("k5", ""), new KeyValue("k6", "\"\""))));
    }

    @Test
    void argsLabelsAndSingleWordInstructions() {
        assertThat(only("ARG A B=2 C=\"x y\" D=")).isEqualTo(new Arg(2, "ARG A B=2 C=\"x y\" D=", List.of(
                new KeyValue("A", null), new KeyValue("B", "2"), new KeyValue("C", "\"x y\""), new KeyValue("D", ""))));
        String label = "LABEL org.opencontainers.image.title=\"My app\" version=1.0 \"with space\"=v";
        assertThat(only(label)).isEqualTo(new Label(2, label, List.of(
                new KeyValue("org.opencontainers.image.title", "\"My app\""), new KeyValue("version", "1.0"),
                new KeyValue("\"with space\"", "v"))));
        assertThat(only("LABEL description This is my image")).isEqualTo(new Label(2,
                "LABEL description This is my image", List.of(new KeyValue("description", "This is my image"))));
        assertThat(only("WORKDIR /my dir")).isEqualTo(new Workdir(2, "WORKDIR /my dir", "/my dir"));
        assertThat(only("USER app:app")).isEqualTo(new User(2, "USER app:app", "app:app"));
        assertThat(only("STOPSIGNAL SIGQUIT")).isEqualTo(new StopSignal(2, "STOPSIGNAL SIGQUIT", "SIGQUIT"));
        assertThat(only("MAINTAINER Jane Doe <jane@example.com>")).isEqualTo(new Maintainer(2,
                "MAINTAINER Jane Doe <jane@example.com>", "Jane Doe <jane@example.com>"));
    }

    @Test
    void exposeVolumeShell() {
        Expose expose = (Expose) only("EXPOSE 80 443/tcp 53/UDP 8000-8010");
        assertThat(expose).isEqualTo(new Expose(2, "EXPOSE 80 443/tcp 53/UDP 8000-8010",
                List.of("80", "443/tcp", "53/UDP", "8000-8010")));
        assertThat(expose.exposedPorts()).containsExactly(new ExposedPort("80", "tcp"), new ExposedPort("443", "tcp"),
                new ExposedPort("53", "udp"), new ExposedPort("8000-8010", "tcp"));
        for (String bad : List.of("http", "80/icmp", "70000", "90-80", "-1")) {
            org.assertj.core.api.Assertions.assertThatThrownBy(() -> ExposedPort.parse(bad)).as(bad)
                    .isInstanceOf(IllegalArgumentException.class).hasMessageContaining(bad);
        }
        assertThat(only("VOLUME [\"/data\", \"/var/log\"]")).isEqualTo(
                new Volume(2, "VOLUME [\"/data\", \"/var/log\"]", List.of("/data", "/var/log")));
        assertThat(only("VOLUME /data /var/log")).isEqualTo(
                new Volume(2, "VOLUME /data /var/log", List.of("/data", "/var/log")));
        assertThat(only("SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]")).isEqualTo(new Shell(2,
                "SHELL [\"/bin/bash\", \"-o\", \"pipefail\", \"-c\"]", List.of("/bin/bash", "-o", "pipefail", "-c")));
    }

    @Test
    void healthcheck() {
        String shell = "HEALTHCHECK --interval=30s --timeout=5s --start-period=1m30s --start-interval=500ms"
                + " --retries=3 CMD curl -f http://localhost/ || exit 1";
        Healthcheck h = (Healthcheck) only(shell);
        assertThat(h).isEqualTo(new Healthcheck(2, shell, new ShellForm("curl -f http://localhost/ || exit 1"),
                30_000_000_000L, 5_000_000_000L, 90_000_000_000L, 500_000_000L, 3));
        assertThat(h.disabled()).isFalse();
        assertThat(h.test()).containsExactly("CMD-SHELL", "curl -f http://localhost/ || exit 1");

        Healthcheck exec = (Healthcheck) only("HEALTHCHECK cmd [\"/bin/check\", \"-q\"]");
        assertThat(exec).isEqualTo(new Healthcheck(2, "HEALTHCHECK cmd [\"/bin/check\", \"-q\"]",
                new ExecForm(List.of("/bin/check", "-q")), 0, 0, 0, 0, 0));
        assertThat(exec.test()).containsExactly("CMD", "/bin/check", "-q");

        Healthcheck none = (Healthcheck) only("HEALTHCHECK NONE");
        assertThat(none).isEqualTo(new Healthcheck(2, "HEALTHCHECK NONE", null, 0, 0, 0, 0, 0));
        assertThat(none.disabled()).isTrue();
        assertThat(none.test()).containsExactly("NONE");

        assertThat(((Healthcheck) only("HEALTHCHECK --interval=1.5h --timeout=0 CMD true")).intervalNanos())
                .isEqualTo(5_400_000_000_000L);
    }

    @Test
    void onbuildParsesItsTrigger() {
        assertThat(only("ONBUILD COPY . /app/src")).isEqualTo(new OnBuild(2, "ONBUILD COPY . /app/src",
                new Copy(2, "COPY . /app/src", List.of("."), List.of(), "/app/src", null, null, null, false),
                "COPY . /app/src"));
        assertThat(only("onbuild run --mount=type=cache,target=/c make")).isEqualTo(new OnBuild(2,
                "onbuild run --mount=type=cache,target=/c make",
                new Run(2, "run --mount=type=cache,target=/c make", new ShellForm("make"), List.of(),
                        List.of("type=cache,target=/c"), null, null),
                "run --mount=type=cache,target=/c make"));
    }

    @Test
    void keywordsAreCaseInsensitiveAndKeywordIsUpperCase() {
        Stage stage = parse("from alpine\nrUn echo hi\nCopy a b\n").stages().getFirst();
        assertThat(stage.from().text()).isEqualTo("from alpine");
        assertThat(stage.instructions()).extracting(Instruction::keyword).containsExactly("RUN", "COPY");
        assertThat(stage.instructions().getFirst().text()).isEqualTo("rUn echo hi");
    }

    @Test
    void argBeforeFromAndInsideStages() {
        Dockerfile df = parse("ARG V=1\nFROM a:$V\nARG V\nRUN echo $V\n");
        assertThat(df.globalArgs()).containsExactly(new Arg(1, "ARG V=1", List.of(new KeyValue("V", "1"))));
        assertThat(df.stages().getFirst().instructions().getFirst())
                .isEqualTo(new Arg(3, "ARG V", List.of(new KeyValue("V", null))));
    }
}
