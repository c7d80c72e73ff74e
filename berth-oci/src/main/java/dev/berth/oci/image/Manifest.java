package dev.berth.oci.image;

import dev.berth.oci.json.Json;
import dev.berth.oci.json.JsonObject;

import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** An image manifest: a config blob and layers, in OCI 1.1 or Docker v2 schema 2 form (same shape). */
public record Manifest(String mediaType, Descriptor config, List<Descriptor> layers, Map<String, String> annotations) {
    public Manifest {
        layers = List.copyOf(layers);
        annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
    }

    /** Parses manifest bytes; {@code fallbackType} is the media type the bytes were served or stored under. */
    public static Manifest parse(byte[] bytes, String fallbackType, String source) {
        JsonObject o = Json.parseObject(new String(bytes, StandardCharsets.UTF_8), source);
        long schema = o.longValue("schemaVersion", 0);
        if (schema != 2) throw o.error("schemaVersion", "expected 2 (schema 1 manifests are not supported), got " + schema);
        JsonObject config = o.object("config");
        if (config == null) throw o.error("config", "required field is missing");
        String type = o.string("mediaType", fallbackType == null ? MediaType.OCI_MANIFEST : fallbackType);
        if (!MediaType.isManifest(type)) throw o.error("mediaType", "not an image manifest: " + type);
        return new Manifest(type, Descriptor.read(config), o.objects("layers").stream().map(Descriptor::read).toList(), o.stringMap("annotations"));
    }

    public byte[] bytes() {
        Map<String, Object> m = new LinkedHashMap<>(Json.obj("schemaVersion", 2, "mediaType", mediaType, "config", config.json(),
                "layers", Descriptor.json(layers)));
        if (!annotations.isEmpty()) m.put("annotations", annotations);
        return Json.write(m).getBytes(StandardCharsets.UTF_8);
    }

    public boolean docker() {
        return MediaType.DOCKER_MANIFEST.equals(mediaType);
    }
}
