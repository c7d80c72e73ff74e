package dev.berth.image.registry;

import java.io.IOException;

/**
 * A registry operation failed. The message is one sentence for the user and names what failed
 * ("manifest for localhost:5000/app:1 not found"); {@link #status()} is the HTTP status when the registry
 * answered (0 when it could not be reached) and {@link #code()} the registry's error code when it sent one.
 */
public class RegistryException extends IOException {
    private final int status;
    private final String code;

    public RegistryException(String message) {
        this(message, 0, null, null);
    }

    public RegistryException(String message, int status, String code, Throwable cause) {
        super(message, cause);
        this.status = status;
        this.code = code;
    }

    /** The HTTP status of the failed request, or 0 when there was no answer. */
    public int status() {
        return status;
    }

    /** The registry's error code (MANIFEST_UNKNOWN, DENIED, ...), or null. */
    public String code() {
        return code;
    }
}
