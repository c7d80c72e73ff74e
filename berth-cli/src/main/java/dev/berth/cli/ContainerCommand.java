package dev.berth.cli;

import dev.berth.oci.json.Json;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The container commands, as a client of berth's daemon (the Docker Engine API on its Unix socket): docker's
 * verbs, flags, output and exit codes.
 */
final class ContainerCommand {
    /** docker run's exit status when the daemon refused the container (create or start failed). */
    static final int DAEMON_ERROR = 125;

    private final DockerClient api;
    private final PrintStream out, err;
    private final InputStream stdin;

    ContainerCommand(DockerClient api, PrintStream out, PrintStream err, InputStream stdin) {
        this.api = api;
        this.out = out;
        this.err = err;
        this.stdin = stdin;
    }

    int run(String cmd, Args a) throws IOException {
        return switch (cmd) {
            case "run" -> run(a);
            case "create" -> create(a);
            case "start" -> start(a);
            case "ps", "ls", "list" -> ps(a);
            case "logs" -> logs(a);
            case "exec" -> exec(a);
            case "stop", "restart" -> stopRestart(cmd, a);
            case "kill" -> kill(a);
            case "rm", "remove" -> rm(a);
            case "pause", "unpause" -> each(cmd, a, "/" + cmd);
            case "rename" -> rename(a);
            case "wait" -> waitFor(a);
            case "inspect" -> inspect(a, "container");
            case "top" -> top(a);
            case "stats" -> new StatsView(api, out).run(a);
            case "port" -> port(a);
            case "attach" -> attach(a);
            case "cp" -> cp(a);
            case "diff" -> diff(a);
            case "export" -> export(a);
            case "commit" -> commit(a);
            case "update" -> update(a);
            case "prune" -> prune(a);
            default -> throw new Args.UsageException("unknown container command \"" + cmd + "\" (see berth --help)");
        };
    }

    private static String path(String id) {
        return "/containers/" + DockerClient.q(id);
    }

    // ---- run, create, start, attach ---------------------------------------------------------------------

    private String createContainer(RunFlags f) throws IOException {
        String query = "/containers/create" + (f.name != null ? "?name=" + DockerClient.q(f.name) : "");
        if (f.platform != null) query += (f.name != null ? "&" : "?") + "platform=" + DockerClient.q(f.platform);
        Map<String, Object> body = f.body();
        if (f.pull.equals("always")) new DaemonImages(api, out, err).pull(f.image, f.platform, f.quiet);
        Map<String, Object> created;
        try {
            created = api.object("POST", query, body);
        } catch (DockerClient.ApiError e) {
            if (e.status != 404 || !e.daemonMessage().startsWith("No such image") || f.pull.equals("never")) throw e;
            err.println("Unable to find image '" + DaemonImages.familiar(f.image) + "' locally");
            if (new DaemonImages(api, err, err).pull(f.image, f.platform, f.quiet) != 0) return null;
            created = api.object("POST", query, body);
        }
        if (created.get("Warnings") instanceof List<?> w) for (Object x : w) err.println("WARNING: " + x);
        return (String) created.get("Id");
    }

    private int create(Args a) throws IOException {
        RunFlags f = RunFlags.parse(a, false);
        try {
            String id = createContainer(f);
            if (id == null) return DAEMON_ERROR;
            out.println(id);
            return 0;
        } catch (DockerClient.ApiError e) {
            err.println(e.getMessage());
            return DAEMON_ERROR;
        }
    }

    private int run(Args a) throws IOException {
        RunFlags f = RunFlags.parse(a, true);
        if (f.tty && !f.detach && f.interactive && !Tty.stdinIsTerminal()) {
            err.println("the input device is not a TTY");
            return 1;
        }
        String id;
        try {
            dev.berth.runtime.Trace.mark("flags read");
            id = createContainer(f);
            dev.berth.runtime.Trace.mark("created");
            if (id == null) return DAEMON_ERROR;
        } catch (DockerClient.ApiError e) {
            err.println(e.getMessage());
            return DAEMON_ERROR;
        }
        if (f.detach) {
            try {
                api.call("POST", path(id) + "/start", null);
            } catch (DockerClient.ApiError e) {
                return startFailed(e);
            }
            out.println(id);
            return 0;
        }
        // Attach before start (no output lost), register the wait, start, relay until the stream ends.
        DockerClient.Conn stream = api.hijack(path(id) + "/attach?stream=1&stdout=1&stderr=1" + (f.interactive ? "&stdin=1" : ""), null);
        DockerClient.Reply wait = new DockerClient(api.socket).stream("POST", path(id) + "/wait?condition=" + (f.rm ? "removed" : "next-exit"), null);
        dev.berth.runtime.Trace.mark("attached, waiting");
        try {
            api.call("POST", path(id) + "/start", null);
            dev.berth.runtime.Trace.mark("started");
        } catch (DockerClient.ApiError e) {
            stream.close();
            wait.conn.close();
            return startFailed(e);
        }
        if (f.sigProxy && !f.tty) proxySignals(id);
        relay(stream, id, f.tty, f.interactive, false);
        dev.berth.runtime.Trace.mark("output ended");
        int status = exitStatus(wait);
        dev.berth.runtime.Trace.mark("exit status");
        return status;
    }

    /**
     * docker's --sig-proxy for an attached run without a TTY: SIGINT, SIGTERM, SIGHUP, SIGUSR1 and SIGUSR2 go
     * to the container (POST /kill), which then exits and ends the run; berth itself carries on until then.
     */
    private void proxySignals(String id) {
        for (String name : new String[]{"INT", "TERM", "HUP", "USR1", "USR2"}) {
            try {
                sun.misc.Signal.handle(new sun.misc.Signal(name), s -> {
                    try (DockerClient other = new DockerClient(api.socket)) {
                        other.call("POST", path(id) + "/kill?signal=" + name, null);
                    } catch (IOException ignored) {
                        // it has exited already
                    }
                });
            } catch (IllegalArgumentException | UnsupportedOperationException taken) {
                // the JVM keeps this one
            }
        }
    }

    private int startFailed(DockerClient.ApiError e) {
        err.println(e.getMessage());
        String m = e.daemonMessage().toLowerCase();
        if (m.contains("executable file not found") || m.contains("no such file or directory")) return 127;
        if (m.contains("permission denied")) return 126;
        return DAEMON_ERROR;
    }

    /** The StatusCode of a wait reply (docker's exit status for run, start -a and attach). */
    private int exitStatus(DockerClient.Reply wait) throws IOException {
        String line = wait.line();
        wait.conn.close();
        if (line == null) return DAEMON_ERROR;
        Map<?, ?> m = (Map<?, ?>) Json.parse(line, "wait");
        if (m.get("Error") instanceof Map<?, ?> e && e.get("Message") != null && !String.valueOf(e.get("Message")).isEmpty()) {
            err.println(e.get("Message"));
            return DAEMON_ERROR;
        }
        if (m.get("error") != null) {
            err.println(m.get("error"));
            return DAEMON_ERROR;
        }
        return ((Number) m.get("StatusCode")).intValue();
    }

    /**
     * Copies the hijacked stream to stdout/stderr until the daemon ends it, and stdin to it when
     * {@code interactive} (else half-closes at once: the process sees EOF on its stdin). With a TTY the local
     * terminal is raw meanwhile, and resizes follow it. Returns 0, or 1 on a system-error frame.
     */
    private int relay(DockerClient.Conn c, String id, boolean tty, boolean interactive, boolean exec) throws IOException {
        String saved = null;
        String resizePath = (exec ? "/exec/" : "/containers/") + DockerClient.q(id) + "/resize";
        if (tty) {
            if (interactive) saved = Tty.raw();
            resize(resizePath);
            Tty.onResize(() -> {
                try {
                    resize(resizePath);
                } catch (IOException ignored) {
                    // the container went away
                }
            });
        }
        try {
            if (interactive) {
                Thread t = new Thread(() -> pumpStdin(c, tty), "stdin");
                t.setDaemon(true);
                t.start();
            } else {
                c.shutdownOutput();
            }
            return tty ? raw(c) : demux(c, out, err);
        } finally {
            c.close();
            if (saved != null) Tty.restore(saved);
        }
    }

    private void resize(String path) throws IOException {
        int[] s = Tty.size();
        if (s == null) return;
        try (DockerClient other = new DockerClient(api.socket)) {
            other.call("POST", path + "?h=" + s[0] + "&w=" + s[1], null);
        }
    }

    /** stdin to the container; with a TTY, ctrl-p ctrl-q detaches (docker's default detach keys). */
    private void pumpStdin(DockerClient.Conn c, boolean tty) {
        byte[] buf = new byte[8192];
        OutputStream o = c.output();
        boolean ctrlP = false;
        try {
            for (int n; (n = stdin.read(buf)) > 0; ) {
                if (tty) {
                    for (int i = 0; i < n; i++) {
                        if (ctrlP && buf[i] == 0x11) {
                            c.close();
                            return;
                        }
                        ctrlP = buf[i] == 0x10;
                    }
                }
                o.write(buf, 0, n);
            }
        } catch (IOException ignored) {
            // the container ended
        }
        c.shutdownOutput();
    }

    private int raw(DockerClient.Conn c) throws IOException {
        byte[] buf = new byte[16384];
        try {
            for (int n; (n = c.read(buf, 0, buf.length)) > 0; ) {
                out.write(buf, 0, n);
                out.flush();
            }
        } catch (IOException detached) {
            // ctrl-p ctrl-q closed it
        }
        return 0;
    }

    /** The multiplexed stream: [type][0 0 0][length] frames to stdout (1) and stderr (2); 3 is an error. */
    static int demux(DockerClient.Conn c, PrintStream out, PrintStream err) throws IOException {
        byte[] h = new byte[8];
        byte[] buf = new byte[16384];
        int status = 0;
        while (c.readFully(h, 8)) {
            int len = (h[4] & 0xff) << 24 | (h[5] & 0xff) << 16 | (h[6] & 0xff) << 8 | h[7] & 0xff;
            if (len > buf.length) buf = new byte[len];
            if (!c.readFully(buf, len)) break;
            PrintStream to = h[0] == 2 || h[0] == 3 ? err : out;
            to.write(buf, 0, len);
            to.flush();
            if (h[0] == 3) status = 1;
        }
        return status;
    }

    private int start(Args a) throws IOException {
        boolean attach = false, interactive = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-a", "--attach" -> attach = true;
                case "-i", "--interactive" -> interactive = true;
                case "-ai", "-ia" -> attach = interactive = true;
                case "--detach-keys" -> a.value(f);
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        List<String> ids = a.rest();
        if (ids.isEmpty()) throw new Args.UsageException("start needs at least one container");
        if (attach || interactive) {
            if (ids.size() > 1) throw new Args.UsageException("you cannot start and attach multiple containers at once");
            Map<String, Object> c = api.object("GET", path(ids.getFirst()) + "/json", null);
            String id = (String) c.get("Id");
            boolean tty = Boolean.TRUE.equals(((Map<?, ?>) c.get("Config")).get("Tty"));
            DockerClient.Conn stream = api.hijack(path(id) + "/attach?stream=1&stdout=1&stderr=1" + (interactive ? "&stdin=1" : ""), null);
            DockerClient.Reply wait = new DockerClient(api.socket).stream("POST", path(id) + "/wait?condition=next-exit", null);
            api.call("POST", path(id) + "/start", null);
            relay(stream, id, tty, interactive, false);
            return exitStatus(wait);
        }
        return each("start", ids, "/start");
    }

    private int attach(Args a) throws IOException {
        boolean noStdin = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "--no-stdin" -> noStdin = true;
                case "--sig-proxy" -> { }
                case "--detach-keys" -> a.value(f);
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        String ref = a.required("container");
        a.end();
        DockerClient.Reply wait = new DockerClient(api.socket).stream("POST", path(ref) + "/wait", null);
        Map<String, Object> c = api.object("GET", path(ref) + "/json", null);
        Map<?, ?> st = (Map<?, ?>) c.get("State"), config = (Map<?, ?>) c.get("Config");
        if (!Boolean.TRUE.equals(st.get("Running"))) {
            wait.conn.close();
            err.println("You cannot attach to a stopped container, start it first");
            return 1;
        }
        boolean tty = Boolean.TRUE.equals(config.get("Tty")), in = !noStdin && Boolean.TRUE.equals(config.get("OpenStdin"));
        String id = (String) c.get("Id");
        DockerClient.Conn stream = api.hijack(path(id) + "/attach?stream=1&stdout=1&stderr=1" + (in ? "&stdin=1" : ""), null);
        relay(stream, id, tty, in, false);
        return exitStatus(wait);
    }

    // ---- exec, logs -------------------------------------------------------------------------------------

    private int exec(Args a) throws IOException {
        boolean interactive = false, tty = false, detach = false, privileged = false;
        List<String> env = new ArrayList<>();
        String user = "", workdir = "";
        while (a.atFlag()) {
            String f = a.next();
            if (f.length() > 2 && f.charAt(1) != '-' && f.chars().skip(1).allMatch(ch -> "itd".indexOf(ch) >= 0)) {
                interactive |= f.indexOf('i') > 0;
                tty |= f.indexOf('t') > 0;
                detach |= f.indexOf('d') > 0;
                continue;
            }
            switch (Args.name(f)) {
                case "-i", "--interactive" -> interactive = true;
                case "-t", "--tty" -> tty = true;
                case "-d", "--detach" -> detach = true;
                case "--privileged" -> privileged = true;
                case "-e", "--env" -> {
                    String e = a.value(f);
                    if (e.indexOf('=') >= 0) env.add(e);
                    else if (System.getenv(e) != null) env.add(e + "=" + System.getenv(e));
                }
                case "--env-file" -> {
                    for (String l : Files.readAllLines(Path.of(a.value(f)))) if (!l.isBlank() && !l.strip().startsWith("#")) env.add(l.strip());
                }
                case "-u", "--user" -> user = a.value(f);
                case "-w", "--workdir" -> workdir = a.value(f);
                case "--detach-keys" -> a.value(f);
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        String ref = a.required("container (usage: berth exec [OPTIONS] CONTAINER COMMAND [ARG...])");
        List<String> cmd = a.rest();
        if (cmd.isEmpty()) throw new Args.UsageException("exec needs a command to run");
        if (tty && interactive && !detach && !Tty.stdinIsTerminal()) {
            err.println("the input device is not a TTY");
            return 1;
        }
        int[] size = tty ? Tty.size() : null;
        Map<String, Object> body = Json.obj("User", user, "Privileged", privileged, "Tty", tty, "AttachStdin", interactive && !detach,
                "AttachStdout", !detach, "AttachStderr", !detach, "Detach", detach, "Env", env, "WorkingDir", workdir, "Cmd", cmd,
                "ConsoleSize", size == null ? null : List.of(size[0], size[1]));
        String execId = (String) api.object("POST", path(ref) + "/exec", body).get("Id");
        if (detach) {
            api.call("POST", "/exec/" + execId + "/start", Json.obj("Detach", true, "Tty", false));
            return 0;
        }
        DockerClient.Conn c = api.hijack("/exec/" + execId + "/start", Json.obj("Detach", false, "Tty", tty,
                "ConsoleSize", size == null ? null : List.of(size[0], size[1])));
        int status = relay(c, execId, tty, interactive, true);
        Map<String, Object> x = api.object("GET", "/exec/" + execId + "/json", null);
        return x.get("ExitCode") instanceof Number n ? n.intValue() : status;
    }

    private int logs(Args a) throws IOException {
        boolean follow = false, timestamps = false;
        String tail = "all", since = null, until = null;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-f", "--follow" -> follow = true;
                case "-t", "--timestamps" -> timestamps = true;
                case "-n", "--tail" -> tail = a.value(f);
                case "--since" -> since = time(a.value(f));
                case "--until" -> until = time(a.value(f));
                case "--details" -> { }
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        String ref = a.required("container");
        a.end();
        Map<String, Object> c = api.object("GET", path(ref) + "/json", null);
        boolean tty = Boolean.TRUE.equals(((Map<?, ?>) c.get("Config")).get("Tty"));
        String q = "/logs?stdout=1&stderr=1&tail=" + DockerClient.q(tail) + (follow ? "&follow=1" : "") + (timestamps ? "&timestamps=1" : "")
                + (since != null ? "&since=" + DockerClient.q(since) : "") + (until != null ? "&until=" + DockerClient.q(until) : "");
        DockerClient.Reply r = api.stream("GET", path((String) c.get("Id")) + q, null);
        try {
            if (tty) r.body.transferTo(out);
            else demuxBody(r.body);
        } finally {
            r.conn.close();
        }
        out.flush();
        return 0;
    }

    /** Like {@link #demux} over a reply body (logs are a chunked body, not a hijacked stream). */
    private void demuxBody(InputStream in) throws IOException {
        byte[] h = new byte[8];
        while (in.readNBytes(h, 0, 8) == 8) {
            int len = (h[4] & 0xff) << 24 | (h[5] & 0xff) << 16 | (h[6] & 0xff) << 8 | h[7] & 0xff;
            byte[] b = in.readNBytes(len);
            (h[0] == 2 ? err : out).write(b, 0, b.length);
            (h[0] == 2 ? err : out).flush();
        }
    }

    /** --since/--until: a duration ago ("10m", "1h30m") as unix seconds; timestamps go as they are. */
    static String time(String v) {
        if (!v.isEmpty() && Character.isDigit(v.charAt(0)) && Character.isLetter(v.charAt(v.length() - 1)) && !v.contains("T") && !v.contains("-")) {
            long nanos = RunFlags.Durations.nanos("--since", v);
            Instant t = Instant.now().minusNanos(nanos);
            return t.getEpochSecond() + "." + String.format("%09d", t.getNano());
        }
        return v;
    }

    // ---- lifecycle ----------------------------------------------------------------------------------------

    /** A verb applied to each container named; prints each name, errors go on to the next (docker's way). */
    private int each(String verb, Args a, String suffix) throws IOException {
        a.atFlag();
        List<String> ids = a.rest();
        if (ids.isEmpty()) throw new Args.UsageException(verb + " needs at least one container");
        return each(verb, ids, suffix);
    }

    private int each(String verb, List<String> ids, String suffix) throws IOException {
        int status = 0;
        for (String id : ids) {
            try {
                api.call(suffix.startsWith("DELETE") ? "DELETE" : "POST", path(id) + (suffix.startsWith("DELETE") ? suffix.substring(6) : suffix), null);
                out.println(id);
            } catch (DockerClient.ApiError e) {
                err.println(e.getMessage());
                status = 1;
            }
        }
        return status;
    }

    private int stopRestart(String verb, Args a) throws IOException {
        String q = "";
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-t", "--time", "--timeout" -> q += (q.isEmpty() ? "?" : "&") + "t=" + RunFlags.number(f, a.value(f));
                case "-s", "--signal" -> q += (q.isEmpty() ? "?" : "&") + "signal=" + DockerClient.q(a.value(f));
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        List<String> ids = a.rest();
        if (ids.isEmpty()) throw new Args.UsageException(verb + " needs at least one container");
        return each(verb, ids, "/" + verb + q);
    }

    private int kill(Args a) throws IOException {
        String q = "";
        while (a.atFlag()) {
            String f = a.next();
            if (!Args.name(f).equals("-s") && !Args.name(f).equals("--signal")) throw new Args.UsageException("unknown flag: " + f);
            q = "?signal=" + DockerClient.q(a.value(f));
        }
        List<String> ids = a.rest();
        if (ids.isEmpty()) throw new Args.UsageException("kill needs at least one container");
        return each("kill", ids, "/kill" + q);
    }

    private int rm(Args a) throws IOException {
        boolean force = false, volumes = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-f", "--force" -> force = true;
                case "-v", "--volumes" -> volumes = true;
                case "-fv", "-vf" -> force = volumes = true;
                case "-l", "--link" -> { }
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        List<String> ids = a.rest();
        if (ids.isEmpty()) throw new Args.UsageException("rm needs at least one container");
        String q = (force ? "?force=1" : "") + (volumes ? (force ? "&" : "?") + "v=1" : "");
        return each("rm", ids, "DELETE" + q);
    }

    private int rename(Args a) throws IOException {
        String from = a.required("container"), to = a.required("new name");
        a.end();
        api.call("POST", path(from) + "/rename?name=" + DockerClient.q(to), null);
        return 0;
    }

    private int waitFor(Args a) throws IOException {
        List<String> ids = a.rest();
        if (ids.isEmpty()) throw new Args.UsageException("wait needs at least one container");
        int status = 0;
        for (String id : ids) {
            try {
                DockerClient.Reply r = api.stream("POST", path(id) + "/wait", null);
                String line = r.line();
                r.conn.close();
                out.println(((Map<?, ?>) Json.parse(line, "wait")).get("StatusCode"));
            } catch (DockerClient.ApiError e) {
                err.println(e.getMessage());
                status = 1;
            }
        }
        return status;
    }

    /** inspect: containers, then images, volumes and networks, as docker looks them up; -f a template. */
    int inspect(Args a, String defaultType) throws IOException {
        String format = null, type = defaultType;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-f", "--format" -> format = a.value(f);
                case "--type" -> type = a.value(f);
                case "-s", "--size" -> { }
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        List<String> refs = a.rest();
        if (refs.isEmpty()) throw new Args.UsageException("inspect needs at least one object");
        List<Object> found = new ArrayList<>();
        int status = 0;
        for (String ref : refs) {
            Object v = null;
            for (String t : type == null ? List.of("container", "image", "volume", "network") : List.of(type)) {
                String p = switch (t) {
                    case "container" -> path(ref) + "/json";
                    case "image" -> "/images/" + ref + "/json";
                    case "volume" -> "/volumes/" + DockerClient.q(ref);
                    case "network" -> "/networks/" + DockerClient.q(ref);
                    default -> throw new Args.UsageException("--type: container, image, volume or network");
                };
                try {
                    v = api.call("GET", p, null);
                    break;
                } catch (DockerClient.ApiError e) {
                    if (e.status != 404) throw e;
                }
            }
            if (v == null) {
                err.println("Error: No such " + (type == null ? "object" : type) + ": " + ref);
                status = 1;
            } else {
                found.add(v);
            }
        }
        if (format != null) {
            Template t = Template.parse(format);
            for (Object v : found) out.println(t.render(v));
        } else if (!found.isEmpty() || status == 0) {
            out.println(Json.writePretty(found).stripTrailing());
        } else {
            out.println("[]");
        }
        return status;
    }

    private int top(Args a) throws IOException {
        String ref = a.required("container");
        List<String> psArgs = a.rest();
        Map<String, Object> t = api.object("GET", path(ref) + "/top" + (psArgs.isEmpty() ? "" : "?ps_args=" + DockerClient.q(String.join(" ", psArgs))), null);
        List<String> lines = new ArrayList<>();
        lines.add(String.join("\t", strings(t.get("Titles"))));
        for (Object p : (List<?>) t.get("Processes")) lines.add(String.join("\t", strings(p)));
        Output.tabs(out, lines);
        return 0;
    }

    private static List<String> strings(Object list) {
        List<String> s = new ArrayList<>();
        if (list instanceof List<?> l) for (Object o : l) s.add(String.valueOf(o));
        return s;
    }

    private int port(Args a) throws IOException {
        String ref = a.required("container");
        String want = a.hasNext() ? a.next() : null;
        a.end();
        if (want != null && !want.contains("/")) want += "/tcp";
        Map<String, Object> c = api.object("GET", path(ref) + "/json", null);
        Object ports = ((Map<?, ?>) c.getOrDefault("NetworkSettings", Map.of())).get("Ports");
        if (!(ports instanceof Map<?, ?> pm)) return 0;
        boolean any = false;
        for (var e : pm.entrySet()) {
            if (want != null && !want.equals(e.getKey())) continue;
            if (!(e.getValue() instanceof List<?> bindings)) continue;
            for (Object b : bindings) {
                Map<?, ?> m = (Map<?, ?>) b;
                String ip = String.valueOf(m.get("HostIp"));
                String hp = (ip.isEmpty() ? "0.0.0.0" : ip.contains(":") ? "[" + ip + "]" : ip) + ":" + m.get("HostPort");
                out.println(want != null ? hp : e.getKey() + " -> " + hp);
                any = true;
            }
        }
        if (want != null && !any) {
            err.println("Error: No public port '" + want + "' published for " + ref);
            return 1;
        }
        return 0;
    }

    // ---- files: cp, diff, export, commit --------------------------------------------------------------------

    /** cp CONTAINER:SRC DEST | cp SRC CONTAINER:DEST (tar through the archive endpoint; "-" is a tar stream). */
    private int cp(Args a) throws IOException {
        while (a.atFlag()) {
            String f = a.next();
            if (!List.of("-a", "--archive", "-L", "--follow-link", "-q", "--quiet").contains(Args.name(f))) throw new Args.UsageException("unknown flag: " + f);
        }
        String src = a.required("source"), dst = a.required("destination");
        a.end();
        int sc = containerColon(src), dc = containerColon(dst);
        if ((sc < 0) == (dc < 0)) throw new Args.UsageException("cp: one of source and destination must be CONTAINER:PATH");
        if (sc >= 0) {
            DockerClient.Reply r = api.stream("GET", path(src.substring(0, sc)) + "/archive?path=" + DockerClient.q(src.substring(sc + 1)), null);
            try {
                if (dst.equals("-")) {
                    r.body.transferTo(out);
                    out.flush();
                    return 0;
                }
                Path d = Path.of(dst);
                Path into = Files.isDirectory(d) ? d : d.toAbsolutePath().getParent();
                Process tar = new ProcessBuilder("tar", "-x", "-C", into.toString()).redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
                try (OutputStream o = tar.getOutputStream()) {
                    r.body.transferTo(o);
                }
                if (tar.waitFor() != 0) throw new IOException("cp: tar could not unpack into " + into);
                String base = Path.of(src.substring(sc + 1)).getFileName() == null ? "" : Path.of(src.substring(sc + 1)).getFileName().toString();
                if (!Files.isDirectory(d) && !base.isEmpty() && !d.getFileName().toString().equals(base)) Files.move(into.resolve(base), d);
                return 0;
            } catch (InterruptedException e) {
                throw new IOException("interrupted");
            } finally {
                r.conn.close();
            }
        }
        String ref = dst.substring(0, dc), cpath = dst.substring(dc + 1);
        InputStream in;
        Process tar = null;
        if (src.equals("-")) in = stdin;
        else {
            Path s = Path.of(src).toAbsolutePath();
            tar = new ProcessBuilder("tar", "-c", "-C", s.getParent().toString(), s.getFileName().toString())
                    .redirectError(ProcessBuilder.Redirect.INHERIT).start();
            in = tar.getInputStream();
        }
        DockerClient.Reply r = api.upload("PUT", path(ref) + "/archive?path=" + DockerClient.q(cpath), "application/x-tar", in, null);
        r.body.readAllBytes();
        r.conn.close();
        if (tar != null) tar.destroy();
        return 0;
    }

    /** The colon of CONTAINER:PATH, or -1 for a local path (absolute, relative with a slash before, or "-"). */
    private static int containerColon(String s) {
        int c = s.indexOf(':');
        if (c <= 0 || s.startsWith("/") || s.startsWith(".")) return -1;
        int slash = s.indexOf('/');
        return slash >= 0 && slash < c ? -1 : c;
    }

    private int diff(Args a) throws IOException {
        String ref = a.required("container");
        a.end();
        Object changes = api.call("GET", path(ref) + "/changes", null);
        if (changes instanceof List<?> l) {
            for (Object o : l) {
                Map<?, ?> m = (Map<?, ?>) o;
                int kind = ((Number) m.get("Kind")).intValue();
                out.println((kind == 0 ? "C" : kind == 1 ? "A" : "D") + " " + m.get("Path"));
            }
        }
        return 0;
    }

    private int export(Args a) throws IOException {
        Path file = null;
        while (a.atFlag()) {
            String f = a.next();
            if (!Args.name(f).equals("-o") && !Args.name(f).equals("--output")) throw new Args.UsageException("unknown flag: " + f);
            file = Path.of(a.value(f));
        }
        String ref = a.required("container");
        a.end();
        if (file == null && Tty.stdinIsTerminal() && System.console() != null) {
            throw new Args.UsageException("cowardly refusing to save to a terminal. Use the -o flag or redirect");
        }
        DockerClient.Reply r = api.stream("GET", path(ref) + "/export", null);
        try (r.body) {
            if (file == null) {
                r.body.transferTo(out);
                out.flush();
            } else {
                try (OutputStream o = Files.newOutputStream(file)) {
                    r.body.transferTo(o);
                }
            }
        } finally {
            r.conn.close();
        }
        return 0;
    }

    private int commit(Args a) throws IOException {
        String q = "";
        List<String> changes = new ArrayList<>();
        boolean pause = true;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-a", "--author" -> q += "&author=" + DockerClient.q(a.value(f));
                case "-m", "--message" -> q += "&comment=" + DockerClient.q(a.value(f));
                case "-c", "--change" -> changes.add(a.value(f));
                case "-p", "--pause" -> pause = !f.endsWith("=false");
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        String ref = a.required("container");
        String repo = a.hasNext() ? a.next() : null;
        a.end();
        if (repo != null) {
            int slash = repo.lastIndexOf('/'), colon = repo.lastIndexOf(':');
            if (colon > slash) q += "&repo=" + DockerClient.q(repo.substring(0, colon)) + "&tag=" + DockerClient.q(repo.substring(colon + 1));
            else q += "&repo=" + DockerClient.q(repo);
        }
        for (String c : changes) q += "&changes=" + DockerClient.q(c);
        Map<String, Object> r = api.object("POST", "/commit?container=" + DockerClient.q(ref) + "&pause=" + (pause ? 1 : 0) + q, Map.of());
        out.println(r.get("Id"));
        return 0;
    }

    private int update(Args a) throws IOException {
        Map<String, Object> body = new LinkedHashMap<>();
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-m", "--memory" -> body.put("Memory", RunFlags.bytes(f, a.value(f)));
                case "--memory-swap" -> body.put("MemorySwap", RunFlags.bytes(f, a.value(f)));
                case "--memory-reservation" -> body.put("MemoryReservation", RunFlags.bytes(f, a.value(f)));
                case "--cpus" -> body.put("NanoCpus", Math.round(Double.parseDouble(a.value(f)) * 1e9));
                case "-c", "--cpu-shares" -> body.put("CpuShares", RunFlags.number(f, a.value(f)));
                case "--cpuset-cpus" -> body.put("CpusetCpus", a.value(f));
                case "--pids-limit" -> body.put("PidsLimit", RunFlags.number(f, a.value(f)));
                case "--restart" -> body.put("RestartPolicy", RunFlags.restart(a.value(f)));
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        List<String> ids = a.rest();
        if (ids.isEmpty()) throw new Args.UsageException("update needs at least one container");
        int status = 0;
        for (String id : ids) {
            try {
                Map<String, Object> r = api.object("POST", path(id) + "/update", body);
                if (r != null && r.get("Warnings") instanceof List<?> w) for (Object x : w) err.println("WARNING: " + x);
                out.println(id);
            } catch (DockerClient.ApiError e) {
                err.println(e.getMessage());
                status = 1;
            }
        }
        return status;
    }

    private int prune(Args a) throws IOException {
        boolean force = false;
        String filters = null;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-f", "--force" -> force = true;
                case "--filter" -> filters = Filters.add(filters, a.value(f));
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        a.end();
        if (!force && !confirm("WARNING! This will remove all stopped containers.")) return 0;
        Map<String, Object> r = api.object("POST", "/containers/prune" + (filters == null ? "" : "?filters=" + DockerClient.q(filters)), null);
        printPruned(out, "Deleted Containers:", r.get("ContainersDeleted"), r.get("SpaceReclaimed"));
        return 0;
    }

    /** docker's prompt before a prune; anything but y/yes is a no. */
    boolean confirm(String warning) throws IOException {
        err.print(warning + "\nAre you sure you want to continue? [y/N] ");
        err.flush();
        StringBuilder sb = new StringBuilder();
        for (int b; (b = stdin.read()) >= 0 && b != '\n'; ) sb.append((char) b);
        String s = sb.toString().trim().toLowerCase();
        return s.equals("y") || s.equals("yes");
    }

    static void printPruned(PrintStream out, String title, Object deleted, Object space) {
        if (deleted instanceof List<?> l && !l.isEmpty()) {
            out.println(title);
            for (Object o : l) out.println(o);
            out.println();
        }
        out.println("Total reclaimed space: " + Output.size(space instanceof Number n ? n.longValue() : 0));
    }

    // ---- ps -----------------------------------------------------------------------------------------------

    static final Map<String, String> PS_HEADERS = Map.ofEntries(Map.entry("ID", "CONTAINER ID"), Map.entry("Image", "IMAGE"),
            Map.entry("Command", "COMMAND"), Map.entry("CreatedAt", "CREATED AT"), Map.entry("RunningFor", "CREATED"), Map.entry("Ports", "PORTS"),
            Map.entry("State", "STATE"), Map.entry("Status", "STATUS"), Map.entry("Size", "SIZE"), Map.entry("Names", "NAMES"),
            Map.entry("Labels", "LABELS"), Map.entry("Mounts", "MOUNTS"), Map.entry("Networks", "NETWORKS"), Map.entry("LocalVolumes", "LOCAL VOLUMES"));

    private int ps(Args a) throws IOException {
        boolean all = false, quiet = false, noTrunc = false, latest = false, size = false;
        String format = null, filters = null;
        int last = -1;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-a", "--all" -> all = true;
                case "-q", "--quiet" -> quiet = true;
                case "-aq", "-qa" -> all = quiet = true;
                case "--no-trunc" -> noTrunc = true;
                case "-l", "--latest" -> latest = true;
                case "-n", "--last" -> last = (int) RunFlags.number(f, a.value(f));
                case "-s", "--size" -> size = true;
                case "--format" -> format = a.value(f);
                case "-f", "--filter" -> filters = Filters.add(filters, a.value(f));
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        a.end();
        if (latest) last = 1;
        String q = "/containers/json?" + (all || last > 0 ? "all=1" : "all=0") + (last > 0 ? "&limit=" + last : "") + (size ? "&size=1" : "")
                + (filters == null ? "" : "&filters=" + DockerClient.q(filters));
        List<Object> list = api.list(q);
        if (quiet) {
            for (Object o : list) out.println(trunc((String) ((Map<?, ?>) o).get("Id"), noTrunc));
            return 0;
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Object o : list) rows.add(psRow((Map<?, ?>) o, noTrunc));
        if (format == null || format.equals("table")) format = "table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}";
        Template.print(out, format, rows, PS_HEADERS);
        return 0;
    }

    static String trunc(String id, boolean noTrunc) {
        if (id == null) return "";
        if (id.startsWith("sha256:")) id = id.substring(7);
        return noTrunc || id.length() <= 12 ? id : id.substring(0, 12);
    }

    /** The fields of docker's ps formatter (what --format sees), from a /containers/json item. */
    private static Map<String, Object> psRow(Map<?, ?> c, boolean noTrunc) {
        Map<String, Object> m = new LinkedHashMap<>();
        String cmd = String.valueOf(c.get("Command"));
        if (!noTrunc && cmd.codePointCount(0, cmd.length()) > 20) cmd = cmd.substring(0, cmd.offsetByCodePoints(0, 19)) + "…";
        List<String> names = new ArrayList<>();
        if (c.get("Names") instanceof List<?> l) for (Object n : l) names.add(String.valueOf(n).startsWith("/") ? String.valueOf(n).substring(1) : String.valueOf(n));
        long created = c.get("Created") instanceof Number n ? n.longValue() : 0;
        m.put("Command", "\"" + cmd.replace("\\", "\\\\").replace("\"", "\\\"") + "\"");
        m.put("CreatedAt", java.time.ZonedDateTime.ofInstant(Instant.ofEpochSecond(created), java.time.ZoneId.systemDefault())
                .format(java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm:ss Z z")));
        m.put("ID", trunc(String.valueOf(c.get("Id")), noTrunc));
        String image = String.valueOf(c.get("Image"));
        if (!noTrunc && image.startsWith("sha256:")) image = image.substring(7, 19);
        m.put("Image", image);
        m.put("Labels", labels(c.get("Labels")));
        m.put("LocalVolumes", Integer.toString(c.get("Mounts") instanceof List<?> l ? (int) l.stream().filter(x -> "volume".equals(((Map<?, ?>) x).get("Type"))).count() : 0));
        List<String> mounts = new ArrayList<>();
        if (c.get("Mounts") instanceof List<?> l) for (Object x : l) {
            Map<?, ?> mm = (Map<?, ?>) x;
            String n = "volume".equals(mm.get("Type")) ? String.valueOf(mm.get("Name")) : String.valueOf(mm.get("Source"));
            mounts.add(!noTrunc && n.length() > 15 ? n.substring(0, 14) + "…" : n);
        }
        m.put("Mounts", String.join(",", mounts));
        m.put("Names", String.join(",", names));
        List<String> nets = new ArrayList<>();
        if (c.get("NetworkSettings") instanceof Map<?, ?> ns && ns.get("Networks") instanceof Map<?, ?> nm) for (Object k : nm.keySet()) nets.add(String.valueOf(k));
        m.put("Networks", String.join(",", nets));
        m.put("Ports", ports(c.get("Ports")));
        m.put("RunningFor", Output.ago(created));
        m.put("Size", c.get("SizeRw") instanceof Number n ? Output.size(n.longValue()) + " (virtual " + Output.size(c.get("SizeRootFs") instanceof Number v ? v.longValue() : 0) + ")" : "0B");
        m.put("State", String.valueOf(c.get("State")));
        m.put("Status", String.valueOf(c.get("Status")));
        return m;
    }

    static String labels(Object l) {
        if (!(l instanceof Map<?, ?> m)) return "";
        List<String> s = new ArrayList<>();
        for (var e : m.entrySet()) s.add(e.getKey() + "=" + e.getValue());
        return String.join(",", s);
    }

    /** docker's DisplayablePorts: "0.0.0.0:8080->80/tcp, 443/tcp". */
    static String ports(Object p) {
        if (!(p instanceof List<?> l)) return "";
        List<String> s = new ArrayList<>();
        for (Object o : l) {
            Map<?, ?> m = (Map<?, ?>) o;
            String priv = m.get("PrivatePort") + "/" + java.util.Objects.requireNonNullElse(m.get("Type"), "tcp");
            Object pub = m.get("PublicPort");
            if (pub == null || pub instanceof Number n && n.longValue() == 0) s.add(priv);
            else {
                String ip = String.valueOf(java.util.Objects.requireNonNullElse(m.get("IP"), "0.0.0.0"));
                s.add((ip.contains(":") ? "[" + ip + "]" : ip) + ":" + pub + "->" + priv);
            }
        }
        return String.join(", ", s);
    }

    /** --filter k=v flags, gathered into the API's JSON map of sets. */
    static final class Filters {
        private Filters() {}

        static String add(String json, String kv) {
            int eq = kv.indexOf('=');
            if (eq <= 0) throw new Args.UsageException("--filter: expected KEY=VALUE, got \"" + kv + "\"");
            @SuppressWarnings("unchecked")
            Map<String, Object> m = json == null ? new LinkedHashMap<>() : new LinkedHashMap<>((Map<String, Object>) Json.parse(json, "filters"));
            @SuppressWarnings("unchecked")
            Map<String, Object> set = new LinkedHashMap<>((Map<String, Object>) m.getOrDefault(kv.substring(0, eq), Map.of()));
            set.put(kv.substring(eq + 1), true);
            m.put(kv.substring(0, eq), set);
            return Json.write(m);
        }
    }
}
