/**
 * The Docker Engine API that berth serves to the unmodified docker CLI and docker-compose: the endpoints,
 * written on top of {@link dev.berth.api.http}. {@link dev.berth.api.SystemRoutes} holds the ones every client
 * calls first ({@code /_ping}, {@code /version}, {@code /info}).
 */
package dev.berth.api;
