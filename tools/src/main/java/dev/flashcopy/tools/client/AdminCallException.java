package dev.flashcopy.tools.client;

import java.io.Serial;

/**
 * A call to the admin API that did not succeed, with a one-line reason and which side failed.
 * Carries no stack trace: the message is the whole story for the user.
 */
public final class AdminCallException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    /** Whose fault: the request (4xx), the link (no server), or the server (5xx, nonsense answer). */
    public enum Kind {
        REFUSED,
        UNREACHABLE,
        FAILED
    }

    private final Kind kind;
    private final int status;

    public AdminCallException(Kind kind, int status, String message) {
        super(message, null, false, false);
        this.kind = kind;
        this.status = status;
    }

    public Kind kind() {
        return kind;
    }

    /** The HTTP status, or 0 when there was no answer. */
    public int status() {
        return status;
    }
}
