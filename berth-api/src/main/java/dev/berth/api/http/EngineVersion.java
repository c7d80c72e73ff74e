package dev.berth.api.http;

/**
 * What berth says about itself on every reply ({@code Server}, {@code Api-Version}) and which API versions it
 * accepts in a {@code /vX.Y} prefix: moby answers 400 outside {@code [minApiVersion, apiVersion]}.
 *
 * @param version       berth's version, e.g. {@code 0.1.0}; the {@code Server} header is
 *                      {@code Docker/<version> (linux)}, from which the docker CLI reads the OS
 * @param apiVersion    the highest API version served, advertised in {@code Api-Version}
 * @param minApiVersion the lowest API version accepted
 */
public record EngineVersion(String version, String apiVersion, String minApiVersion) {
    /** berth 0.1.0 serving API 1.50, down to 1.24 (docker 28's range). */
    public static final EngineVersion DEFAULT = new EngineVersion("0.1.0", "1.50", "1.24");

    public EngineVersion {
        if (compare(minApiVersion, apiVersion) > 0) {
            throw new IllegalArgumentException("minimum API version " + minApiVersion + " is above " + apiVersion);
        }
    }

    public String serverHeader() {
        return "Docker/" + version + " (linux)";
    }

    /** Compares dotted versions numerically ({@code 1.9 < 1.10}); a missing part counts as 0. */
    public static int compare(String a, String b) {
        String[] x = a.split("\\."), y = b.split("\\.");
        for (int i = 0; i < Math.max(x.length, y.length); i++) {
            long p = i < x.length ? part(x[i]) : 0, q = i < y.length ? part(y[i]) : 0;
            if (p != q) return Long.compare(p, q);
        }
        return 0;
    }

    private static long part(String s) {
        if (s.isEmpty()) return 0;
        try {
            return Long.parseLong(s);
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** moby's message for a prefix outside the range, or null when {@code asked} is served. */
    String refusal(String asked) {
        if (compare(asked, minApiVersion) < 0) {
            return "client version " + asked + " is too old. Minimum supported API version is " + minApiVersion
                    + ", please upgrade your client to a newer version";
        }
        if (compare(asked, apiVersion) > 0) {
            return "client version " + asked + " is too new. Maximum supported API version is " + apiVersion;
        }
        return null;
    }
}
