package dev.berth.cli;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * {@code berth run} and {@code berth create}'s flags, docker's names and meanings, turned into the body of
 * {@code POST /containers/create} (Config, HostConfig and NetworkingConfig in one object, as the docker CLI
 * sends it).
 */
final class RunFlags {
    String name, platform, pull = "missing";
    boolean detach, interactive, tty, rm, quiet, sigProxy = true;
    String image;
    final Map<String, Object> config = new LinkedHashMap<>();
    final Map<String, Object> host = new LinkedHashMap<>();
    private final Map<String, Object> endpoints = new LinkedHashMap<>();
    private final List<String> env = new ArrayList<>(), binds = new ArrayList<>(), capAdd = new ArrayList<>(), capDrop = new ArrayList<>(),
            dns = new ArrayList<>(), extraHosts = new ArrayList<>(), aliases = new ArrayList<>();
    private final Map<String, Object> labels = new LinkedHashMap<>(), volumes = new LinkedHashMap<>(), exposed = new LinkedHashMap<>(),
            ports = new LinkedHashMap<>(), tmpfs = new LinkedHashMap<>(), health = new LinkedHashMap<>(), logOpts = new LinkedHashMap<>();
    private final List<Object> mounts = new ArrayList<>();
    private String network = "default", logDriver;

    /** Short boolean flags that docker lets one combine ("-it", "-dit"). */
    static final String COMBINABLE = "dit";

    /** Reads the flags up to the image; the rest is the command. */
    static RunFlags parse(Args a, boolean run) {
        RunFlags r = new RunFlags();
        while (a.atFlag()) {
            String f = a.next();
            if (f.length() > 2 && f.charAt(1) != '-' && f.indexOf('=') < 0 && combined(f)) {
                for (int i = 1; i < f.length(); i++) r.flag("-" + f.charAt(i), a, run);
            } else {
                r.flag(f, a, run);
            }
        }
        r.image = a.required("image (usage: berth " + (run ? "run" : "create") + " [OPTIONS] IMAGE [COMMAND] [ARG...])");
        List<String> cmd = a.rest();
        r.config.put("Cmd", cmd.isEmpty() ? null : cmd);
        return r;
    }

    private static boolean combined(String f) {
        for (int i = 1; i < f.length(); i++) if (COMBINABLE.indexOf(f.charAt(i)) < 0) return false;
        return true;
    }

    private void flag(String f, Args a, boolean run) {
        switch (Args.name(f)) {
            case "-d", "--detach" -> {
                if (!run) throw new Args.UsageException("unknown flag " + f);
                detach = true;
            }
            case "-i", "--interactive" -> interactive = true;
            case "-t", "--tty" -> tty = true;
            case "--rm" -> rm = true;
            case "-q", "--quiet" -> quiet = true;
            case "--name" -> name = a.value(f);
            case "--platform" -> platform = a.value(f);
            case "--pull" -> pull = a.value(f);
            case "-e", "--env" -> env(a.value(f));
            case "--env-file" -> envFile(a.value(f));
            case "-v", "--volume" -> {
                String v = a.value(f);
                if (v.indexOf(':') < 0) volumes.put(v, Map.of());
                else binds.add(v);
            }
            case "--mount" -> mounts.add(mount(a.value(f)));
            case "-p", "--publish" -> publish(a.value(f));
            case "-P", "--publish-all" -> host.put("PublishAllPorts", true);
            case "--expose" -> exposed.put(proto(a.value(f)), Map.of());
            case "--network", "--net" -> network = a.value(f);
            case "--network-alias", "--net-alias" -> aliases.add(a.value(f));
            case "-w", "--workdir" -> config.put("WorkingDir", a.value(f));
            case "-u", "--user" -> config.put("User", a.value(f));
            case "--entrypoint" -> {
                String e = a.value(f);
                config.put("Entrypoint", List.of(e));
            }
            case "-l", "--label" -> {
                String l = a.value(f);
                int eq = l.indexOf('=');
                labels.put(eq < 0 ? l : l.substring(0, eq), eq < 0 ? "" : l.substring(eq + 1));
            }
            case "-h", "--hostname" -> config.put("Hostname", a.value(f));
            case "--domainname" -> config.put("Domainname", a.value(f));
            case "-m", "--memory" -> host.put("Memory", bytes(f, a.value(f)));
            case "--memory-swap" -> host.put("MemorySwap", a.value(f).equals("-1") ? -1L : bytes(f, a.value(f)));
            case "--shm-size" -> host.put("ShmSize", bytes(f, a.value(f)));
            case "--cpus" -> {
                String v = a.value(f);
                try {
                    host.put("NanoCpus", Math.round(Double.parseDouble(v) * 1e9));
                } catch (NumberFormatException e) {
                    throw new Args.UsageException("--cpus: not a number: \"" + v + "\"");
                }
            }
            case "-c", "--cpu-shares" -> host.put("CpuShares", number(f, a.value(f)));
            case "--cpuset-cpus" -> host.put("CpusetCpus", a.value(f));
            case "--pids-limit" -> host.put("PidsLimit", number(f, a.value(f)));
            case "--restart" -> host.put("RestartPolicy", restart(a.value(f)));
            case "--init" -> host.put("Init", true);
            case "--read-only" -> host.put("ReadonlyRootfs", true);
            case "--privileged" -> host.put("Privileged", true);
            case "--cap-add" -> capAdd.addAll(DockerClient.split(a.value(f), ','));
            case "--cap-drop" -> capDrop.addAll(DockerClient.split(a.value(f), ','));
            case "--tmpfs" -> {
                String t = a.value(f);
                int c = t.indexOf(':');
                tmpfs.put(c < 0 ? t : t.substring(0, c), c < 0 ? "" : t.substring(c + 1));
            }
            case "--dns" -> dns.add(a.value(f));
            case "--add-host" -> extraHosts.add(a.value(f));
            case "--stop-signal" -> config.put("StopSignal", a.value(f));
            case "--stop-timeout" -> config.put("StopTimeout", number(f, a.value(f)));
            case "--log-driver" -> logDriver = a.value(f);
            case "--log-opt" -> {
                String o = a.value(f);
                int eq = o.indexOf('=');
                logOpts.put(eq < 0 ? o : o.substring(0, eq), eq < 0 ? "" : o.substring(eq + 1));
            }
            case "--health-cmd" -> health.put("Test", List.of("CMD-SHELL", a.value(f)));
            case "--health-interval" -> health.put("Interval", Durations.nanos(f, a.value(f)));
            case "--health-timeout" -> health.put("Timeout", Durations.nanos(f, a.value(f)));
            case "--health-start-period" -> health.put("StartPeriod", Durations.nanos(f, a.value(f)));
            case "--health-start-interval" -> health.put("StartInterval", Durations.nanos(f, a.value(f)));
            case "--health-retries" -> health.put("Retries", number(f, a.value(f)));
            case "--no-healthcheck" -> health.put("Test", List.of("NONE"));
            case "--sig-proxy" -> sigProxy = !f.endsWith("=false");
            case "--detach-keys", "-a", "--attach" -> a.value(f);
            default -> throw new Args.UsageException("unknown flag: " + f + " (see berth " + (run ? "run" : "create") + " --help)");
        }
    }

    private void env(String e) {
        if (e.indexOf('=') >= 0) env.add(e);
        else if (System.getenv(e) != null) env.add(e + "=" + System.getenv(e));
    }

    private void envFile(String file) {
        try {
            for (String l : Files.readAllLines(Path.of(file))) {
                String t = l.strip();
                if (t.isEmpty() || t.startsWith("#")) continue;
                env(t);
            }
        } catch (IOException e) {
            throw new Args.UsageException("--env-file: cannot read " + file + ": " + e.getMessage());
        }
    }

    /** --mount type=bind,source=/a,target=/b,readonly (docker's keys and their aliases). */
    private static Map<String, Object> mount(String spec) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Type", "volume");
        for (String kv : DockerClient.split(spec, ',')) {
            int eq = kv.indexOf('=');
            String k = eq < 0 ? kv : kv.substring(0, eq), v = eq < 0 ? "true" : kv.substring(eq + 1);
            switch (k) {
                case "type" -> m.put("Type", v);
                case "source", "src" -> m.put("Source", v);
                case "target", "destination", "dst" -> m.put("Target", v);
                case "readonly", "ro" -> m.put("ReadOnly", !v.equals("false") && !v.equals("0"));
                case "bind-propagation" -> m.put("BindOptions", Map.of("Propagation", v));
                case "volume-nocopy" -> m.put("VolumeOptions", Map.of("NoCopy", true));
                case "tmpfs-size" -> m.put("TmpfsOptions", Map.of("SizeBytes", bytes("--mount tmpfs-size", v)));
                case "consistency" -> { }
                default -> throw new Args.UsageException("--mount: unknown key \"" + k + "\" in \"" + spec + "\"");
            }
        }
        if (!m.containsKey("Target")) throw new Args.UsageException("--mount: target is required in \"" + spec + "\"");
        return m;
    }

    /** -p [ip:][hostPort:]containerPort[/proto], ranges included ("8080-8081:80-81"). */
    private void publish(String spec) {
        String s = spec, ip = "", hostPort = "";
        int lastColon = s.lastIndexOf(':');
        String containerPort = lastColon < 0 ? s : s.substring(lastColon + 1);
        if (lastColon >= 0) {
            String front = s.substring(0, lastColon);
            int c = front.lastIndexOf(':');
            if (c < 0) hostPort = front;
            else {
                ip = front.substring(0, c).replace("[", "").replace("]", "");
                hostPort = front.substring(c + 1);
            }
        }
        String proto = "tcp";
        int slash = containerPort.indexOf('/');
        if (slash >= 0) {
            proto = containerPort.substring(slash + 1);
            containerPort = containerPort.substring(0, slash);
        }
        int[] cr = range(containerPort, spec), hr = hostPort.isEmpty() ? null : range(hostPort, spec);
        if (hr != null && hr[1] - hr[0] != cr[1] - cr[0] && hr[0] != hr[1]) throw new Args.UsageException("-p: port ranges differ in size in \"" + spec + "\"");
        for (int p = cr[0]; p <= cr[1]; p++) {
            String key = p + "/" + proto;
            exposed.put(key, Map.of());
            String hp = hr == null ? "" : hr[0] == hr[1] ? Integer.toString(hr[0]) : Integer.toString(hr[0] + p - cr[0]);
            @SuppressWarnings("unchecked")
            List<Object> l = (List<Object>) ports.computeIfAbsent(key, k -> new ArrayList<>());
            l.add(Map.of("HostIp", ip, "HostPort", hp));
        }
    }

    private static int[] range(String r, String spec) {
        try {
            int dash = r.indexOf('-');
            int lo = Integer.parseInt(dash < 0 ? r : r.substring(0, dash)), hi = dash < 0 ? lo : Integer.parseInt(r.substring(dash + 1));
            if (lo < 1 || hi > 65535 || hi < lo) throw new NumberFormatException();
            return new int[]{lo, hi};
        } catch (NumberFormatException e) {
            throw new Args.UsageException("-p: invalid port \"" + r + "\" in \"" + spec + "\"");
        }
    }

    private static String proto(String p) {
        return p.contains("/") ? p : p + "/tcp";
    }

    static Map<String, Object> restart(String v) {
        int c = v.indexOf(':');
        String n = c < 0 ? v : v.substring(0, c);
        if (!List.of("no", "always", "unless-stopped", "on-failure").contains(n)) {
            throw new Args.UsageException("--restart: invalid policy \"" + v + "\" (no, always, unless-stopped, on-failure[:N])");
        }
        return Map.of("Name", n.equals("no") ? "" : n, "MaximumRetryCount", c < 0 ? 0L : number("--restart", v.substring(c + 1)));
    }

    static long number(String flag, String v) {
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new Args.UsageException(Args.name(flag) + ": not a number: \"" + v + "\"");
        }
    }

    /** docker's RAMInBytes: 512m, 1g, 100k, 1024 (binary units; b, k, m, g, t, with an optional trailing b). */
    static long bytes(String flag, String v) {
        String s = v.trim().toLowerCase();
        if (s.endsWith("b") && s.length() > 1 && !Character.isDigit(s.charAt(s.length() - 2))) s = s.substring(0, s.length() - 1);
        long mult = 1;
        char u = s.isEmpty() ? ' ' : s.charAt(s.length() - 1);
        int exp = "bkmgtp".indexOf(u);
        if (exp >= 0) {
            s = s.substring(0, s.length() - 1);
            for (int i = 0; i < exp; i++) mult *= 1024;
        }
        try {
            return Math.round(Double.parseDouble(s) * mult);
        } catch (NumberFormatException e) {
            throw new Args.UsageException(Args.name(flag) + ": invalid size \"" + v + "\" (e.g. 512m, 1g)");
        }
    }

    /** The create body, with docker's defaults for what was not given. */
    Map<String, Object> body() {
        Map<String, Object> b = new LinkedHashMap<>();
        if (!config.containsKey("Hostname")) config.put("Hostname", "");
        config.put("AttachStdin", interactive && !detach);
        config.put("AttachStdout", !detach);
        config.put("AttachStderr", !detach);
        if (!exposed.isEmpty()) config.put("ExposedPorts", exposed);
        config.put("Tty", tty);
        config.put("OpenStdin", interactive);
        config.put("StdinOnce", interactive && !detach);
        config.put("Env", env);
        config.put("Image", image);
        if (!volumes.isEmpty()) config.put("Volumes", volumes);
        if (!labels.isEmpty()) config.put("Labels", labels);
        if (!health.isEmpty()) config.put("Healthcheck", health);
        b.putAll(config);
        host.put("Binds", binds.isEmpty() ? null : binds);
        host.put("NetworkMode", network);
        if (!ports.isEmpty()) host.put("PortBindings", ports);
        host.put("AutoRemove", rm);
        if (!capAdd.isEmpty()) host.put("CapAdd", capAdd);
        if (!capDrop.isEmpty()) host.put("CapDrop", capDrop);
        if (!dns.isEmpty()) host.put("Dns", dns);
        if (!extraHosts.isEmpty()) host.put("ExtraHosts", extraHosts);
        if (!tmpfs.isEmpty()) host.put("Tmpfs", tmpfs);
        if (!mounts.isEmpty()) host.put("Mounts", mounts);
        if (logDriver != null || !logOpts.isEmpty()) host.put("LogConfig", Map.of("Type", logDriver == null ? "" : logDriver, "Config", logOpts));
        if (tty) {
            int[] size = Tty.size();
            if (size != null) host.put("ConsoleSize", List.of(size[0], size[1]));
        }
        b.put("HostConfig", host);
        if (!aliases.isEmpty()) endpoints.put(network, Map.of("Aliases", aliases));
        b.put("NetworkingConfig", Map.of("EndpointsConfig", endpoints));
        return b;
    }

    /** Go durations as docker takes them ("30s", "1m30s", "500ms", "2h"). */
    static final class Durations {
        private Durations() {}

        static long nanos(String flag, String v) {
            String s = v.trim();
            if (s.equals("0")) return 0;
            long total = 0;
            int i = 0;
            while (i < s.length()) {
                int start = i;
                while (i < s.length() && (Character.isDigit(s.charAt(i)) || s.charAt(i) == '.')) i++;
                int ustart = i;
                while (i < s.length() && Character.isLetter(s.charAt(i))) i++;
                if (start == ustart || ustart == i) throw new Args.UsageException(Args.name(flag) + ": invalid duration \"" + v + "\" (e.g. 30s, 1m30s)");
                double n = Double.parseDouble(s.substring(start, ustart));
                long unit = switch (s.substring(ustart, i)) {
                    case "ns" -> 1L;
                    case "us", "µs" -> 1_000L;
                    case "ms" -> 1_000_000L;
                    case "s" -> 1_000_000_000L;
                    case "m" -> 60_000_000_000L;
                    case "h" -> 3_600_000_000_000L;
                    default -> throw new Args.UsageException(Args.name(flag) + ": invalid duration \"" + v + "\" (units ns, us, ms, s, m, h)");
                };
                total += Math.round(n * unit);
            }
            return total;
        }
    }
}
