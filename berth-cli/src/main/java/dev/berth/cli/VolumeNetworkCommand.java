package dev.berth.cli;

import java.io.IOException;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** {@code berth volume ...} and {@code berth network ...} through the daemon, docker's flags and output. */
final class VolumeNetworkCommand {
    private final DockerClient api;
    private final PrintStream out, err;
    private final ContainerCommand containers;

    VolumeNetworkCommand(DockerClient api, PrintStream out, PrintStream err, ContainerCommand containers) {
        this.api = api;
        this.out = out;
        this.err = err;
        this.containers = containers;
    }

    int volume(String cmd, Args a) throws IOException {
        return switch (cmd) {
            case "create" -> volumeCreate(a);
            case "ls", "list" -> volumeLs(a);
            case "inspect" -> containers.inspect(a, "volume");
            case "rm", "remove" -> remove(a, "/volumes/", "volume");
            case "prune" -> prune(a, "/volumes/prune", "VolumesDeleted", "Deleted Volumes:", "WARNING! This will remove anonymous local volumes not used by at least one container.");
            default -> throw new Args.UsageException("volume needs a command: create, ls, inspect, rm, prune");
        };
    }

    int network(String cmd, Args a) throws IOException {
        return switch (cmd) {
            case "create" -> networkCreate(a);
            case "ls", "list" -> networkLs(a);
            case "inspect" -> containers.inspect(a, "network");
            case "rm", "remove" -> remove(a, "/networks/", "network");
            case "connect", "disconnect" -> connect(cmd, a);
            case "prune" -> prune(a, "/networks/prune", "NetworksDeleted", "Deleted Networks:", "WARNING! This will remove all custom networks not used by at least one container.");
            default -> throw new Args.UsageException("network needs a command: create, ls, inspect, rm, connect, disconnect, prune");
        };
    }

    private int volumeCreate(Args a) throws IOException {
        String name = null, driver = "local";
        Map<String, String> labels = new LinkedHashMap<>(), opts = new LinkedHashMap<>();
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "--name" -> name = a.value(f);
                case "-d", "--driver" -> driver = a.value(f);
                case "--label" -> kv(labels, a.value(f));
                case "-o", "--opt" -> kv(opts, a.value(f));
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        if (a.hasNext()) name = a.next();
        a.end();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Name", name == null ? "" : name);
        body.put("Driver", driver);
        body.put("DriverOpts", opts);
        body.put("Labels", labels);
        out.println(api.object("POST", "/volumes/create", body).get("Name"));
        return 0;
    }

    private static void kv(Map<String, String> m, String kv) {
        int eq = kv.indexOf('=');
        m.put(eq < 0 ? kv : kv.substring(0, eq), eq < 0 ? "" : kv.substring(eq + 1));
    }

    private int volumeLs(Args a) throws IOException {
        boolean quiet = false;
        String format = null, filters = null;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-q", "--quiet" -> quiet = true;
                case "--format" -> format = a.value(f);
                case "-f", "--filter" -> filters = ContainerCommand.Filters.add(filters, a.value(f));
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        a.end();
        Map<String, Object> r = api.object("GET", "/volumes" + (filters == null ? "" : "?filters=" + DockerClient.q(filters)), null);
        List<Map<String, Object>> rows = new ArrayList<>();
        if (r.get("Volumes") instanceof List<?> l) for (Object o : l) {
            Map<?, ?> v = (Map<?, ?>) o;
            if (quiet) {
                out.println(v.get("Name"));
                continue;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("Driver", String.valueOf(v.get("Driver")));
            row.put("Labels", ContainerCommand.labels(v.get("Labels")));
            row.put("Mountpoint", String.valueOf(v.get("Mountpoint")));
            row.put("Name", String.valueOf(v.get("Name")));
            row.put("Scope", String.valueOf(java.util.Objects.requireNonNullElse(v.get("Scope"), "local")));
            rows.add(row);
        }
        if (quiet) return 0;
        if (format == null || format.equals("table")) format = "table {{.Driver}}\t{{.Name}}";
        Template.print(out, format, rows, Map.of("Driver", "DRIVER", "Name", "VOLUME NAME", "Mountpoint", "MOUNTPOINT", "Scope", "SCOPE", "Labels", "LABELS"));
        return 0;
    }

    private int networkCreate(Args a) throws IOException {
        String driver = "bridge", subnet = null, gateway = null, ipRange = null;
        boolean internal = false, attachable = false, ipv6 = false;
        Map<String, String> labels = new LinkedHashMap<>(), opts = new LinkedHashMap<>();
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-d", "--driver" -> driver = a.value(f);
                case "--subnet" -> subnet = a.value(f);
                case "--gateway" -> gateway = a.value(f);
                case "--ip-range" -> ipRange = a.value(f);
                case "--internal" -> internal = true;
                case "--attachable" -> attachable = true;
                case "--ipv6" -> ipv6 = true;
                case "--label" -> kv(labels, a.value(f));
                case "-o", "--opt" -> kv(opts, a.value(f));
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        String name = a.required("network name");
        a.end();
        List<Object> config = new ArrayList<>();
        if (subnet != null) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("Subnet", subnet);
            if (gateway != null) c.put("Gateway", gateway);
            if (ipRange != null) c.put("IPRange", ipRange);
            config.add(c);
        }
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Name", name);
        body.put("Driver", driver);
        body.put("IPAM", Map.of("Driver", "default", "Config", config, "Options", Map.of()));
        body.put("Internal", internal);
        body.put("Attachable", attachable);
        body.put("EnableIPv6", ipv6);
        body.put("Options", opts);
        body.put("Labels", labels);
        out.println(api.object("POST", "/networks/create", body).get("Id"));
        return 0;
    }

    private int networkLs(Args a) throws IOException {
        boolean quiet = false, noTrunc = false;
        String format = null, filters = null;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-q", "--quiet" -> quiet = true;
                case "--no-trunc" -> noTrunc = true;
                case "--format" -> format = a.value(f);
                case "-f", "--filter" -> filters = ContainerCommand.Filters.add(filters, a.value(f));
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        a.end();
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Object o : api.list("/networks" + (filters == null ? "" : "?filters=" + DockerClient.q(filters)))) {
            Map<?, ?> n = (Map<?, ?>) o;
            String id = ContainerCommand.trunc(String.valueOf(n.get("Id")), noTrunc);
            if (quiet) {
                out.println(id);
                continue;
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("CreatedAt", String.valueOf(n.get("Created")));
            row.put("Driver", String.valueOf(n.get("Driver")));
            row.put("ID", id);
            row.put("IPv6", String.valueOf(Boolean.TRUE.equals(n.get("EnableIPv6"))));
            row.put("Internal", String.valueOf(Boolean.TRUE.equals(n.get("Internal"))));
            row.put("Labels", ContainerCommand.labels(n.get("Labels")));
            row.put("Name", String.valueOf(n.get("Name")));
            row.put("Scope", String.valueOf(java.util.Objects.requireNonNullElse(n.get("Scope"), "local")));
            rows.add(row);
        }
        if (quiet) return 0;
        if (format == null || format.equals("table")) format = "table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}";
        Template.print(out, format, rows, Map.of("ID", "NETWORK ID", "Name", "NAME", "Driver", "DRIVER", "Scope", "SCOPE", "IPv6", "IPV6",
                "Internal", "INTERNAL", "Labels", "LABELS", "CreatedAt", "CREATED AT"));
        return 0;
    }

    private int remove(Args a, String prefix, String what) throws IOException {
        boolean force = false;
        while (a.atFlag()) {
            String f = a.next();
            if (Args.name(f).equals("-f") || Args.name(f).equals("--force")) force = true;
            else throw new Args.UsageException("unknown flag: " + f);
        }
        List<String> names = a.rest();
        if (names.isEmpty()) throw new Args.UsageException(what + " rm needs at least one " + what);
        int status = 0;
        for (String n : names) {
            try {
                api.call("DELETE", prefix + DockerClient.q(n) + (force && what.equals("volume") ? "?force=1" : ""), null);
                out.println(n);
            } catch (DockerClient.ApiError e) {
                if (force && e.status == 404) continue;
                err.println(e.getMessage());
                status = 1;
            }
        }
        return status;
    }

    private int connect(String verb, Args a) throws IOException {
        List<String> aliases = new ArrayList<>();
        String ip = null, ip6 = null;
        boolean force = false;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "--alias" -> aliases.add(a.value(f));
                case "--ip" -> ip = a.value(f);
                case "--ip6" -> ip6 = a.value(f);
                case "-f", "--force" -> force = true;
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        String net = a.required("network"), container = a.required("container");
        a.end();
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("Container", container);
        if (verb.equals("connect")) {
            Map<String, Object> ep = new LinkedHashMap<>();
            ep.put("Aliases", aliases);
            if (ip != null || ip6 != null) {
                Map<String, Object> ipam = new LinkedHashMap<>();
                if (ip != null) ipam.put("IPv4Address", ip);
                if (ip6 != null) ipam.put("IPv6Address", ip6);
                ep.put("IPAMConfig", ipam);
            }
            body.put("EndpointConfig", ep);
        } else {
            body.put("Force", force);
        }
        api.call("POST", "/networks/" + DockerClient.q(net) + "/" + verb, body);
        return 0;
    }

    private int prune(Args a, String path, String key, String title, String warning) throws IOException {
        boolean force = false, all = false;
        String filters = null;
        while (a.atFlag()) {
            String f = a.next();
            switch (Args.name(f)) {
                case "-f", "--force" -> force = true;
                case "-a", "--all" -> all = true;
                case "--filter" -> filters = ContainerCommand.Filters.add(filters, a.value(f));
                default -> throw new Args.UsageException("unknown flag: " + f);
            }
        }
        a.end();
        if (all && path.startsWith("/volumes")) filters = ContainerCommand.Filters.add(filters, "all=true");
        if (!force && !containers.confirm(warning)) return 0;
        Map<String, Object> r = api.object("POST", path + (filters == null ? "" : "?filters=" + DockerClient.q(filters)), null);
        ContainerCommand.printPruned(out, title, r.get(key), r.get("SpaceReclaimed"));
        return 0;
    }
}
