package dev.berth.oci.image;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** A content descriptor: what a blob is, its digest and size (OCI image spec, descriptor.md). */
public record Descriptor(String mediaType, Digest digest, long size, Map<String, String> annotations, Platform platform) {
    public Descriptor {
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
        if (size < 0) throw new IllegalArgumentException("descriptor " + digest + ": negative size");
    }

    public Descriptor(String mediaType, Digest digest, long size) {
        this(mediaType, digest, size, Map.of(), null);
    }

    public static Descriptor read(JsonObject o) {
        return new Descriptor(o.requireString("mediaType"), parseDigest(o), o.requireLong("size"), o.stringMap("annotations"),
                Platform.read(o.object("platform")));
    }

    private static Digest parseDigest(JsonObject o) {
        try {
            return Digest.parse(o.requireString("digest"));
        } catch (IllegalArgumentException e) {
            throw o.error("digest", e.getMessage());
        }
    }

    public Map<String, Object> json() {
        Map<String, Object> m = new LinkedHashMap<>(Json.obj("mediaType", mediaType, "digest", digest.toString(), "size", size));
        if (!annotations.isEmpty()) m.put("annotations", annotations);
        if (platform != null) m.put("platform", platform.json());
        return m;
    }

    public Descriptor withAnnotations(Map<String, String> a) {
        return new Descriptor(mediaType, digest, size, a, platform);
    }

    static List<Map<String, Object>> json(List<Descriptor> ds) {
        return ds.stream().map(Descriptor::json).toList();
    }
}
