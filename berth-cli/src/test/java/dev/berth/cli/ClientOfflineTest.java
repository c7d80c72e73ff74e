package dev.berth.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The daemon client's parts that need no daemon: the not-running message, --format templates, run's flags. */
class ClientOfflineTest {
    private static String[] berth(List<String> argv) {
        ByteArrayOutputStream out = new ByteArrayOutputStream(), err = new ByteArrayOutputStream();
        int status = Main.run(argv, new PrintStream(out, true, StandardCharsets.UTF_8), new PrintStream(err, true, StandardCharsets.UTF_8));
        return new String[]{Integer.toString(status), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8)};
    }

    @Test
    void daemonNotRunning_missingSocket_oneSentenceExit1(@TempDir Path tmp) {
        Path missing = tmp.resolve("nobody.sock");
        assertThat(berth(List.of("-H", "unix://" + missing, "run", "--rm", "busybox", "true"))).containsExactly("1", "",
                "berth: the daemon is not running at " + missing + "; start it with `sudo berth daemon -H unix://" + missing + "` (or `systemctl start berth`)\n");
        assertThat(berth(List.of("--host=unix://" + missing, "ps"))[2]).startsWith("berth: the daemon is not running at " + missing + ";");
    }

    @Test
    void daemonNotRunning_refused_sameSentence(@TempDir Path tmp) throws Exception {
        Path sock = tmp.resolve("stale.sock");
        try (ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            s.bind(UnixDomainSocketAddress.of(sock)); // closed without unlinking: connect is refused
        }
        assertThat(sock).exists();
        assertThat(berth(List.of("-H", "unix://" + sock, "logs", "x"))).containsExactly("1", "",
                "berth: the daemon is not running at " + sock + "; start it with `sudo berth daemon -H unix://" + sock + "` (or `systemctl start berth`)\n");
    }

    @Test
    void defaultSocket_namedInTheMessage() {
        DockerClient.NotRunning e = new DockerClient.NotRunning(Path.of(DockerClient.DEFAULT_SOCKET));
        assertThat(e.getMessage()).isEqualTo("the daemon is not running at /run/berth/berth.sock; start it with `sudo berth daemon` (or `systemctl start berth`)");
    }

    @Test
    void bashCompletion_offersExactlyMainsCommands(@TempDir Path tmp) throws Exception {
        String script = java.nio.file.Files.readString(Path.of("../contrib/completion/berth.bash"));
        var m = java.util.regex.Pattern.compile("_berth_commands=\"([^\"]*)\"").matcher(script);
        assertThat(m.find()).isTrue();
        assertThat(List.of(m.group(1).split(" "))).containsExactlyElementsOf(Main.COMMANDS);
        for (String c : Main.COMMANDS) {
            // a flag no command takes: each stops at it, before reaching any daemon or store
            String[] r = berth(List.of("-H", "unix://" + tmp.resolve("none.sock"), "--data-root", tmp.toString(), c, "--bogus-flag-for-test"));
            assertThat(r[2]).as(c).doesNotContain("unknown command");
        }
    }

    @Test
    void requestJson_readsBackTheSame() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("s", "quote\" back\\ nl\n tab\t ctl\u0001 é");
        m.put("n", 42L);
        m.put("i", 7);
        m.put("d", 1.5);
        m.put("b", true);
        m.put("null", null);
        m.put("list", List.of("a", Map.of("k", List.of())));
        String text = new String(DockerClient.json(m), StandardCharsets.UTF_8);
        assertThat(text).startsWith("{\"s\":\"quote\\\" back\\\\ nl\\n tab\\t ctl\\u0001 é\",\"n\":42,\"i\":7,\"d\":1.5,\"b\":true,\"null\":null,");
        assertThat(dev.berth.oci.json.Json.parse(text, "t")).isEqualTo(dev.berth.oci.json.Json.parse(dev.berth.oci.json.Json.write(m), "t"));
    }

    @Test
    void tcpHost_refusedAsUsage() {
        assertThat(berth(List.of("-H", "tcp://127.0.0.1:2375", "ps"))[0]).isEqualTo("2");
    }

    @Test
    void template_fieldsFunctionsAndGoPrinting() {
        Map<String, Object> data = new LinkedHashMap<>();
        data.put("Name", "/web");
        data.put("State", Map.of("Status", "running", "Pid", 42L));
        data.put("Env", List.of("A=1", "B=2"));
        data.put("Labels", new LinkedHashMap<>(Map.of("tier", "front")));
        assertThat(Template.parse("{{.Name}} {{.State.Status}} {{.State.Pid}}").render(data)).isEqualTo("/web running 42");
        assertThat(Template.parse("{{index .Env 1}} {{index .Labels \"tier\"}} {{join .Env \",\"}}").render(data)).isEqualTo("B=2 front A=1,B=2");
        assertThat(Template.parse("{{json .Labels}}|{{.Env}}|{{.Labels}}|{{.Missing}}").render(data)).isEqualTo("{\"tier\":\"front\"}|[A=1 B=2]|map[tier:front]|<no value>");
        assertThat(Template.parse("{{upper .Name}}\\t{{len .Env}}").render(data)).isEqualTo("/WEB\t2");
        assertThat(Template.parse("{{printf \"%s-%d\" .Name .State.Pid}}").render(data)).isEqualTo("/web-42");
        assertThatThrownBy(() -> Template.parse("{{range .Env}}{{.}}{{end}}")).isInstanceOf(Args.UsageException.class).hasMessageContaining("\"range\" not defined");
        assertThatThrownBy(() -> Template.parse("{{.Name")).isInstanceOf(Args.UsageException.class).hasMessageContaining("unclosed");
    }

    @Test
    void template_tableAlignsLikeDockersTabwriter() {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(b, true, StandardCharsets.UTF_8);
        Template.print(out, "table {{.ID}}\\t{{.Names}}\\t{{.Status}}", List.of(Map.of("ID", "abc", "Names", "a-long-name-here", "Status", "Up")),
                ContainerCommand.PS_HEADERS);
        assertThat(b.toString(StandardCharsets.UTF_8)).isEqualTo("CONTAINER ID   NAMES              STATUS\nabc            a-long-name-here   Up\n");
        b.reset();
        Template.print(out, "json", List.of(Map.of("ID", "abc")), Map.of());
        assertThat(b.toString(StandardCharsets.UTF_8)).isEqualTo("{\"ID\":\"abc\"}\n");
    }

    @Test
    void runFlags_docker_shapedCreateBody() {
        RunFlags f = RunFlags.parse(new Args(List.of("-dit", "--rm", "--name", "web", "-e", "A=1", "-p", "127.0.0.1:8080:80", "-p", "9000-9001:90-91/udp",
                "-v", "/h:/c:ro", "-v", "/anon", "--memory", "512m", "--cpus", "1.5", "--pids-limit", "100", "--restart", "on-failure:3",
                "--init", "--read-only", "--cap-add", "NET_ADMIN", "--cap-drop", "ALL", "--tmpfs", "/run:size=64m", "--health-cmd", "true",
                "--health-interval", "1m30s", "--mount", "type=bind,src=/a,dst=/b,readonly", "--network", "mynet", "--network-alias", "w",
                "--entrypoint", "/bin/sh", "-l", "k=v", "busybox", "-c", "echo hi")), true);
        assertThat(f.detach && f.interactive && f.tty && f.rm).isTrue();
        Map<String, Object> b = f.body();
        assertThat(b).containsEntry("Image", "busybox").containsEntry("Cmd", List.of("-c", "echo hi")).containsEntry("Entrypoint", List.of("/bin/sh"))
                .containsEntry("Env", List.of("A=1")).containsEntry("Tty", true).containsEntry("OpenStdin", true).containsEntry("AttachStdout", false)
                .containsEntry("Labels", Map.of("k", "v")).containsEntry("Volumes", Map.of("/anon", Map.of()));
        assertThat(map(b.get("ExposedPorts"))).containsOnlyKeys("80/tcp", "90/udp", "91/udp");
        assertThat(map(b.get("Healthcheck"))).containsEntry("Test", List.of("CMD-SHELL", "true")).containsEntry("Interval", 90_000_000_000L);
        Map<String, Object> h = map(b.get("HostConfig"));
        assertThat(h).containsEntry("Memory", 512L << 20).containsEntry("NanoCpus", 1_500_000_000L).containsEntry("PidsLimit", 100L)
                .containsEntry("RestartPolicy", Map.of("Name", "on-failure", "MaximumRetryCount", 3L)).containsEntry("Init", true)
                .containsEntry("ReadonlyRootfs", true).containsEntry("CapAdd", List.of("NET_ADMIN")).containsEntry("CapDrop", List.of("ALL"))
                .containsEntry("Tmpfs", Map.of("/run", "size=64m")).containsEntry("Binds", List.of("/h:/c:ro")).containsEntry("NetworkMode", "mynet")
                .containsEntry("AutoRemove", true);
        assertThat(((Map<?, ?>) h.get("PortBindings")).get("80/tcp")).isEqualTo(List.of(Map.of("HostIp", "127.0.0.1", "HostPort", "8080")));
        assertThat(((Map<?, ?>) h.get("PortBindings")).get("91/udp")).isEqualTo(List.of(Map.of("HostIp", "", "HostPort", "9001")));
        assertThat(h.get("Mounts")).isEqualTo(List.of(Map.of("Type", "bind", "Source", "/a", "Target", "/b", "ReadOnly", true)));
        assertThat(b.get("NetworkingConfig")).isEqualTo(Map.of("EndpointsConfig", Map.of("mynet", Map.of("Aliases", List.of("w")))));
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return (Map<String, Object>) o;
    }

    @Test
    void runFlags_badValues_nameTheFlag() {
        assertThatThrownBy(() -> RunFlags.parse(new Args(List.of("--memory", "lots", "busybox")), true)).hasMessage("--memory: invalid size \"lots\" (e.g. 512m, 1g)");
        assertThatThrownBy(() -> RunFlags.parse(new Args(List.of("-p", "99999", "busybox")), true)).hasMessageContaining("-p: invalid port \"99999\"");
        assertThatThrownBy(() -> RunFlags.parse(new Args(List.of("--restart", "sometimes", "busybox")), true)).hasMessageContaining("--restart: invalid policy");
        assertThatThrownBy(() -> RunFlags.parse(new Args(List.of("--frob", "busybox")), true)).hasMessageContaining("unknown flag: --frob");
        assertThatThrownBy(() -> RunFlags.parse(new Args(List.of("-d")), false)).hasMessageContaining("unknown flag -d");
        assertThatThrownBy(() -> RunFlags.parse(new Args(List.of()), true)).hasMessageStartingWith("missing image");
    }
}
