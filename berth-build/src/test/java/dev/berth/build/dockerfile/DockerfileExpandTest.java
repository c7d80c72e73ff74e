package dev.berth.build.dockerfile;

import dev.berth.build.dockerfile.CommandLine.ExecForm;
import dev.berth.build.dockerfile.CommandLine.ShellForm;
import dev.berth.build.dockerfile.Instruction.*;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Which words {@link Dockerfile#expand} substitutes, per instruction. */
class DockerfileExpandTest {
    private static final Map<String, String> ENV = Map.of("V", "1.2", "DIR", "/srv/app", "USER", "app",
            "PORTS", "80 443/udp", "EMPTY", "", "SIG", "SIGINT", "STAGE", "build");

    private static Instruction expanded(String instruction) {
        Dockerfile df = Dockerfile.parse("FROM scratch\n" + instruction + "\n", "Dockerfile");
        return df.expand(df.stages().getFirst().instructions().getFirst(), ENV);
    }

    @Test
    void fromImageAndPlatform() {
        Dockerfile df = Dockerfile.parse("ARG TAG=3.20\nFROM --platform=$P alpine:${TAG:-latest} AS Base\n", "Dockerfile");
        From from = df.expand(df.stages().getFirst().from(), Map.of("TAG", "3.19", "P", "linux/arm64"));
        assertThat(from).isEqualTo(new From(2, "FROM --platform=$P alpine:${TAG:-latest} AS Base", "alpine:3.19", "base",
                "linux/arm64"));
        assertThat(df.expand(df.stages().getFirst().from(), Map.of()).image()).isEqualTo("alpine:latest");
    }

    @Test
    void envAndLabelQuotesAreRemovedAndSingleQuotesPreventExpansion() {
        assertThat(expanded("ENV A=$V B=\"v $V\" C='$V' D=a\\ b E=\\$V F=${EMPTY:-def} G=${EMPTY-def}"))
                .isEqualTo(new Env(2, "ENV A=$V B=\"v $V\" C='$V' D=a\\ b E=\\$V F=${EMPTY:-def} G=${EMPTY-def}", List.of(
                        new KeyValue("A", "1.2"), new KeyValue("B", "v 1.2"), new KeyValue("C", "$V"),
                        new KeyValue("D", "a b"), new KeyValue("E", "$V"), new KeyValue("F", "def"),
                        new KeyValue("G", ""))));
        assertThat(((Env) expanded("ENV PATH $DIR/bin:\"$V\"  x")).variables())
                .containsExactly(new KeyValue("PATH", "/srv/app/bin:1.2  x"));
        assertThat(((Label) expanded("LABEL \"com.example.$USER\"=\"a b\" v=${V:+set}")).labels())
                .containsExactly(new KeyValue("com.example.app", "a b"), new KeyValue("v", "set"));
    }

    @Test
    void argDefaultsExpandNamesDoNot() {
        assertThat(((Arg) expanded("ARG A=${V}-rc B $C=x")).args())
                .containsExactly(new KeyValue("A", "1.2-rc"), new KeyValue("B", null), new KeyValue("$C", "x"));
    }

    @Test
    void copyAndAddWordsAndFlags() {
        assertThat(expanded("COPY --from=$STAGE --chown=$USER:$USER --chmod=${M:-644} $DIR/a 'b' ${DIR}/"))
                .isEqualTo(new Copy(2, "COPY --from=$STAGE --chown=$USER:$USER --chmod=${M:-644} $DIR/a 'b' ${DIR}/",
                        List.of("/srv/app/a", "b"), List.of(), "/srv/app/", "build", "app:app", "644", false));
        Add add = (Add) expanded("ADD --checksum=sha256:$V https://example.com/v$V.tgz /opt/");
        assertThat(add.sources()).containsExactly("https://example.com/v1.2.tgz");
        assertThat(add.checksum()).isEqualTo("sha256:1.2");
        assertThat(((Copy) expanded("COPY [\"$DIR/x y\", \"/d\"]")).sources()).containsExactly("/srv/app/x y");
    }

    @Test
    void heredocBodiesExpandUnlessTheDelimiterIsQuoted() {
        Dockerfile df = Dockerfile.parse("FROM a\nCOPY <<A <<\"B\" /d/\nv=$V \"$V\" '$V' \\$V\nA\nv=$V\nB\n", "Dockerfile");
        Copy copy = df.expand((Copy) df.stages().getFirst().instructions().getFirst(), ENV);
        assertThat(copy.heredocs()).containsExactly(Heredoc.of("A", "v=1.2 \"1.2\" '1.2' $V\n"),
                new Heredoc("B", "v=$V\n", false, false, 0));
    }

    @Test
    void exposeVolumeUserWorkdirStopsignal() {
        Expose expose = (Expose) expanded("EXPOSE $PORTS 8080");
        assertThat(expose.ports()).containsExactly("80", "443/udp", "8080");
        assertThat(expose.exposedPorts()).extracting(ExposedPort::toString).containsExactly("80/tcp", "443/udp", "8080/tcp");
        assertThat(((Volume) expanded("VOLUME [\"$DIR/data\", \"/logs\"]")).paths()).containsExactly("/srv/app/data", "/logs");
        assertThat(((User) expanded("USER ${USER}:${GROUP:-staff}")).user()).isEqualTo("app:staff");
        assertThat(((Workdir) expanded("WORKDIR $DIR/'$lit'")).path()).isEqualTo("/srv/app/$lit");
        assertThat(((StopSignal) expanded("STOPSIGNAL $SIG")).signal()).isEqualTo("SIGINT");
    }

    @Test
    void runExpandsOnlyItsFlags() {
        assertThat(expanded("RUN --mount=type=cache,target=$DIR/.cache --network=$N echo $V"))
                .isEqualTo(new Run(2, "RUN --mount=type=cache,target=$DIR/.cache --network=$N echo $V",
                        new ShellForm("echo $V"), List.of(), List.of("type=cache,target=/srv/app/.cache"), "", null));
    }

    @Test
    void commandsAreNotExpanded() {
        for (String unchanged : List.of("CMD echo $V", "ENTRYPOINT [\"$V\"]", "SHELL [\"$V\"]", "HEALTHCHECK CMD $V",
                "MAINTAINER $V", "ONBUILD COPY $V /d")) {
            Dockerfile df = Dockerfile.parse("FROM a\n" + unchanged + "\n", "Dockerfile");
            Instruction ins = df.stages().getFirst().instructions().getFirst();
            assertThat(df.expand(ins, ENV)).as(unchanged).isSameAs(ins);
        }
        assertThat(((Entrypoint) expanded("ENTRYPOINT [\"$V\"]")).command()).isEqualTo(new ExecForm(List.of("$V")));
    }
}
