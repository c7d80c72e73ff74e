package dev.berth.engine;

/**
 * An engine operation refused or failed, with the HTTP status the Docker API answers with (404 no such
 * container or image, 409 conflict, 400 bad input, 304 nothing to do) and docker's wording.
 */
public class EngineException extends RuntimeException {
    private final int status;

    public EngineException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }

    static EngineException noSuchContainer(String ref) {
        return new EngineException(404, "No such container: " + ref);
    }
}
