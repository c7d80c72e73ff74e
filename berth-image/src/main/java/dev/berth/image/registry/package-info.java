/**
 * The registry client: pull and push images over the OCI distribution API (Docker's registry API v2).
 *
 * <h2>Pieces</h2>
 * <ul>
 *   <li>{@link dev.berth.image.registry.RegistryClient}: one per registry host. {@code resolve} (HEAD, then GET, of
 *       {@code /v2/REPO/manifests/REF}), {@code pull} into a {@link dev.berth.image.content.ContentStore},
 *       {@code push} from it.</li>
 *   <li>{@code Transport}: the JDK HttpClient (HTTP/1.1, pooled connections), the scheme, redirects and the mapping of
 *       failures to one-sentence {@link dev.berth.image.registry.RegistryException}s.</li>
 *   <li>{@code Authorizer} and {@code Challenge}: the WWW-Authenticate flow, Basic and Bearer tokens.</li>
 *   <li>{@link dev.berth.image.registry.Credentials}: logins in docker's config.json.</li>
 *   <li>{@link dev.berth.image.registry.ProgressListener}: per-blob events for progress bars.</li>
 * </ul>
 *
 * <h2>Pull</h2>
 * The name is resolved (the store's copy is used when it already holds the digest); an index is narrowed to the
 * platform's manifest (linux/amd64 unless asked otherwise; the error lists the platforms there are). The config and
 * the layers are fetched on virtual threads, three at a time, each into the store's ingest {@code "pull-DIGEST"}:
 * an interrupted download leaves that ingest behind and the next pull continues it with {@code Range: bytes=N-}
 * (starting again from 0 when the server answers 200). The store's writer verifies size and digest on commit, so a
 * blob with the wrong bytes is refused and leaves nothing. Blobs are committed before the manifest, the manifest
 * before the index.
 *
 * <h2>Push</h2>
 * Each blob: HEAD (skip when present), a cross-repository mount when the caller names a source repository, else
 * POST to open an upload and either one PUT {@code ?digest=} (up to 8 MiB) or PATCH chunks with Content-Range, each
 * to the Location the previous answer gave, and a closing PUT. Then child manifests by digest, then the top
 * manifest under its tag, each with its media type as Content-Type.
 *
 * <h2>Transport security</h2>
 * HTTPS with the system trust store plus {@code /etc/berth/certs.d/HOST:PORT/*.crt} and
 * {@code /etc/docker/certs.d/HOST:PORT/*.crt}. Registries marked insecure (localhost, 127.0.0.0/8 and ::1 by
 * default, plus the configured ones) are tried over plain HTTP first and over HTTPS without verification when that
 * port speaks TLS. Credentials are sent only to the registry's own origin, never to the host a redirect points at.
 *
 * <h2>Not done here</h2>
 * Credential helpers (credsStore, credHelpers), identity/refresh tokens (OAuth2 POST), client certificates
 * ({@code client.cert}/{@code client.key} in certs.d), schema 1 manifests, foreign-layer URLs, and a read timeout for
 * a stalled blob transfer.
 */
package dev.berth.image.registry;
