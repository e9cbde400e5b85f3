package dev.flashcopy.nbd.client;

import java.io.IOException;

/**
 * The connection a request was on closed before its reply came (the server went away, the network failed, the
 * server broke the protocol, or the connection was closed here). Whether a write in flight reached the disk is
 * unknown. Immutable.
 */
public final class ConnectionLost extends IOException {
    public ConnectionLost(String message) {
        super(message);
    }

    public ConnectionLost(String message, Throwable cause) {
        super(message, cause);
    }
}
