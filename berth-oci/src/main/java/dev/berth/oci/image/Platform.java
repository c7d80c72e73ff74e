package dev.berth.oci.image;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.util.Map;

/** os/architecture[/variant], as in an image index ("linux/amd64", "linux/arm64/v8"). */
public record Platform(String os, String architecture, String variant) {
    public static final Platform LINUX_AMD64 = new Platform("linux", "amd64", null);

    public static Platform parse(String s) {
        String[] p = s.split("/");
        if (p.length < 2 || p.length > 3 || p[0].isEmpty() || p[1].isEmpty()) {
            throw new IllegalArgumentException("invalid platform \"" + s + "\": expected os/arch[/variant], e.g. linux/amd64");
        }
        return new Platform(p[0], p[1], p.length == 3 ? p[2] : null);
    }

    /** The host's platform, in Go's names as images use them. */
    public static Platform host() {
        String arch = switch (System.getProperty("os.arch")) {
            case "amd64", "x86_64" -> "amd64";
            case "aarch64" -> "arm64";
            default -> System.getProperty("os.arch");
        };
        return new Platform("linux", arch, null);
    }

    public boolean matches(Platform other) {
        return os.equals(other.os) && architecture.equals(other.architecture)
                && (variant == null || other.variant == null || variant.equals(other.variant));
    }

    static Platform read(JsonObject o) {
        return o == null ? null : new Platform(o.requireString("os"), o.requireString("architecture"), o.string("variant"));
    }

    Map<String, Object> json() {
        return Json.obj("architecture", architecture, "os", os, "variant", variant);
    }

    @Override
    public String toString() {
        return os + "/" + architecture + (variant == null ? "" : "/" + variant);
    }
}
