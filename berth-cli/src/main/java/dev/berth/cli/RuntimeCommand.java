package dev.berth.cli;

import dev.berth.oci.json.Json;
import dev.berth.oci.runtime.RuntimeSpec;
import dev.berth.oci.runtime.RuntimeSpecReader;
import dev.berth.runtime.BusyboxBundle;
import dev.berth.runtime.ContainerRuntime;
import dev.berth.runtime.ContainerState;
import dev.berth.runtime.DefaultSpec;
import dev.berth.runtime.linux.Signals;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code berth runtime}: the OCI runtime command line, shaped like runc's so an engine can use either. */
final class RuntimeCommand {
    static final String HELP = """
            Usage: berth runtime [--root DIR] <command> [options] <container-id>

            The OCI runtime: turns a bundle (config.json + rootfs) into an isolated, limited process.
            Same commands and flags as runc. State lives under --root (default /run/berth/runtime).

            Commands:
              create [--bundle DIR] [--console-socket SOCK] [--pid-file FILE] ID
                                      set the container up; its process waits for start
              start ID                run the created container's process
              state ID                print the state as JSON (status: created, running, paused, stopped)
              kill ID [SIGNAL] [--all]
                                      send a signal (default TERM); --all: every process in its cgroup
              delete [--force] ID     remove a stopped (or, with --force, any) container
              run [--bundle DIR] [--pid-file FILE] ID
                                      create, start, wait and delete; exits with the process's status
              exec [-t] [-d] [--process FILE] [-e K=V] [--cwd DIR] [-u UID[:GID]] [--console-socket SOCK]
                   [--pid-file FILE] ID [COMMAND ARGS...]
                                      run another process inside a running container
              ps [--format table|json] ID
                                      host pids of the container's processes
              pause ID / resume ID    freeze and thaw every process (cgroup freezer)
              list                    all containers under --root
              spec [--bundle DIR] [--busybox DIR] [--memory SIZE] [--pids-limit N] [-- CMD ARGS...]
                                      write a default config.json (runc's defaults; process "sh" with
                                      a terminal unless a command is given); --busybox DIR makes a
                                      whole bundle from the host's busybox-static

            Exit status of run/exec: the process's own (128+N when killed by signal N).
            """;

    private final PrintStream out;
    private final PrintStream err;
    private Path root = Path.of("/run/berth/runtime");

    RuntimeCommand(PrintStream out, PrintStream err) {
        this.out = out;
        this.err = err;
    }

    private ContainerRuntime runtime() {
        return ContainerRuntime.defaults(root, w -> err.println("berth: warning: " + w));
    }

    int run(List<String> argv) throws IOException {
        Args a = new Args(argv);
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "--root" -> root = Path.of(a.value(f));
                case "--log", "--log-format" -> a.value(f); // accepted for runc compatibility; errors go to stderr
                case "--debug" -> { }
                case "--systemd-cgroup" -> throw new Args.UsageException("berth manages cgroups through cgroupfs; --systemd-cgroup is not supported");
                case "--help", "-h" -> {
                    out.print(HELP);
                    return 0;
                }
                default -> throw new Args.UsageException("unknown flag " + f + " (see berth runtime --help)");
            }
        }
        if (!a.hasNext()) {
            out.print(HELP);
            return 2;
        }
        String cmd = a.next();
        return switch (cmd) {
            case "create" -> create(a, false);
            case "run" -> create(a, true);
            case "start" -> {
                runtime().start(id(a));
                yield 0;
            }
            case "state" -> {
                out.print(Json.writePretty(runtime().state(id(a)).toJson()));
                yield 0;
            }
            case "kill" -> kill(a);
            case "delete" -> delete(a);
            case "exec" -> exec(a);
            case "ps" -> ps(a);
            case "pause" -> {
                runtime().pause(id(a));
                yield 0;
            }
            case "resume" -> {
                runtime().resume(id(a));
                yield 0;
            }
            case "list" -> list(a);
            case "spec" -> spec(a);
            case "--help", "help" -> {
                out.print(HELP);
                yield 0;
            }
            default -> throw new Args.UsageException("unknown runtime command \"" + cmd + "\" (see berth runtime --help)");
        };
    }

    private static String id(Args a) {
        while (a.atFlag()) throw new Args.UsageException("unknown flag " + a.peek());
        String id = a.required("container id");
        a.end();
        return id;
    }

    private int create(Args a, boolean run) throws IOException {
        Path bundle = Path.of(".");
        String console = null;
        Path pidFile = null;
        boolean detach = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "--bundle", "-b" -> bundle = Path.of(a.value(f));
                case "--console-socket" -> console = a.value(f);
                case "--pid-file" -> pidFile = Path.of(a.value(f));
                case "--detach", "-d" -> detach = true;
                case "--no-pivot", "--no-new-keyring" -> { }
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        String id = a.required("container id");
        a.end();
        ContainerRuntime rt = runtime();
        ContainerRuntime.CreateOptions o = new ContainerRuntime.CreateOptions(id, bundle, console, pidFile);
        if (!run) {
            rt.create(o).close();
            return 0;
        }
        if (detach) {
            rt.create(o).close();
            rt.start(id);
            return 0;
        }
        return rt.run(o);
    }

    private int kill(Args a) throws IOException {
        boolean all = false;
        List<String> pos = new ArrayList<>();
        while (a.hasNext()) {
            String x = a.next();
            if (x.equals("--all") || x.equals("-a")) all = true;
            else pos.add(x);
        }
        if (pos.isEmpty() || pos.size() > 2) throw new Args.UsageException("usage: berth runtime kill [--all] ID [SIGNAL]");
        runtime().kill(pos.get(0), Signals.parse(pos.size() > 1 ? pos.get(1) : "TERM"), all);
        return 0;
    }

    private int delete(Args a) throws IOException {
        boolean force = false;
        while (a.atFlag()) {
            String f = a.next();
            if (f.equals("--force") || f.equals("-f")) force = true;
            else throw new Args.UsageException("unknown flag " + f);
        }
        String id = a.required("container id");
        a.end();
        runtime().delete(id, force);
        return 0;
    }

    private int exec(Args a) throws IOException {
        Path process = null, pidFile = null;
        String console = null, cwd = null, user = null;
        boolean tty = false, detach = false;
        List<String> env = new ArrayList<>();
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "--process", "-p" -> process = Path.of(a.value(f));
                case "--tty", "-t" -> tty = true;
                case "--detach", "-d" -> detach = true;
                case "--console-socket" -> console = a.value(f);
                case "--pid-file" -> pidFile = Path.of(a.value(f));
                case "--env", "-e" -> env.add(a.value(f));
                case "--cwd" -> cwd = a.value(f);
                case "--user", "-u" -> user = a.value(f);
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        String id = a.required("container id");
        List<String> cmd = a.rest();
        ContainerRuntime rt = runtime();
        RuntimeSpec.Process p;
        if (process != null) {
            String json = "{\"ociVersion\":\"1.0.2\",\"root\":{\"path\":\"/\"},\"process\":" + Files.readString(process) + "}";
            p = RuntimeSpecReader.parse(json, process.toString()).process();
        } else {
            if (cmd.isEmpty()) throw new Args.UsageException("exec needs a command or --process FILE");
            // Defaults come from the container's own process: env, cwd, user, capabilities, no_new_privs.
            RuntimeSpec.Process base = RuntimeSpecReader.read(rt.root().resolve(id).resolve("config.json")).process();
            List<String> e = new ArrayList<>(base.env());
            e.addAll(env);
            RuntimeSpec.User u = base.user();
            if (user != null) {
                String[] ug = user.split(":");
                u = new RuntimeSpec.User(Long.parseLong(ug[0]), ug.length > 1 ? Long.parseLong(ug[1]) : 0, u.umask(), List.of());
            }
            p = new RuntimeSpec.Process(tty, u, cmd, e, cwd != null ? cwd : base.cwd(), base.capabilities(), List.of(),
                    base.noNewPrivileges(), null, null, null);
        }
        return rt.exec(id, p, new ContainerRuntime.ExecOptions(console, detach, pidFile));
    }

    private int ps(Args a) throws IOException {
        String format = "table";
        while (a.atFlag()) {
            String f = a.next();
            if (Args.name(f).equals("--format") || f.equals("-f")) format = a.value(f);
            else throw new Args.UsageException("unknown flag " + f);
        }
        String id = a.required("container id");
        a.end();
        List<Long> pids = runtime().ps(id);
        if (format.equals("json")) {
            out.println(Json.write(pids));
        } else {
            out.println("PID");
            for (long p : pids) out.println(p);
        }
        return 0;
    }

    private int list(Args a) throws IOException {
        boolean quiet = false;
        while (a.atFlag()) {
            String f = a.next();
            if (f.equals("-q") || f.equals("--quiet")) quiet = true;
            else throw new Args.UsageException("unknown flag " + f);
        }
        a.end();
        List<ContainerState> all = runtime().list();
        if (!quiet) out.printf("%-20s %-8s %-10s %-40s %s%n", "ID", "PID", "STATUS", "BUNDLE", "CREATED");
        for (ContainerState s : all) {
            if (quiet) out.println(s.id());
            else out.printf("%-20s %-8d %-10s %-40s %s%n", s.id(), s.status() == ContainerState.Status.STOPPED ? 0 : s.pid(),
                    s.status().json(), s.bundle(), s.created());
        }
        return 0;
    }

    private int spec(Args a) throws IOException {
        Path bundle = Path.of(".");
        Path busybox = null;
        Long memory = null, pids = null;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "--bundle", "-b" -> bundle = Path.of(a.value(f));
                case "--busybox" -> busybox = Path.of(a.value(f));
                case "--memory", "-m" -> memory = bytes(a.value(f));
                case "--pids-limit" -> pids = Long.parseLong(a.value(f));
                default -> throw new Args.UsageException("unknown flag " + f);
            }
        }
        List<String> cmd = a.rest();
        List<String> args = cmd.isEmpty() ? List.of("sh") : cmd;
        Path config = (busybox != null ? busybox : bundle).resolve("config.json");
        if (busybox != null) {
            BusyboxBundle.create(busybox, args);
        } else {
            if (Files.exists(config)) throw new IllegalStateException(config + " already exists");
            Files.writeString(config, Json.writePretty(DefaultSpec.json(args, cmd.isEmpty())));
        }
        if (memory != null || pids != null) {
            @SuppressWarnings("unchecked")
            java.util.Map<String, Object> c = (java.util.Map<String, Object>) Json.parse(Files.readString(config), config.toString());
            @SuppressWarnings("unchecked")
            java.util.Map<String, Object> res = (java.util.Map<String, Object>) ((java.util.Map<String, Object>) c.get("linux")).get("resources");
            if (memory != null) res.put("memory", Json.obj("limit", memory));
            if (pids != null) res.put("pids", Json.obj("limit", pids));
            Files.writeString(config, Json.writePretty(c));
        }
        if (busybox != null) out.println("bundle ready: " + busybox.toAbsolutePath() + " (config.json + rootfs from " + BusyboxBundle.BUSYBOX + ")");
        return 0;
    }

    /** 64m, 512k, 1g or plain bytes, as docker's --memory takes them. */
    static long bytes(String v) {
        String s = v.trim().toLowerCase();
        long mult = switch (s.isEmpty() ? ' ' : s.charAt(s.length() - 1)) {
            case 'k' -> 1L << 10;
            case 'm' -> 1L << 20;
            case 'g' -> 1L << 30;
            default -> 1;
        };
        try {
            return Long.parseLong(mult == 1 ? s : s.substring(0, s.length() - 1)) * mult;
        } catch (NumberFormatException e) {
            throw new Args.UsageException("invalid size \"" + v + "\" (use bytes or a k, m, g suffix)");
        }
    }
}
