package dev.berth.api.http;

import java.io.IOException;

/**
 * The client closed the connection before the exchange ended: while the server wrote to it (a
 * {@code docker logs -f} ended with ctrl-c, a {@code run -d} dropping its wait call) or in the middle of a
 * request body. Handlers may let it propagate: the server ends the exchange quietly, without logging it as a
 * failure.
 */
public final class ClientGoneException extends IOException {
    public ClientGoneException(String message, IOException cause) {
        super(message, cause);
    }
}
