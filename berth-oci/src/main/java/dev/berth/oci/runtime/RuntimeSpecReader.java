package dev.berth.oci.runtime;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonException;
import dev.berth.oci.json.JsonObject;
import dev.berth.oci.runtime.RuntimeSpec.*;
import dev.berth.oci.runtime.RuntimeSpec.Process;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * Reads and validates config.json. Every problem is a {@link JsonException} whose message names the file and the
 * field, e.g. {@code /b/config.json: linux.namespaces[2].type: unknown namespace type "pdi"}.
 */
public final class RuntimeSpecReader {
    private static final Set<String> NAMESPACE_TYPES = Set.of("pid", "network", "mount", "ipc", "uts", "user", "cgroup", "time");
    private static final Set<String> PROPAGATION = Set.of("", "private", "rprivate", "slave", "rslave", "shared", "rshared", "unbindable", "runbindable");

    private RuntimeSpecReader() {}

    public static RuntimeSpec read(Path configJson) throws IOException {
        String text;
        try {
            text = Files.readString(configJson);
        } catch (NoSuchFileException e) {
            throw new NoSuchFileException(configJson.toString(), null, "no config.json in the bundle");
        }
        return parse(text, configJson.toString());
    }

    public static RuntimeSpec parse(String text, String source) {
        JsonObject o = Json.parseObject(text, source);
        String version = o.requireString("ociVersion");
        if (!version.startsWith("1.")) throw o.error("ociVersion", "unsupported version \"" + version + "\" (berth runs 1.x)");
        JsonObject root = o.object("root");
        if (root == null) throw o.error("root", "required field is missing");
        JsonObject linux = o.object("linux");
        return new RuntimeSpec(
                version,
                process(o.object("process"), o),
                new Root(root.requireString("path"), root.bool("readonly")),
                o.string("hostname"),
                o.string("domainname"),
                o.objects("mounts").stream().map(RuntimeSpecReader::mount).toList(),
                hooks(o.object("hooks")),
                o.stringMap("annotations"),
                linux == null ? null : linux(linux));
    }

    private static Process process(JsonObject p, JsonObject parent) {
        if (p == null) return null;
        List<String> args = p.strings("args");
        if (args.isEmpty()) throw p.error("args", "must name the program to run");
        String cwd = p.requireString("cwd");
        if (!cwd.startsWith("/")) throw p.error("cwd", "must be an absolute path, got \"" + cwd + "\"");
        JsonObject u = p.object("user");
        User user = u == null ? new User(0, 0, null, List.of())
                : new User(u.longValue("uid", 0), u.longValue("gid", 0), u.longOrNull("umask"), u.longs("additionalGids"));
        JsonObject c = p.object("capabilities");
        Capabilities caps = c == null ? Capabilities.NONE : new Capabilities(
                caps(c, "bounding"), caps(c, "effective"), caps(c, "inheritable"), caps(c, "permitted"), caps(c, "ambient"));
        List<Rlimit> rlimits = new ArrayList<>();
        for (JsonObject r : p.objects("rlimits")) {
            String type = r.requireString("type");
            if (!type.startsWith("RLIMIT_")) throw r.error("type", "unknown rlimit \"" + type + "\"");
            rlimits.add(new Rlimit(type, r.requireLong("hard"), r.requireLong("soft")));
        }
        for (String e : p.strings("env")) {
            if (!e.contains("=")) throw p.error("env", "entry \"" + e + "\" is not NAME=value");
        }
        return new Process(p.bool("terminal"), user, args, p.strings("env"), cwd, caps, List.copyOf(rlimits),
                p.bool("noNewPrivileges"), p.string("apparmorProfile"), p.intOrNull("oomScoreAdj"), p.string("selinuxLabel"));
    }

    private static List<String> caps(JsonObject c, String key) {
        List<String> l = c.strings(key);
        for (String name : l) {
            if (!name.startsWith("CAP_")) throw c.error(key, "\"" + name + "\" is not a capability name (CAP_...)");
        }
        return l;
    }

    private static Mount mount(JsonObject m) {
        String dest = m.requireString("destination");
        if (!dest.startsWith("/")) throw m.error("destination", "must be an absolute path, got \"" + dest + "\"");
        return new Mount(dest, m.string("type"), m.string("source"), m.strings("options"));
    }

    private static Hooks hooks(JsonObject h) {
        if (h == null) return Hooks.NONE;
        return new Hooks(hookList(h, "prestart"), hookList(h, "createRuntime"), hookList(h, "createContainer"),
                hookList(h, "startContainer"), hookList(h, "poststart"), hookList(h, "poststop"));
    }

    private static List<Hook> hookList(JsonObject h, String key) {
        List<Hook> out = new ArrayList<>();
        for (JsonObject o : h.objects(key)) {
            String path = o.requireString("path");
            if (!path.startsWith("/")) throw o.error("path", "must be an absolute path, got \"" + path + "\"");
            Integer timeout = o.intOrNull("timeout");
            if (timeout != null && timeout <= 0) throw o.error("timeout", "must be positive");
            out.add(new Hook(path, o.strings("args"), o.strings("env"), timeout));
        }
        return List.copyOf(out);
    }

    private static Linux linux(JsonObject l) {
        List<Namespace> ns = new ArrayList<>();
        Set<String> seen = new java.util.HashSet<>();
        for (JsonObject n : l.objects("namespaces")) {
            String type = n.requireString("type");
            if (!NAMESPACE_TYPES.contains(type)) throw n.error("type", "unknown namespace type \"" + type + "\"");
            if (!seen.add(type)) throw n.error("type", "namespace \"" + type + "\" is listed twice");
            ns.add(new Namespace(type, n.string("path")));
        }
        String prop = l.string("rootfsPropagation", "");
        if (!PROPAGATION.contains(prop)) throw l.error("rootfsPropagation", "unknown propagation \"" + prop + "\"");
        return new Linux(List.copyOf(ns), idMaps(l, "uidMappings"), idMaps(l, "gidMappings"), l.stringMap("sysctl"),
                resources(l.object("resources")), l.string("cgroupsPath"), prop, seccomp(l.object("seccomp")),
                l.strings("maskedPaths"), l.strings("readonlyPaths"),
                l.objects("devices").stream().map(RuntimeSpecReader::device).toList(), l.string("mountLabel"));
    }

    private static List<IdMapping> idMaps(JsonObject l, String key) {
        return l.objects(key).stream()
                .map(m -> new IdMapping(m.requireLong("containerID"), m.requireLong("hostID"), m.requireLong("size")))
                .toList();
    }

    private static Device device(JsonObject d) {
        String type = d.requireString("type");
        if (!Set.of("c", "b", "u", "p").contains(type)) throw d.error("type", "unknown device type \"" + type + "\"");
        String path = d.requireString("path");
        if (!path.startsWith("/dev/")) throw d.error("path", "must be under /dev, got \"" + path + "\"");
        return new Device(type, path, d.longValue("major", 0), d.longValue("minor", 0), d.intOrNull("fileMode"),
                d.longOrNull("uid"), d.longOrNull("gid"));
    }

    private static Resources resources(JsonObject r) {
        if (r == null) return Resources.NONE;
        JsonObject m = r.object("memory"), c = r.object("cpu"), p = r.object("pids"), b = r.object("blockIO");
        return new Resources(
                m == null ? null : new Memory(m.longOrNull("limit"), m.longOrNull("reservation"), m.longOrNull("swap"),
                        m.longOrNull("swappiness"), m.boolOrNull("disableOOMKiller")),
                c == null ? null : new Cpu(c.longOrNull("shares"), c.longOrNull("quota"), c.longOrNull("period"),
                        c.string("cpus"), c.string("mems"), c.longOrNull("idle")),
                p == null ? null : new Pids(p.requireLong("limit")),
                b == null ? null : new BlockIO(b.intOrNull("weight"), throttle(b, "throttleReadBpsDevice"), throttle(b, "throttleWriteBpsDevice")),
                r.objects("devices").stream().map(d -> new DeviceRule(d.bool("allow"), d.string("type", "a"),
                        anyIfNegative(d.longOrNull("major")), anyIfNegative(d.longOrNull("minor")), d.string("access", "rwm"))).toList(),
                r.stringMap("unified"));
    }

    private static Long anyIfNegative(Long v) {
        return v == null || v < 0 ? null : v;
    }

    private static List<ThrottleDevice> throttle(JsonObject b, String key) {
        return b.objects(key).stream().map(t -> new ThrottleDevice(t.requireLong("major"), t.requireLong("minor"), t.requireLong("rate"))).toList();
    }

    private static Seccomp seccomp(JsonObject s) {
        if (s == null) return null;
        List<Syscall> rules = new ArrayList<>();
        for (JsonObject r : s.objects("syscalls")) {
            List<SeccompArg> args = new ArrayList<>();
            for (JsonObject a : r.objects("args")) {
                int index = a.intOrNull("index") == null ? -1 : a.intOrNull("index");
                if (index < 0 || index > 5) throw a.error("index", "must be 0 to 5");
                args.add(new SeccompArg(index, a.longValue("value", 0), a.longValue("valueTwo", 0), a.requireString("op")));
            }
            rules.add(new Syscall(r.strings("names"), r.requireString("action"), r.intOrNull("errnoRet"), List.copyOf(args)));
        }
        return new Seccomp(s.requireString("defaultAction"), s.intOrNull("defaultErrnoRet"), s.strings("architectures"),
                s.strings("flags"), List.copyOf(rules));
    }
}
