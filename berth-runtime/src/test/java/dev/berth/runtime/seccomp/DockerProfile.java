package dev.berth.runtime.seccomp;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;
import dev.berth.oci.runtime.RuntimeSpec.Seccomp;
import dev.berth.oci.runtime.RuntimeSpecReader;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns Docker's seccomp profile (moby profiles/seccomp/default.json: archMap, includes/excludes) into the OCI
 * {@code linux.seccomp} object Docker writes for a default container on amd64, as moby's
 * {@code profiles/seccomp.setupSeccomp} does: architectures from the archMap entry for SCMP_ARCH_X86_64, and only the
 * rules whose includes/excludes fit amd64 and Docker's default capability set. minKernel is ignored (the host kernel is
 * newer than any the profile names). Tests only.
 */
final class DockerProfile {
    /** Docker's default capabilities (moby oci/caps/defaults.go). */
    static final Set<String> DEFAULT_CAPS = Set.of("CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_FSETID", "CAP_FOWNER",
            "CAP_MKNOD", "CAP_NET_RAW", "CAP_SETGID", "CAP_SETUID", "CAP_SETFCAP", "CAP_SETPCAP", "CAP_NET_BIND_SERVICE",
            "CAP_SYS_CHROOT", "CAP_KILL", "CAP_AUDIT_WRITE");
    static final String GOARCH = "amd64";
    static final String NATIVE = "SCMP_ARCH_X86_64";

    static final String DOCKER_RESOURCE = "docker-default.json";
    static final String CONVERTED_RESOURCE = "docker-default-seccomp.json";

    private DockerProfile() {}

    static String resource(String name) {
        try (InputStream in = DockerProfile.class.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("no test resource " + name);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The linux.seccomp object (as ordered maps and lists) for Docker's profile text. */
    static Map<String, Object> convert(String dockerProfileJson) {
        JsonObject p = Json.parseObject(dockerProfileJson, DOCKER_RESOURCE);
        List<String> arches = new ArrayList<>();
        for (JsonObject m : p.objects("archMap")) {
            if (m.requireString("architecture").equals(NATIVE)) {
                arches.add(NATIVE);
                arches.addAll(m.strings("subArchitectures"));
            }
        }
        List<Object> syscalls = new ArrayList<>();
        for (JsonObject r : p.objects("syscalls")) {
            if (!applies(r)) continue;
            List<Object> args = new ArrayList<>();
            for (JsonObject a : r.objects("args")) {
                long valueTwo = a.longValue("valueTwo", 0);
                args.add(Json.obj("index", a.requireLong("index"), "value", unsigned(a.longValue("value", 0)),
                        "valueTwo", valueTwo == 0 ? null : unsigned(valueTwo), "op", a.requireString("op")));
            }
            syscalls.add(Json.obj("names", r.strings("names"), "action", r.requireString("action"),
                    "errnoRet", r.longOrNull("errnoRet"), "args", args.isEmpty() ? null : args));
        }
        return Json.obj("defaultAction", p.requireString("defaultAction"), "defaultErrnoRet", p.longOrNull("defaultErrnoRet"),
                "architectures", arches, "syscalls", syscalls);
    }

    private static boolean applies(JsonObject rule) {
        JsonObject ex = rule.object("excludes");
        if (ex != null) {
            if (ex.strings("arches").contains(GOARCH)) return false;
            if (ex.strings("caps").stream().anyMatch(DEFAULT_CAPS::contains)) return false;
        }
        JsonObject in = rule.object("includes");
        if (in != null) {
            List<String> arches = in.strings("arches");
            if (!arches.isEmpty() && !arches.contains(GOARCH)) return false;
            if (!DEFAULT_CAPS.containsAll(in.strings("caps"))) return false;
        }
        return true;
    }

    private static Object unsigned(long v) {
        return v >= 0 ? (Object) v : new BigInteger(Long.toUnsignedString(v));
    }

    /** The converted profile as the committed resource's text. */
    static String convertedText(String dockerProfileJson) {
        return Json.writePretty(convert(dockerProfileJson));
    }

    /** Parses a linux.seccomp object through berth's own config.json reader. */
    static Seccomp parseSeccomp(String seccompJson) {
        String config = "{\"ociVersion\": \"1.0.2\", \"root\": {\"path\": \"rootfs\"}, \"linux\": {\"seccomp\": " + seccompJson + "}}";
        return RuntimeSpecReader.parse(config, "config.json").linux().seccomp();
    }

    /** Docker's default profile for an amd64 container, as a RuntimeSpec.Seccomp. */
    static Seccomp dockerDefault() {
        return parseSeccomp(resource(CONVERTED_RESOURCE));
    }
}
