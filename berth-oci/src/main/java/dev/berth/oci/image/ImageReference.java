package dev.berth.oci.image;

import java.util.regex.Pattern;

/**
 * A reference to an image, {@code [registry[:port]/]repository[:tag][@digest]}, normalised as docker does:
 * "busybox" is docker.io/library/busybox:latest. The registry is the first component when it has a '.' or ':'
 * or is "localhost".
 */
public record ImageReference(String registry, String repository, String tag, Digest digest) {
    public static final String DOCKER_HUB = "docker.io";
    private static final Pattern COMPONENT = Pattern.compile("[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*");
    private static final Pattern TAG = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}");

    public static ImageReference parse(String s) {
        if (s == null || s.isEmpty()) throw new IllegalArgumentException("invalid reference format: an image name is required");
        String rest = s;
        Digest digest = null;
        int at = rest.indexOf('@');
        if (at >= 0) {
            digest = Digest.parse(rest.substring(at + 1));
            rest = rest.substring(0, at);
        }
        String tag = null;
        int colon = rest.lastIndexOf(':');
        if (colon > rest.lastIndexOf('/')) {
            tag = rest.substring(colon + 1);
            rest = rest.substring(0, colon);
            if (!TAG.matcher(tag).matches()) throw new IllegalArgumentException("invalid reference format: bad tag \"" + tag + "\" in \"" + s + "\"");
        }
        String registry = DOCKER_HUB;
        int slash = rest.indexOf('/');
        if (slash > 0) {
            String first = rest.substring(0, slash);
            if (first.contains(".") || first.contains(":") || first.equals("localhost")) {
                registry = first;
                rest = rest.substring(slash + 1);
            }
        }
        if (registry.equals(DOCKER_HUB) && !rest.contains("/")) rest = "library/" + rest;
        for (String part : rest.split("/", -1)) {
            if (!COMPONENT.matcher(part).matches()) {
                // docker's wording (distribution/reference), which the CLI shows as is
                if (COMPONENT.matcher(part.toLowerCase(java.util.Locale.ROOT)).matches()) {
                    throw new IllegalArgumentException("invalid reference format: repository name (" + rest + ") must be lowercase");
                }
                throw new IllegalArgumentException("invalid reference format");
            }
        }
        if (tag == null && digest == null) tag = "latest";
        return new ImageReference(registry, rest, tag, digest);
    }

    /** The short form docker prints: busybox:latest, localhost:5000/app:1. */
    public String familiar() {
        String repo = registry.equals(DOCKER_HUB) ? (repository.startsWith("library/") ? repository.substring(8) : repository)
                : registry + "/" + repository;
        return repo + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }

    /** The repository as docker shows it (no tag): busybox, localhost:5000/app. */
    public String familiarRepository() {
        return registry.equals(DOCKER_HUB) ? (repository.startsWith("library/") ? repository.substring(8) : repository)
                : registry + "/" + repository;
    }

    public ImageReference withTag(String t) {
        return new ImageReference(registry, repository, t, null);
    }

    @Override
    public String toString() {
        return registry + "/" + repository + (tag != null ? ":" + tag : "") + (digest != null ? "@" + digest : "");
    }
}
