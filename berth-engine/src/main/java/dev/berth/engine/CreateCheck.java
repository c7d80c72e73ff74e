package dev.berth.engine;

import dev.berth.oci.image.ImageReference;
import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Everything a create request can be refused for, checked before anything is made (so a refused create leaves
 * nothing behind), with moby's wording: the JSON types of the fields docker's Config and HostConfig declare (as
 * Go's decoder refuses a string for an int64), the image reference, resource values
 * (verifyPlatformContainerResources), binds, mounts, tmpfs and ulimits (the volume parser), the restart policy.
 * Nulls read as absent and unknown fields are ignored, as docker does. A string {@code Cmd}, {@code Entrypoint}
 * or {@code Shell} is docker's one-element strslice: it is rewritten as a list here.
 */
final class CreateCheck {
    /** The JSON kinds of Go's types: string, bool, int64, []string, strslice, map[string]string, any object. */
    private enum Kind { STRING, BOOL, INT, STRINGS, STRSLICE, STRING_MAP, OBJECT, INTS }

    private static final Map<String, Object> HEALTH = Map.of("Test", Kind.STRINGS, "Interval", Kind.INT, "Timeout", Kind.INT,
            "StartPeriod", Kind.INT, "StartInterval", Kind.INT, "Retries", Kind.INT);
    private static final Map<String, Object> CONFIG = Map.ofEntries(
            Map.entry("Hostname", Kind.STRING), Map.entry("Domainname", Kind.STRING), Map.entry("User", Kind.STRING),
            Map.entry("AttachStdin", Kind.BOOL), Map.entry("AttachStdout", Kind.BOOL), Map.entry("AttachStderr", Kind.BOOL),
            Map.entry("ExposedPorts", Kind.OBJECT), Map.entry("Tty", Kind.BOOL), Map.entry("OpenStdin", Kind.BOOL),
            Map.entry("StdinOnce", Kind.BOOL), Map.entry("Env", Kind.STRINGS), Map.entry("Cmd", Kind.STRSLICE),
            Map.entry("Healthcheck", HEALTH), Map.entry("ArgsEscaped", Kind.BOOL), Map.entry("Image", Kind.STRING),
            Map.entry("Volumes", Kind.OBJECT), Map.entry("WorkingDir", Kind.STRING), Map.entry("Entrypoint", Kind.STRSLICE),
            Map.entry("NetworkDisabled", Kind.BOOL), Map.entry("MacAddress", Kind.STRING), Map.entry("OnBuild", Kind.STRINGS),
            Map.entry("Labels", Kind.STRING_MAP), Map.entry("StopSignal", Kind.STRING), Map.entry("StopTimeout", Kind.INT),
            Map.entry("Shell", Kind.STRSLICE), Map.entry("NetworkingConfig", Kind.OBJECT));
    private static final Map<String, Object> ULIMIT = Map.of("Name", Kind.STRING, "Soft", Kind.INT, "Hard", Kind.INT);
    private static final Map<String, Object> DEVICE = Map.of("PathOnHost", Kind.STRING, "PathInContainer", Kind.STRING, "CgroupPermissions", Kind.STRING);
    private static final Map<String, Object> MOUNT = Map.of("Type", Kind.STRING, "Source", Kind.STRING, "Target", Kind.STRING,
            "ReadOnly", Kind.BOOL, "Consistency", Kind.STRING, "BindOptions", Kind.OBJECT, "VolumeOptions", Kind.OBJECT,
            "TmpfsOptions", Map.of("SizeBytes", Kind.INT, "Mode", Kind.INT));
    private static final Map<String, Object> HOST = Map.ofEntries(
            Map.entry("Binds", Kind.STRINGS), Map.entry("ContainerIDFile", Kind.STRING),
            Map.entry("LogConfig", Map.of("Type", Kind.STRING, "Config", Kind.STRING_MAP)), Map.entry("NetworkMode", Kind.STRING),
            Map.entry("PortBindings", Kind.OBJECT), Map.entry("RestartPolicy", Map.of("Name", Kind.STRING, "MaximumRetryCount", Kind.INT)),
            Map.entry("AutoRemove", Kind.BOOL), Map.entry("VolumeDriver", Kind.STRING), Map.entry("VolumesFrom", Kind.STRINGS),
            Map.entry("ConsoleSize", Kind.INTS), Map.entry("Annotations", Kind.STRING_MAP), Map.entry("CapAdd", Kind.STRINGS),
            Map.entry("CapDrop", Kind.STRINGS), Map.entry("CgroupnsMode", Kind.STRING), Map.entry("Dns", Kind.STRINGS),
            Map.entry("DnsOptions", Kind.STRINGS), Map.entry("DnsSearch", Kind.STRINGS), Map.entry("ExtraHosts", Kind.STRINGS),
            Map.entry("GroupAdd", Kind.STRINGS), Map.entry("IpcMode", Kind.STRING), Map.entry("Cgroup", Kind.STRING),
            Map.entry("Links", Kind.STRINGS), Map.entry("OomScoreAdj", Kind.INT), Map.entry("PidMode", Kind.STRING),
            Map.entry("Privileged", Kind.BOOL), Map.entry("PublishAllPorts", Kind.BOOL), Map.entry("ReadonlyRootfs", Kind.BOOL),
            Map.entry("SecurityOpt", Kind.STRINGS), Map.entry("StorageOpt", Kind.STRING_MAP), Map.entry("Tmpfs", Kind.STRING_MAP),
            Map.entry("UTSMode", Kind.STRING), Map.entry("UsernsMode", Kind.STRING), Map.entry("ShmSize", Kind.INT),
            Map.entry("Sysctls", Kind.STRING_MAP), Map.entry("Runtime", Kind.STRING), Map.entry("Isolation", Kind.STRING),
            Map.entry("CpuShares", Kind.INT), Map.entry("Memory", Kind.INT), Map.entry("NanoCpus", Kind.INT),
            Map.entry("CgroupParent", Kind.STRING), Map.entry("BlkioWeight", Kind.INT), Map.entry("CpuPeriod", Kind.INT),
            Map.entry("CpuQuota", Kind.INT), Map.entry("CpuRealtimePeriod", Kind.INT), Map.entry("CpuRealtimeRuntime", Kind.INT),
            Map.entry("CpusetCpus", Kind.STRING), Map.entry("CpusetMems", Kind.STRING), Map.entry("DeviceCgroupRules", Kind.STRINGS),
            Map.entry("KernelMemory", Kind.INT), Map.entry("KernelMemoryTCP", Kind.INT), Map.entry("MemoryReservation", Kind.INT),
            Map.entry("MemorySwap", Kind.INT), Map.entry("MemorySwappiness", Kind.INT), Map.entry("OomKillDisable", Kind.BOOL),
            Map.entry("PidsLimit", Kind.INT), Map.entry("Ulimits", List.of(ULIMIT)), Map.entry("Init", Kind.BOOL),
            Map.entry("Mounts", List.of(MOUNT)), Map.entry("MaskedPaths", Kind.STRINGS), Map.entry("ReadonlyPaths", Kind.STRINGS),
            Map.entry("Devices", List.of(DEVICE)));

    private static final long MIN_MEMORY = 6 * 1024 * 1024;
    private static final Set<String> RLIMITS = Set.of("cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile", "memlock", "as",
            "locks", "sigpending", "msgqueue", "nice", "rtprio", "rttime");
    /** The -v modes moby's linux parser knows. */
    private static final Set<String> MODES = Set.of("rw", "ro", "z", "Z", "shared", "rshared", "slave", "rslave", "private", "rprivate",
            "nocopy", "consistent", "cached", "delegated");
    /** Mount flags (pkg/mount's table) and the tmpfs data options moby accepts in --tmpfs. */
    private static final Set<String> TMPFS_FLAGS = Set.of("ro", "rw", "suid", "nosuid", "dev", "nodev", "exec", "noexec", "sync", "async",
            "dirsync", "remount", "mand", "nomand", "atime", "noatime", "diratime", "nodiratime", "bind", "rbind", "unbindable",
            "runbindable", "private", "rprivate", "shared", "rshared", "slave", "rslave", "relatime", "norelatime", "strictatime",
            "nostrictatime");
    private static final Set<String> TMPFS_DATA = Set.of("size", "mode", "uid", "gid", "nr_inodes", "nr_blocks", "mpol");
    private static final Pattern VOLUME_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]+");
    private static final Pattern SIZE = Pattern.compile("\\d+[kKmMgG%]?");

    private CreateCheck() {}

    /** Refuses a create request with a 400 naming the field; rewrites string strslices as lists. */
    static void check(JsonObject body) {
        Map<String, Object> m = body.map();
        types(m, "", CONFIG);
        Object host = m.get("HostConfig");
        if (host != null && !(host instanceof Map<?, ?>)) throw cannot(host, "HostConfig", "container.HostConfig");
        if (host != null) types(cast(host), "HostConfig.", HOST);
        String image = body.string("Image", "");
        if (!image.isEmpty()) reference(image);
        config(body);
        if (host == null) return;
        JsonObject h = body.object("HostConfig");
        resources(h);
        RestartManager.validate(h.map());
        for (String b : h.strings("Binds")) bind(b);
        for (JsonObject mount : h.objects("Mounts")) mount(mount);
        h.stringMap("Tmpfs").forEach(CreateCheck::tmpfs);
        for (JsonObject u : h.objects("Ulimits")) ulimit(u);
        for (String opt : h.strings("SecurityOpt")) securityOpt(opt);
        cpuset(h.string("CpusetCpus", ""), "cpus", Runtime.getRuntime().availableProcessors());
        cpuset(h.string("CpusetMems", ""), "mems", -1);
        for (String cap : h.strings("CapAdd")) capability(cap);
        for (String cap : h.strings("CapDrop")) capability(cap);
        try { // --device and --device-cgroup-rule: refused at create, as moby does, not at start
            DeviceSpecs.apply(h, Json.obj("resources", Json.obj("devices", List.of())));
        } catch (java.io.IOException e) {
            throw new EngineException(400, "--device: " + e.getMessage());
        }
    }

    /** Config values moby's verifyContainerSettings refuses. */
    private static void config(JsonObject c) {
        String wd = c.string("WorkingDir", "");
        if (!wd.isEmpty() && !wd.startsWith("/")) throw bad("the working directory '" + wd + "' is invalid, it needs to be an absolute path");
        for (String e : c.strings("Env")) if (e.isEmpty() || e.startsWith("=")) throw bad("invalid environment variable: " + e);
        String stop = c.string("StopSignal", "");
        if (!stop.isEmpty()) {
            try {
                dev.berth.runtime.linux.Signals.parse(stop);
            } catch (IllegalArgumentException e) {
                throw bad("Invalid signal: " + stop);
            }
        }
        JsonObject vols = c.object("Volumes");
        if (vols != null) {
            for (String dest : vols.map().keySet()) {
                if (!dest.startsWith("/")) {
                    throw bad("invalid volume specification: '" + dest + "': invalid mount config for type \"volume\": invalid mount path: '"
                            + dest + "' mount path must be absolute");
                }
            }
        }
    }

    /** A --security-opt moby knows; a seccomp profile must at least be JSON. */
    private static void securityOpt(String opt) {
        String[] kv = opt.split("[=:]", 2);
        switch (kv[0]) {
            case "no-new-privileges" -> {
                if (kv.length == 2 && !Set.of("true", "false").contains(kv[1])) throw bad("invalid --security-opt 2: \"" + opt + "\"");
            }
            case "seccomp" -> {
                if (kv.length < 2 || kv[1].isBlank()) throw bad("invalid --security-opt 2: \"" + opt + "\"");
                if (kv[1].strip().startsWith("{")) {
                    try {
                        dev.berth.oci.json.Json.parse(kv[1], "seccomp profile");
                    } catch (IllegalArgumentException e) {
                        throw bad("Decoding seccomp profile failed: " + e.getMessage());
                    }
                }
            }
            case "apparmor", "label", "systempaths", "writable-cgroups" -> {
                if (kv.length < 2) throw bad("invalid --security-opt 2: \"" + opt + "\"");
            }
            default -> throw bad("invalid --security-opt 1: \"" + opt + "\"");
        }
    }

    /** --cpuset-cpus and --cpuset-mems: lists and ranges ("0-2,4"); cpus within the machine's. */
    private static void cpuset(String set, String what, int available) {
        if (set.isEmpty()) return;
        if (!set.matches("\\d+(-\\d+)?(,\\d+(-\\d+)?)*")) throw bad("Invalid value " + set + " for cpuset " + what);
        for (String part : set.split(",")) {
            String[] r = part.split("-");
            long lo = Long.parseLong(r[0]), hi = Long.parseLong(r[r.length - 1]);
            if (lo > hi) throw bad("Invalid value " + set + " for cpuset " + what);
            if (available > 0 && hi >= available) {
                throw bad("Requested CPUs are not available - requested " + set + ", available: 0-" + (available - 1));
            }
        }
    }

    /** A capability docker knows (with or without CAP_, any case), or ALL. */
    private static void capability(String cap) {
        String c = cap.toUpperCase(java.util.Locale.ROOT);
        if (c.equals("ALL")) return;
        if (!c.startsWith("CAP_")) c = "CAP_" + c;
        if (dev.berth.runtime.plan.Capabilities.number(c) < 0) throw bad("unknown capability: \"" + c + "\"");
    }

    /** An image name or id docker could parse, else moby's "invalid reference format". */
    static void reference(String image) {
        if (image.matches("(sha256:)?[a-f0-9]{3,64}")) return;
        try {
            ImageReference.parse(image);
        } catch (IllegalArgumentException e) {
            String m = e.getMessage() == null ? "" : e.getMessage();
            throw new EngineException(400, m.startsWith("invalid reference format") ? m : "invalid reference format: " + m);
        }
    }

    // ------------------------------------------------------------------ JSON types

    @SuppressWarnings("unchecked")
    private static Map<String, Object> cast(Object o) {
        return (Map<String, Object>) o;
    }

    @SuppressWarnings("unchecked")
    private static void types(Map<String, Object> m, String path, Map<String, Object> schema) {
        for (var e : schema.entrySet()) {
            String key = e.getKey(), p = path + key;
            Object v = m.get(key);
            if (v == null) continue;
            switch (e.getValue()) {
                case Kind k -> {
                    if (k == Kind.STRSLICE && v instanceof String s) m.put(key, new ArrayList<>(List.of(s)));
                    else kind(v, p, k);
                }
                case Map<?, ?> nested -> {
                    if (!(v instanceof Map<?, ?>)) throw cannot(v, p, "object");
                    types((Map<String, Object>) v, p + ".", (Map<String, Object>) nested);
                }
                case List<?> items -> {
                    if (!(v instanceof List<?> l)) throw cannot(v, p, "array of objects");
                    for (int i = 0; i < l.size(); i++) {
                        if (!(l.get(i) instanceof Map<?, ?>)) throw cannot(l.get(i), p + "[" + i + "]", "object");
                        types((Map<String, Object>) l.get(i), p + "[" + i + "].", (Map<String, Object>) items.getFirst());
                    }
                }
                default -> throw new IllegalStateException("bad schema entry " + p);
            }
        }
    }

    private static void kind(Object v, String p, Kind k) {
        switch (k) {
            case STRING -> { if (!(v instanceof String)) throw cannot(v, p, "string"); }
            case BOOL -> { if (!(v instanceof Boolean)) throw cannot(v, p, "bool"); }
            case INT -> integer(v, p);
            case OBJECT -> { if (!(v instanceof Map<?, ?>)) throw cannot(v, p, "object"); }
            case STRINGS, STRSLICE, INTS -> {
                if (!(v instanceof List<?> l)) throw cannot(v, p, k == Kind.INTS ? "[]int" : "[]string");
                for (int i = 0; i < l.size(); i++) {
                    if (k == Kind.INTS) integer(l.get(i), p + "[" + i + "]");
                    else if (!(l.get(i) instanceof String)) throw cannot(l.get(i), p + "[" + i + "]", "string");
                }
            }
            case STRING_MAP -> {
                if (!(v instanceof Map<?, ?> map)) throw cannot(v, p, "map[string]string");
                map.forEach((mk, mv) -> { if (mv != null && !(mv instanceof String)) throw cannot(mv, p + "." + mk, "string"); });
            }
        }
    }

    /** An int64: a whole number in range (Go refuses 1.5, 1e400 and 2^64 for an int64 field). */
    private static void integer(Object v, String p) {
        boolean ok = switch (v) {
            case null -> false;
            case Long l -> true;
            case BigInteger b -> false;
            case Double d -> !d.isInfinite() && d == Math.rint(d) && Math.abs(d) < 9.2e18;
            default -> false;
        };
        if (!ok) throw cannot(v, p, "int64");
    }

    private static EngineException cannot(Object v, String field, String type) {
        String kind = v == null ? "null" : v instanceof Map ? "object" : v instanceof List ? "array" : v instanceof String ? "string"
                : v instanceof Boolean ? "bool" : "number " + v;
        return new EngineException(400, "json: cannot unmarshal " + kind + " into field " + field + " of type " + type);
    }

    // ------------------------------------------------------------------ values

    private static void resources(JsonObject h) {
        long memory = h.longValue("Memory", 0), swap = h.longValue("MemorySwap", 0), reservation = h.longValue("MemoryReservation", 0);
        if (memory != 0 && memory < MIN_MEMORY) throw bad("Minimum memory limit allowed is 6MB");
        if (memory > 0 && swap > 0 && swap < memory) throw bad("Minimum memoryswap limit should be larger than memory limit, see usage");
        if (memory == 0 && swap > 0) throw bad("You should always set the Memory limit when using Memoryswap limit, see usage");
        if (reservation != 0 && reservation < MIN_MEMORY) throw bad("Minimum memory reservation allowed is 6MB");
        if (memory > 0 && reservation > 0 && memory < reservation) {
            throw bad("Minimum memory limit can not be less than memory reservation limit, see usage");
        }
        Long swappiness = h.longOrNull("MemorySwappiness");
        if (swappiness != null && swappiness != -1 && (swappiness < 0 || swappiness > 100)) {
            throw bad("Invalid value: " + swappiness + ", valid memory swappiness range is 0-100");
        }
        long nano = h.longValue("NanoCpus", 0), period = h.longValue("CpuPeriod", 0), quota = h.longValue("CpuQuota", 0);
        int cpus = Runtime.getRuntime().availableProcessors();
        if (nano < 0 || nano > cpus * 1_000_000_000L) {
            throw bad("Range of CPUs is from 0.01 to " + cpus + ".00, as there are only " + cpus + " CPUs available");
        }
        if (nano > 0 && (period > 0 || quota > 0)) throw bad("Conflicting options: Nano CPUs and CPU Period/Quota cannot both be set");
        if (period != 0 && (period < 1000 || period > 1_000_000)) {
            throw bad("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
        }
        if (quota > 0 && quota < 1000) throw bad("CPU cfs quota can not be less than 1ms (i.e. 1000)");
        long shares = h.longValue("CpuShares", 0);
        if (shares < 0) throw bad("invalid CpuShares (" + shares + "): value must be a positive integer");
        long blkio = h.longValue("BlkioWeight", 0);
        if (blkio > 0 && (blkio < 10 || blkio > 1000)) throw bad("Range of blkio weight is from 10 to 1000");
        if (h.longValue("ShmSize", 0) < 0) throw bad("SHM size can not be less than 0");
        long oom = h.longValue("OomScoreAdj", 0);
        if (oom < -1000 || oom > 1000) throw bad("Invalid value " + oom + ", range for oom score adj is [-1000, 1000]");
    }

    /** A -v spec: {@code SRC:DST[:MODE]} with an absolute DST; SRC an absolute path or a volume name. */
    private static void bind(String spec) {
        String[] p = spec.split(":", -1);
        if (p.length < 2 || p.length > 3 || p[0].isEmpty()) throw bad("invalid volume specification: '" + spec + "'");
        String type = p[0].startsWith("/") ? "bind" : "volume";
        String dest = p[1];
        if (!dest.startsWith("/")) {
            throw bad("invalid volume specification: '" + spec + "': invalid mount config for type \"" + type + "\": invalid mount path: '"
                    + dest + "' mount path must be absolute");
        }
        if (Path.of(dest).normalize().toString().equals("/")) {
            throw bad("invalid volume specification: '" + spec + "': invalid mount config for type \"" + type
                    + "\": invalid specification: destination can't be '/'");
        }
        if (p.length == 3) {
            for (String mode : p[2].split(",")) if (!MODES.contains(mode)) throw bad("invalid volume specification: '" + spec + "': invalid mode: " + p[2]);
        }
        if (type.equals("volume") && !VOLUME_NAME.matcher(p[0]).matches()) {
            throw bad("create " + p[0] + ": \"" + p[0] + "\" includes invalid characters for a local volume name, only \"[a-zA-Z0-9][a-zA-Z0-9_.-]\""
                    + " are allowed. If you intended to pass a host directory, use absolute path");
        }
    }

    /** A --mount: moby's ValidateMountConfig for the local types. */
    private static void mount(JsonObject m) {
        String type = m.string("Type", ""), source = m.string("Source", ""), target = m.string("Target", "");
        String pre = "invalid mount config for type \"" + type + "\": ";
        if (!Set.of("bind", "volume", "tmpfs").contains(type)) throw bad(pre + "mount type unknown");
        if (target.isEmpty()) throw bad(pre + "field Target must not be empty");
        if (!target.startsWith("/")) throw bad(pre + "invalid mount path: '" + target + "' mount path must be absolute");
        if (Path.of(target).normalize().toString().equals("/")) throw bad(pre + "invalid specification: destination can't be '/'");
        switch (type) {
            case "bind" -> {
                if (source.isEmpty()) throw bad(pre + "field Source must not be empty");
                if (!source.startsWith("/")) throw bad(pre + "invalid mount path: '" + source + "' mount path must be absolute");
                if (!Files.exists(Path.of(source))) throw bad(pre + "bind source path does not exist: " + source);
            }
            case "volume" -> {
                if (!source.isEmpty() && !VOLUME_NAME.matcher(source).matches()) {
                    throw bad(pre + "\"" + source + "\" includes invalid characters for a local volume name");
                }
            }
            default -> { // tmpfs
                if (!source.isEmpty()) throw bad(pre + "field Source must not be specified");
            }
        }
    }

    /** A --tmpfs: an absolute path other than /, and options moby's ParseTmpfsOptions takes. */
    private static void tmpfs(String dest, String options) {
        if (!dest.startsWith("/")) throw bad("invalid mount path: '" + dest + "' mount path must be absolute");
        if (Path.of(dest).normalize().toString().equals("/")) throw bad("invalid specification: destination can't be '/'");
        if (options.isEmpty()) return;
        for (String o : options.split(",")) {
            String[] kv = o.split("=", 2);
            boolean ok = kv.length == 1 ? TMPFS_FLAGS.contains(o) : TMPFS_DATA.contains(kv[0]) && switch (kv[0]) {
                case "size", "nr_blocks", "nr_inodes" -> SIZE.matcher(kv[1]).matches();
                case "mode" -> kv[1].matches("[0-7]{1,4}");
                case "uid", "gid" -> kv[1].matches("\\d+");
                default -> true;
            };
            if (!ok) throw bad("Invalid tmpfs option [\"" + o + "\"] for " + dest);
        }
    }

    private static void ulimit(JsonObject u) {
        String name = u.string("Name", "");
        if (!RLIMITS.contains(name.toLowerCase())) throw bad("invalid ulimit type: " + name);
        long soft = u.longValue("Soft", 0), hard = u.longValue("Hard", 0);
        if (soft > hard) throw bad("ulimit soft limit must be less than or equal to hard limit: " + soft + " > " + hard);
    }

    private static EngineException bad(String message) {
        return new EngineException(400, message);
    }
}
