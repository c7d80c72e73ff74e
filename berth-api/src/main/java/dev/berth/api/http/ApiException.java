package dev.berth.api.http;

/**
 * A failure a handler reports to the client: the HTTP status and the message of the
 * {@code {"message": ...}} body (a 304 has no body). The subclasses name the statuses the docker CLI
 * classifies, so engine code can catch, say, {@link NotFound} to try a fallback. These are expected
 * outcomes, not bugs: they carry no stack trace and are not logged.
 */
public sealed class ApiException extends RuntimeException
        permits ApiException.BadRequest, ApiException.Unauthorized, ApiException.Forbidden, ApiException.NotFound,
        ApiException.Conflict, ApiException.NotModified, ApiException.ServerError {

    private final int status;

    /** Any status; prefer the factories for the classified ones. */
    public ApiException(int status, String message) {
        this(status, message, null);
    }

    ApiException(int status, String message, Throwable cause) {
        super(message, cause, false, false);
        if (status < 300 || status > 599) throw new IllegalArgumentException("not an error status: " + status);
        this.status = status;
    }

    public int status() {
        return status;
    }

    /** A failure's message as one line for a client: its first line, or its class's name when it has none. */
    public static String oneLine(Throwable t) {
        String m = t.getMessage();
        if (m == null) return t.getClass().getSimpleName();
        m = m.strip();
        int nl = m.indexOf('\n');
        if (nl >= 0) m = m.substring(0, nl).strip();
        return m.length() > 1000 ? m.substring(0, 1000) + "..." : m;
    }

    /**
     * The 500 message for a failure no handler expected (a bug, or the host failing): its message's first line,
     * or the kind of failure when it has no message. The stack trace goes to the daemon's log (the server's
     * {@link HttpServer.Listener#failure}), never to the client.
     */
    public static String unexpected(Throwable t) {
        String m = t.getMessage();
        return m == null || m.isBlank() ? "internal server error (" + t.getClass().getSimpleName() + ")" : oneLine(t);
    }

    public static BadRequest badRequest(String message) {
        return new BadRequest(message);
    }

    public static Unauthorized unauthorized(String message) {
        return new Unauthorized(message);
    }

    public static Forbidden forbidden(String message) {
        return new Forbidden(message);
    }

    public static NotFound notFound(String message) {
        return new NotFound(message);
    }

    public static Conflict conflict(String message) {
        return new Conflict(message);
    }

    /** 304: moby's answer to starting a running container or stopping a stopped one; sent without a body. */
    public static NotModified notModified() {
        return new NotModified();
    }

    public static ServerError serverError(String message) {
        return new ServerError(message, null);
    }

    public static ServerError serverError(String message, Throwable cause) {
        return new ServerError(message, cause);
    }

    /** 400. */
    public static final class BadRequest extends ApiException {
        BadRequest(String message) { super(400, message); }
    }

    /** 401: bad registry credentials. */
    public static final class Unauthorized extends ApiException {
        Unauthorized(String message) { super(401, message); }
    }

    /** 403: e.g. removing a predefined network. */
    public static final class Forbidden extends ApiException {
        Forbidden(String message) { super(403, message); }
    }

    /** 404: drives the CLI's fallbacks (pull before create, inspect across object kinds). */
    public static final class NotFound extends ApiException {
        NotFound(String message) { super(404, message); }
    }

    /** 409: a name in use, a container in the wrong state. */
    public static final class Conflict extends ApiException {
        Conflict(String message) { super(409, message); }
    }

    /** 304, no body. */
    public static final class NotModified extends ApiException {
        NotModified() { super(304, "not modified"); }
    }

    /** 500 with a message meant for the client; the cause, if any, is logged. */
    public static final class ServerError extends ApiException {
        ServerError(String message, Throwable cause) { super(500, message, cause); }
    }
}
