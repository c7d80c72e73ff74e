package dev.berth.network;

/** A networking request refused or failed, with the HTTP status the Docker API answers with (400, 403, 404, 409, 500). */
public class NetworkException extends RuntimeException {
    private final int status;

    public NetworkException(int status, String message) {
        super(message);
        this.status = status;
    }

    public NetworkException(int status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
