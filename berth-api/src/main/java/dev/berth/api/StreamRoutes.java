package dev.berth.api;

import dev.berth.api.http.ApiException;
import dev.berth.api.http.Hijacked;
import dev.berth.api.http.Mux;
import dev.berth.api.http.Request;
import dev.berth.api.http.Response;
import dev.berth.api.http.Router;
import dev.berth.api.http.StreamWriter;
import dev.berth.engine.Engine;
import dev.berth.oci.json.Json;
import dev.berth.runtime.Attach;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.LogReader;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The streaming container endpoints: attach and exec (hijacked connections relayed to the monitor's attach
 * socket: multiplexed frames, or raw bytes with a TTY) and logs (the json-file log, followed while the
 * container runs).
 */
public final class StreamRoutes {
    private final Engine engine;

    private StreamRoutes(Engine engine) {
        this.engine = engine;
    }

    public static void register(Router router, Engine engine) {
        Routes r = new Routes(router);
        StreamRoutes s = new StreamRoutes(engine);
        r.post("/containers/{id}/attach", s::attach);
        r.get("/containers/{id}/logs", s::logs);
        r.post("/containers/{id}/resize", (q, p) -> {
            engine.resize(q.param("id"), (int) q.longQuery("h", 0), (int) q.longQuery("w", 0));
            p.empty(200);
        });
        r.post("/containers/{id}/exec", (q, p) -> p.json(201, Json.obj("Id", engine.execCreate(q.param("id"), q.json()).id)));
        r.post("/exec/{id}/start", s::execStart);
        r.get("/exec/{id}/json", s::execInspect);
        r.post("/exec/{id}/resize", (q, p) -> {
            Engine.ExecInstance e = engine.exec(q.param("id"));
            try {
                Attach.resize(engine.execControlSocket(e), (int) q.longQuery("h", 0), (int) q.longQuery("w", 0));
            } catch (IOException ignored) {
                // not a terminal, or done
            }
            p.empty(200);
        });
    }

    private boolean tty(String id) throws IOException {
        return Boolean.TRUE.equals(((Map<?, ?>) engine.inspect(id).get("Config")).get("Tty"));
    }

    private void attach(Request q, Response s) throws Exception {
        String id = q.param("id");
        boolean tty = tty(id);
        CompletableFuture<Attach> pending = engine.attach(id); // 404 and 409 go out as JSON, before the upgrade
        try (Hijacked h = s.hijack(tty ? Mux.RAW_STREAM : Mux.MULTIPLEXED_STREAM)) {
            Attach a;
            try {
                a = pending.get();
            } catch (Exception gone) {
                return; // removed before it started
            }
            relay(a, h, q.bool("stdin"), () -> { });
        }
    }

    /**
     * Monitor → client until the monitor closes (the process ended); client → stdin until the client
     * half-closes, which closes the process's stdin (a read EOF is not a detach). {@code beforeEnd} runs between
     * the monitor's close and the client's EOF.
     */
    private static void relay(Attach a, Hijacked h, boolean stdin, Runnable beforeEnd) throws IOException {
        try (a) {
            if (stdin) {
                Thread.ofVirtual().start(() -> {
                    byte[] buf = new byte[8192];
                    try {
                        InputStream in = h.input();
                        for (int n; (n = in.read(buf)) > 0; ) a.write(java.util.Arrays.copyOf(buf, n));
                        a.closeStdin();
                    } catch (IOException ignored) {
                        // either side went away
                    }
                });
            }
            OutputStream out = h.output();
            byte[] buf = new byte[16384];
            try {
                for (int n; (n = a.read(buf, 0, buf.length)) > 0; ) out.write(buf, 0, n);
            } catch (IOException clientGone) {
                // a full close is a detach: the container carries on
            }
            beforeEnd.run();
            h.closeOutput();
        }
    }

    private void logs(Request q, Response s) throws Exception {
        String id = q.param("id");
        boolean tty = tty(id), follow = q.bool("follow"), timestamps = q.bool("timestamps");
        boolean stdout = q.bool("stdout"), stderr = q.bool("stderr");
        String t = q.query("tail", "all");
        int tail = t.equals("all") || t.isEmpty() ? -1 : (int) Math.max(-1, Math.min(Integer.MAX_VALUE, q.longQuery("tail", -1)));
        Instant since = time(q.query("since")), until = time(q.query("until"));
        try (LogReader r = engine.logs(id, tail, since, until);
             StreamWriter w = s.stream(200, tty ? Mux.RAW_STREAM : Mux.MULTIPLEXED_STREAM)) {
            w.flush();
            while (true) {
                LogReader.Entry e = r.next(follow ? 250 : 0);
                if (e == null) {
                    if (!follow || r.done() || !engine.running(id)) {
                        for (LogReader.Entry rest; (rest = r.next(0)) != null; ) write(w, rest, tty, timestamps, stdout, stderr);
                        return;
                    }
                    continue;
                }
                write(w, e, tty, timestamps, stdout, stderr);
                if (follow) w.flush(); // a follower sees each line as it comes
            }
        }
    }

    private static void write(StreamWriter w, LogReader.Entry e, boolean tty, boolean timestamps, boolean stdout, boolean stderr) throws IOException {
        boolean err = e.stream().equals("stderr");
        if (err ? !stderr : !stdout) return;
        byte[] body = e.log();
        if (timestamps) {
            byte[] ts = (e.time() + " ").getBytes(StandardCharsets.UTF_8);
            byte[] both = new byte[ts.length + body.length];
            System.arraycopy(ts, 0, both, 0, ts.length);
            System.arraycopy(body, 0, both, ts.length, body.length);
            body = both;
        }
        w.write(tty ? body : Mux.frame(err ? Mux.STDERR : Mux.STDOUT, body));
    }

    /** docker sends since/until as unix seconds (possibly with a fraction) or RFC 3339. */
    private static Instant time(String v) {
        if (v == null || v.isEmpty() || v.equals("0")) return null;
        try {
            // exact: a double loses the nanoseconds the CLI sends ("1700000000.123456789"), and --since is inclusive
            java.math.BigDecimal secs = new java.math.BigDecimal(v);
            if (secs.abs().compareTo(java.math.BigDecimal.valueOf(1e12)) >= 0) throw ApiException.badRequest("invalid time \"" + v + "\"");
            return Instant.ofEpochSecond(secs.longValue(), secs.remainder(java.math.BigDecimal.ONE).movePointRight(9).longValue());
        } catch (NumberFormatException | ArithmeticException e) {
            try {
                return Instant.parse(v);
            } catch (RuntimeException bad) {
                throw ApiException.badRequest("invalid time \"" + v + "\"");
            }
        }
    }

    private void execStart(Request q, Response s) throws Exception {
        Engine.ExecInstance e = engine.exec(q.param("id"));
        var body = q.json();
        boolean detach = body.bool("Detach");
        ContainerRuntime.Exec x = engine.execPrepare(e, detach);
        if (e.tty) Engine.consoleSize(engine.execControlSocket(e), body.map().get("ConsoleSize"));
        if (detach) {
            x.start();
            e.pid = x.pid();
            e.running = true;
            Thread.ofVirtual().start(() -> {
                e.exitCode = x.awaitExit();
                e.running = false;
                x.close();
            });
            s.empty(200);
            return;
        }
        try (Hijacked h = s.hijack(e.tty ? Mux.RAW_STREAM : Mux.MULTIPLEXED_STREAM)) {
            Attach a = Attach.connect(engine.execAttachSocket(e));
            x.start();
            e.pid = x.pid();
            e.running = true;
            Thread.ofVirtual().start(() -> {
                e.exitCode = x.awaitExit(); // recorded before the stream ends: the CLI asks for it right after
                e.running = false;
            });
            // the CLI asks for the exit code at the stream's EOF: record it first (the output can end before the exit)
            relay(a, h, e.openStdin, () -> {
                try {
                    while (e.running) Thread.sleep(2);
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                }
            });
        } finally {
            x.close();
        }
    }

    private void execInspect(Request q, Response s) throws IOException {
        Engine.ExecInstance e = engine.exec(q.param("id"));
        s.json(200, Json.obj("ID", e.id, "Running", e.running, "ExitCode", e.running ? null : e.exitCode, "Pid", e.pid,
                "ContainerID", e.containerId, "OpenStdin", e.openStdin, "OpenStdout", true, "OpenStderr", true, "CanRemove", false,
                "ProcessConfig", Json.obj("tty", e.tty, "entrypoint", e.cmd.getFirst(), "arguments", e.cmd.subList(1, e.cmd.size()),
                        "privileged", e.privileged, "user", e.user)));
    }
}
