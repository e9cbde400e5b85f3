package dev.flashcopy.nbd.client;

import java.io.IOException;

/**
 * The server would not open the export: it refused an option (the export is unknown, the client is not allowed,
 * TLS is required, ...) or spoke something other than fixed-newstyle NBD. The message names the export and repeats
 * the server's own words. Immutable.
 */
public final class HandshakeRefused extends IOException {
    public HandshakeRefused(String message) {
        super(message);
    }
}
