package dev.berth.api.http;

/**
 * Serves one request. A handler must answer through {@code response} exactly once (a reply, a stream or a
 * hijack) or throw: an {@link ApiException} becomes its status and {@code {"message": ...}}, anything else a 500
 * carrying the exception's message, logged with its stack trace.
 */
@FunctionalInterface
public interface Handler {
    void handle(Request request, Response response) throws Exception;
}
