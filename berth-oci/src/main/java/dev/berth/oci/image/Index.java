package dev.berth.oci.image;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** An image index (OCI) or manifest list (Docker): one manifest per platform. */
public record Index(String mediaType, List<Descriptor> manifests, Map<String, String> annotations) {
    public Index {
        manifests = List.copyOf(manifests);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    public static Index parse(byte[] bytes, String fallbackType, String source) {
        JsonObject o = Json.parseObject(new String(bytes, StandardCharsets.UTF_8), source);
        String type = o.string("mediaType", fallbackType == null ? MediaType.OCI_INDEX : fallbackType);
        if (!MediaType.isIndex(type)) throw o.error("mediaType", "not an image index: " + type);
        return new Index(type, o.objects("manifests").stream().map(Descriptor::read).toList(), o.stringMap("annotations"));
    }

    /** The manifest for a platform; entries without a platform (attestations) never match. */
    public Optional<Descriptor> select(Platform p) {
        return manifests.stream().filter(d -> d.platform() != null && p.matches(d.platform())).findFirst();
    }

    public byte[] bytes() {
        Map<String, Object> m = new LinkedHashMap<>(Json.obj("schemaVersion", 2, "mediaType", mediaType, "manifests", Descriptor.json(manifests)));
        if (!annotations.isEmpty()) m.put("annotations", annotations);
        return Json.write(m).getBytes(StandardCharsets.UTF_8);
    }

    /** Peeks at a JSON blob's mediaType (or its shape) to tell an index from a manifest. */
    public static boolean looksLikeIndex(byte[] bytes, String servedType) {
        if (servedType != null && MediaType.isIndex(servedType)) return true;
        if (servedType != null && MediaType.isManifest(servedType)) return false;
        JsonObject o = Json.parseObject(new String(bytes, StandardCharsets.UTF_8), "manifest");
        String t = o.string("mediaType");
        return t != null ? MediaType.isIndex(t) : o.has("manifests");
    }
}
