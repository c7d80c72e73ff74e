package dev.berth.image;

import dev.berth.oci.image.Digest;
import dev.berth.oci.image.ImageConfig;
import dev.berth.oci.image.ImageReference;
import dev.berth.oci.json.Json;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Docker's view of an image: the object {@code docker image inspect} prints and the Engine API's
 * {@code GET /images/{name}/json} returns, built from berth's records. One place, for the CLI and the API.
 */
public final class ImageInspect {
    private ImageInspect() {}

    public static Map<String, Object> of(Image img) {
        ImageConfig c = img.config();
        List<String> tags = new ArrayList<>(), digests = new ArrayList<>();
        for (String n : img.names()) {
            ImageReference r = ImageReference.parse(n);
            tags.add(r.familiar());
            // only images that came from (or went to) a registry have a repo digest, as in docker
            String repoDigest = img.target().annotations().get(Images.REPO_DIGEST);
            String d = r.familiarRepository() + "@" + repoDigest;
            if (repoDigest != null && !digests.contains(d)) digests.add(d);
        }
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Id", img.id().toString());
        m.put("RepoTags", tags);
        m.put("RepoDigests", digests);
        m.put("Parent", "");
        m.put("Comment", c.history().isEmpty() || c.history().getLast().comment() == null ? "" : c.history().getLast().comment());
        m.put("Created", c.created() == null ? "1970-01-01T00:00:00Z" : c.created());
        m.put("DockerVersion", "");
        m.put("Author", c.author() == null ? "" : c.author());
        m.put("Config", config(c.config()));
        m.put("Architecture", c.architecture());
        m.put("Os", c.os());
        m.put("Size", img.size());
        m.put("GraphDriver", Json.obj("Name", "overlay2", "Data", Map.of()));
        m.put("RootFS", Json.obj("Type", "layers", "Layers", c.diffIds().stream().map(Digest::toString).toList()));
        m.put("Metadata", Json.obj("LastTagTime", "0001-01-01T00:00:00Z"));
        return m;
    }

    /** The "Config" object: docker's container config defaults, with nulls where docker writes null. */
    public static Map<String, Object> config(ImageConfig.Run r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("Hostname", "");
        m.put("Domainname", "");
        m.put("User", r.user() == null ? "" : r.user());
        m.put("AttachStdin", false);
        m.put("AttachStdout", false);
        m.put("AttachStderr", false);
        if (!r.exposedPorts().isEmpty()) m.put("ExposedPorts", set(r.exposedPorts()));
        m.put("Tty", false);
        m.put("OpenStdin", false);
        m.put("StdinOnce", false);
        m.put("Env", r.env().isEmpty() ? null : r.env());
        m.put("Cmd", r.cmd());
        if (r.healthcheck() != null) {
            m.put("Healthcheck", Json.obj("Test", r.healthcheck().test(), "Interval", r.healthcheck().interval(),
                    "Timeout", r.healthcheck().timeout(), "StartPeriod", r.healthcheck().startPeriod(), "Retries", r.healthcheck().retries()));
        }
        m.put("Image", "");
        m.put("Volumes", r.volumes().isEmpty() ? null : set(r.volumes()));
        m.put("WorkingDir", r.workingDir() == null ? "" : r.workingDir());
        m.put("Entrypoint", r.entrypoint());
        m.put("OnBuild", r.onBuild().isEmpty() ? null : r.onBuild());
        m.put("Labels", r.labels().isEmpty() ? null : r.labels());
        if (r.stopSignal() != null) m.put("StopSignal", r.stopSignal());
        if (r.shell() != null) m.put("Shell", r.shell());
        return m;
    }

    private static Map<String, Object> set(List<String> keys) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String k : keys) m.put(k, Map.of());
        return m;
    }
}
