package dev.flashcopy.nbd.listen;

import java.io.IOException;
import java.io.Serial;

/** The server could not listen on one endpoint: which one, and why in words (no exception class names). */
public final class ListenFailure extends IOException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient Endpoint endpoint;
    private final String reason;

    public ListenFailure(Endpoint endpoint, String reason, Throwable cause) {
        super("cannot listen on " + endpoint + ": " + reason, cause);
        this.endpoint = endpoint;
        this.reason = reason;
    }

    public Endpoint endpoint() {
        return endpoint;
    }

    public String reason() {
        return reason;
    }
}
