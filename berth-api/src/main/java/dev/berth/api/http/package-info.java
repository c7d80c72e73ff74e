/**
 * A small HTTP/1.1 server for the Docker Engine API, on a Unix socket, with what the docker CLI and docker-py
 * need and nothing more: keep-alive, {@code Content-Length} and chunked request bodies, whole replies with a
 * length, chunked streams flushed per message ({@link dev.berth.api.http.StreamWriter}), connection hijacking
 * for attach and exec with half-close ({@link dev.berth.api.http.Hijacked}), and the multiplexed frame format
 * ({@link dev.berth.api.http.Mux}).
 *
 * <p>Each connection is served on its own virtual thread with blocking channel I/O and per-connection buffers.
 * The {@link dev.berth.api.http.Router} matches paths with or without a {@code /vX.Y} prefix, takes raw image
 * names through a greedy segment, and answers anything unknown with a JSON 404. Handlers throw
 * {@link dev.berth.api.http.ApiException} for the statuses the CLI classifies; any other exception is a 500
 * carrying its message, logged with its stack trace, never sent to the client.
 */
package dev.berth.api.http;
