package dev.berth.image.registry;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;

/**
 * How berth talks to registries.
 *
 * @param certsDirs        roots holding {@code <host:port>/ca.crt} (and any other {@code *.crt}) CA files per
 *                         registry; the first one is named in TLS error messages
 * @param insecure         registries reached over plain HTTP (or HTTPS without verification): {@code host},
 *                         {@code host:port} or an IPv4 CIDR such as {@code 10.0.0.0/8}
 * @param loopbackInsecure whether localhost, 127.0.0.0/8 and ::1 are insecure without being listed (docker's rule)
 * @param credentials      where logins come from; {@link Credentials#none()} for anonymous access only
 * @param parallelism      how many blobs move at once
 * @param chunkThreshold   blobs up to this size are pushed in one PUT, larger ones in PATCH chunks
 * @param chunkSize        the size of one PATCH chunk
 * @param connectTimeout   TCP connect timeout
 */
public record RegistryOptions(List<Path> certsDirs, Set<String> insecure, boolean loopbackInsecure, Credentials credentials,
                              int parallelism, long chunkThreshold, long chunkSize, Duration connectTimeout) {
    public static final Path BERTH_CERTS = Path.of("/etc/berth/certs.d");
    public static final Path DOCKER_CERTS = Path.of("/etc/docker/certs.d");

    public RegistryOptions {
        certsDirs = List.copyOf(certsDirs);
        insecure = Set.copyOf(insecure);
        if (credentials == null) credentials = Credentials.none();
        if (parallelism < 1) throw new IllegalArgumentException("parallelism must be at least 1, got " + parallelism);
        if (chunkSize < 1) throw new IllegalArgumentException("chunk size must be positive, got " + chunkSize);
    }

    /** /etc/berth/certs.d and /etc/docker/certs.d, loopback insecure, no credentials, 3 blobs at a time, 8 MiB monolithic, 16 MiB chunks. */
    public static RegistryOptions defaults() {
        return new RegistryOptions(List.of(BERTH_CERTS, DOCKER_CERTS), Set.of(), true, Credentials.none(), 3, 8L << 20, 16L << 20,
                Duration.ofSeconds(30));
    }

    public RegistryOptions withCertsDirs(Path... dirs) {
        return new RegistryOptions(List.of(dirs), insecure, loopbackInsecure, credentials, parallelism, chunkThreshold, chunkSize, connectTimeout);
    }

    public RegistryOptions withInsecure(Set<String> registries, boolean loopback) {
        return new RegistryOptions(certsDirs, registries, loopback, credentials, parallelism, chunkThreshold, chunkSize, connectTimeout);
    }

    public RegistryOptions withCredentials(Credentials c) {
        return new RegistryOptions(certsDirs, insecure, loopbackInsecure, c, parallelism, chunkThreshold, chunkSize, connectTimeout);
    }

    public RegistryOptions withParallelism(int n) {
        return new RegistryOptions(certsDirs, insecure, loopbackInsecure, credentials, n, chunkThreshold, chunkSize, connectTimeout);
    }

    public RegistryOptions withChunking(long threshold, long size) {
        return new RegistryOptions(certsDirs, insecure, loopbackInsecure, credentials, parallelism, threshold, size, connectTimeout);
    }

    /** The directory named in TLS error messages for this registry. */
    Path caHint(String registry) {
        return (certsDirs.isEmpty() ? BERTH_CERTS : certsDirs.getFirst()).resolve(registry).resolve("ca.crt");
    }
}
