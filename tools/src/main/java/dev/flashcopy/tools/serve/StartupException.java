package dev.flashcopy.tools.serve;

import java.io.Serial;

/**
 * Why the server could not start, in one line fit for the user: the data directory is locked, an
 * address is in use, the catalog is unreadable. Everything already started has been stopped.
 */
public final class StartupException extends Exception {
    @Serial
    private static final long serialVersionUID = 1L;

    public StartupException(String message, Throwable cause) {
        super(message, cause);
    }
}
