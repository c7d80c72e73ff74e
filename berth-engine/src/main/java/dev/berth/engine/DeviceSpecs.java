package dev.berth.engine;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * docker run --device HOST[:CONTAINER[:PERMS]] and --device-cgroup-rule 'c 10:229 rwm': the device node made in
 * the container (linux.devices, from the host node's type, numbers and mode) and allowed in its device cgroup
 * (linux.resources.devices), as moby's specconv does. A host path that is not a device node is a 400 naming it.
 */
final class DeviceSpecs {
    private DeviceSpecs() {}

    private static final int S_IFMT = 0170000, S_IFCHR = 0020000, S_IFBLK = 0060000;

    /** Adds the container's devices to linux.devices and their rules after the deny-all in resources.devices. */
    @SuppressWarnings("unchecked")
    static void apply(JsonObject host, Map<String, Object> linux) throws IOException {
        List<Object> devices = new ArrayList<>(linux.get("devices") instanceof List<?> l ? (List<Object>) l : List.of());
        Map<String, Object> resources = (Map<String, Object>) linux.get("resources");
        List<Object> rules = new ArrayList<>((List<Object>) resources.get("devices"));
        for (JsonObject d : host.objects("Devices")) {
            String onHost = d.string("PathOnHost", ""), inContainer = d.string("PathInContainer", "");
            String perms = d.string("CgroupPermissions", "rwm");
            if (inContainer.isEmpty()) inContainer = onHost;
            if (!perms.matches("[rwm]{1,3}")) throw new EngineException(400, "invalid device cgroup permissions \"" + perms + "\" for " + onHost);
            Path p = Path.of(onHost);
            int mode;
            long rdev;
            try {
                mode = (Integer) Files.getAttribute(p, "unix:mode");
                rdev = (Long) Files.getAttribute(p, "unix:rdev");
            } catch (NoSuchFileException e) {
                throw new EngineException(400, "error gathering device information while adding custom device \"" + onHost + "\": no such file or directory");
            }
            String type = (mode & S_IFMT) == S_IFCHR ? "c" : (mode & S_IFMT) == S_IFBLK ? "b" : null;
            if (type == null) throw new EngineException(400, "error gathering device information while adding custom device \"" + onHost + "\": not a device node");
            long major = ((rdev >>> 8) & 0xfff) | ((rdev >>> 32) & ~0xfffL), minor = (rdev & 0xff) | ((rdev >>> 12) & ~0xffL);
            devices.add(Json.obj("path", inContainer, "type", type, "major", major, "minor", minor, "fileMode", mode & 07777, "uid", 0, "gid", 0));
            rules.add(Json.obj("allow", true, "type", type, "major", major, "minor", minor, "access", perms));
        }
        for (String rule : host.strings("DeviceCgroupRules")) rules.add(cgroupRule(rule));
        linux.put("devices", devices);
        resources.put("devices", rules);
    }

    /** 'c 10:229 rwm', 'b *:* m', 'a': docker's --device-cgroup-rule. */
    static Map<String, Object> cgroupRule(String rule) {
        String[] f = rule.strip().split("\\s+");
        String bad = "invalid device cgroup rule \"" + rule + "\": want TYPE MAJOR:MINOR ACCESS, e.g. 'c 10:229 rwm'";
        if (f.length == 1 && f[0].equals("a")) return Json.obj("allow", true, "type", "a", "access", "rwm");
        if (f.length != 3 || !f[0].matches("[abc]") || !f[1].matches("(\\d+|\\*):(\\d+|\\*)") || !f[2].matches("[rwm]{1,3}")) {
            throw new EngineException(400, bad);
        }
        String[] mm = f[1].split(":");
        Map<String, Object> r = Json.obj("allow", true, "type", f[0], "access", f[2]);
        if (!mm[0].equals("*")) r.put("major", Long.parseLong(mm[0]));
        if (!mm[1].equals("*")) r.put("minor", Long.parseLong(mm[1]));
        return r;
    }
}
