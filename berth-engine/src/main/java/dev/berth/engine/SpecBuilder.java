package dev.berth.engine;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import dev.berth.runtime.DefaultSpec;
import dev.berth.runtime.Users;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A container's OCI config.json, made from docker's Config and HostConfig (as the create request gave them,
 * merged with the image's defaults): what `docker run` flags mean in runtime terms. Docker's defaults are
 * kept: 14 capabilities, the default seccomp profile, masked /proc paths, a private /dev, generated
 * /etc/hostname, /etc/hosts and /etc/resolv.conf.
 */
final class SpecBuilder {
    static final List<String> DEFAULT_CAPS = List.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER", "CAP_MKNOD", "CAP_NET_RAW",
            "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE", "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    private static final List<String> RLIMITS = List.of("cpu", "fsize", "data", "stack", "core", "rss", "nproc", "nofile", "memlock", "as",
            "locks", "sigpending", "msgqueue", "nice", "rtprio", "rttime");

    private SpecBuilder() {}

    static Map<String, Object> build(String id, JsonObject config, JsonObject host, List<?> containerMounts, Path rootfs, Path containerDir) throws IOException {
        List<String> entrypoint = config.strings("Entrypoint"), cmd = config.strings("Cmd");
        List<String> args = new ArrayList<>(entrypoint);
        args.addAll(cmd);
        if (args.isEmpty()) throw new EngineException(400, "No command specified");
        @SuppressWarnings("unchecked")
        Map<String, Object> spec = (Map<String, Object>) Json.parse(Json.write(DefaultSpec.json(args, config.bool("Tty"))), "spec");
        boolean privileged = host.bool("Privileged");
        spec.put("root", Json.obj("path", rootfs.toString(), "readonly", host.bool("ReadonlyRootfs")));
        String hostname = config.string("Hostname", "");
        spec.put("hostname", hostname.isEmpty() ? id.substring(0, 12) : hostname);

        @SuppressWarnings("unchecked")
        Map<String, Object> proc = (Map<String, Object>) spec.get("process");
        List<String> env = new ArrayList<>(config.strings("Env"));
        if (env.stream().noneMatch(e -> e.startsWith("PATH="))) env.addFirst("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin");
        if (config.bool("Tty") && env.stream().noneMatch(e -> e.startsWith("TERM="))) env.add("TERM=xterm");
        proc.put("env", env);
        String wd = config.string("WorkingDir", "");
        proc.put("cwd", wd.isEmpty() ? "/" : wd);
        long[] ug;
        try {
            ug = Users.resolve(rootfs, config.string("User", ""));
        } catch (IllegalArgumentException e) {
            throw new EngineException(400, e.getMessage());
        }
        proc.put("user", Json.obj("uid", ug[0], "gid", ug[1]));
        List<String> caps = capabilities(host, privileged);
        proc.put("capabilities", Json.obj("bounding", caps, "effective", caps, "permitted", caps));
        List<String> secOpts = host.strings("SecurityOpt");
        proc.put("noNewPrivileges", secOpts.stream().anyMatch(o -> o.equals("no-new-privileges") || o.equals("no-new-privileges:true") || o.equals("no-new-privileges=true")));
        List<Object> rlimits = new ArrayList<>();
        for (JsonObject u : host.objects("Ulimits")) {
            String name = u.requireString("Name").toLowerCase();
            if (!RLIMITS.contains(name)) throw new EngineException(400, "invalid ulimit type: " + name);
            rlimits.add(Json.obj("type", "RLIMIT_" + name.toUpperCase(), "soft", u.longValue("Soft", 0), "hard", u.longValue("Hard", 0)));
        }
        if (rlimits.stream().noneMatch(r -> "RLIMIT_NOFILE".equals(((Map<?, ?>) r).get("type")))) {
            rlimits.add(Json.obj("type", "RLIMIT_NOFILE", "soft", 1024, "hard", 1024));
        }
        proc.put("rlimits", rlimits);

        @SuppressWarnings("unchecked")
        Map<String, Object> linux = (Map<String, Object>) spec.get("linux");
        List<Object> ns = new ArrayList<>(List.of(Json.obj("type", "pid"), Json.obj("type", "ipc"), Json.obj("type", "uts"),
                Json.obj("type", "mount"), Json.obj("type", "cgroup")));
        if (!"host".equals(host.string("NetworkMode"))) ns.add(Json.obj("type", "network"));
        linux.put("namespaces", ns);
        linux.put("cgroupsPath", "/berth/" + id);
        linux.put("resources", resources(host, privileged));
        DeviceSpecs.apply(host, linux);
        if (privileged) {
            linux.put("maskedPaths", List.of());
            linux.put("readonlyPaths", List.of());
        } else if (!secOpts.contains("seccomp=unconfined") && !secOpts.contains("seccomp:unconfined")) {
            linux.put("seccomp", seccomp(secOpts));
        }

        @SuppressWarnings("unchecked")
        List<Object> mounts = new ArrayList<>((List<Object>) spec.get("mounts"));
        long shm = host.longValue("ShmSize", 0);
        if (shm > 0) {
            for (Object m : mounts) {
                @SuppressWarnings("unchecked")
                Map<String, Object> mm = (Map<String, Object>) m;
                if ("/dev/shm".equals(mm.get("destination"))) mm.put("options", List.of("nosuid", "noexec", "nodev", "mode=1777", "size=" + shm));
            }
        }
        for (String f : List.of("hostname", "hosts", "resolv.conf")) {
            mounts.add(Json.obj("destination", "/etc/" + f, "type", "bind", "source", containerDir.resolve(f).toString(), "options", List.of("rbind", "rw")));
        }
        for (Object o : containerMounts) {
            Map<?, ?> m = (Map<?, ?>) o;
            if ("tmpfs".equals(m.get("Type"))) { // --mount type=tmpfs: its size and mode are kept in Mode
                List<String> opts = new ArrayList<>(List.of("nosuid", "nodev", "noexec", Boolean.TRUE.equals(m.get("RW")) ? "rw" : "ro"));
                String mode = String.valueOf(m.get("Mode"));
                if (!mode.isEmpty()) opts.addAll(List.of(mode.split(",")));
                mounts.add(Json.obj("destination", m.get("Destination"), "type", "tmpfs", "source", "tmpfs", "options", opts));
                continue;
            }
            Path source = Path.of(String.valueOf(m.get("Source")));
            if (!Files.exists(source)) Files.createDirectories(source); // docker creates a missing bind source
            List<String> opts = new ArrayList<>(List.of("rbind", Boolean.TRUE.equals(m.get("RW")) ? "rw" : "ro"));
            if (m.get("Propagation") instanceof String p && !p.isEmpty()) opts.add(p);
            mounts.add(Json.obj("destination", m.get("Destination"), "type", "bind", "source", source.toString(), "options", opts));
        }
        JsonObject tmpfs = host.object("Tmpfs");
        if (tmpfs != null) {
            for (String dest : tmpfs.map().keySet()) {
                List<String> opts = new ArrayList<>(List.of("nosuid", "nodev", "noexec"));
                String o = tmpfs.string(dest, "");
                if (!o.isEmpty()) opts.addAll(List.of(o.split(",")));
                mounts.add(Json.obj("destination", dest, "type", "tmpfs", "source", "tmpfs", "options", opts));
            }
        }
        spec.put("mounts", mounts);
        return spec;
    }

    /**
     * docker's rules (TweakCapabilities): --cap-add ALL is every capability less the drops; --cap-drop ALL starts
     * from none; otherwise the defaults less the drops; then the adds. An unknown name is a 400.
     */
    private static List<String> capabilities(JsonObject host, boolean privileged) {
        if (privileged) return all();
        Set<String> add = capNames(host.strings("CapAdd")), drop = capNames(host.strings("CapDrop"));
        Set<String> caps = new LinkedHashSet<>();
        if (add.contains("ALL")) {
            caps.addAll(all());
            caps.removeAll(drop);
            return List.copyOf(caps);
        }
        if (!drop.contains("ALL")) {
            caps.addAll(DEFAULT_CAPS);
            caps.removeAll(drop);
        }
        caps.addAll(add);
        return List.copyOf(caps);
    }

    private static Set<String> capNames(List<String> names) {
        Set<String> out = new LinkedHashSet<>();
        List<String> known = new ArrayList<>();
        for (int i = 0; i <= dev.berth.runtime.plan.Capabilities.lastCap(); i++) known.add(dev.berth.runtime.plan.Capabilities.name(i));
        for (String n : names) {
            String c = n.toUpperCase();
            if (c.equals("ALL")) {
                out.add(c);
                continue;
            }
            if (!c.startsWith("CAP_")) c = "CAP_" + c;
            if (!known.contains(c)) throw new EngineException(400, "unknown capability: \"" + c + "\"");
            out.add(c);
        }
        return out;
    }

    private static List<String> all() {
        return dev.berth.runtime.plan.Capabilities.available();
    }

    private static Map<String, Object> resources(JsonObject host, boolean privileged) {
        Map<String, Object> r = ResourceLimits.spec(host);
        r.put("devices", privileged ? List.of(Json.obj("allow", true, "access", "rwm")) : List.of(Json.obj("allow", false, "access", "rwm")));
        return r;
    }

    private static Object seccomp(List<String> secOpts) throws IOException {
        for (String o : secOpts) {
            if (o.startsWith("seccomp=") || o.startsWith("seccomp:")) {
                String v = o.substring(8).strip();
                // the docker CLI sends the profile itself; a path is berth's own shorthand
                if (v.startsWith("{")) return Json.parse(v, "seccomp profile");
                try {
                    return Json.parse(Files.readString(Path.of(v)), v);
                } catch (IOException | java.nio.file.InvalidPathException e) {
                    throw new EngineException(400, "opening seccomp profile (" + v + ") failed: " + e.getMessage());
                }
            }
        }
        try (InputStream in = SpecBuilder.class.getResourceAsStream("/dev/berth/runtime/seccomp/docker-default-seccomp.json")) {
            return Json.parse(new String(in.readAllBytes()), "docker-default-seccomp.json");
        }
    }

}
