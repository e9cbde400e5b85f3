package dev.flashcopy.tools.admin;

import java.io.Serial;

/**
 * A request the API refuses with a given HTTP status and a one-line reason, thrown by resources
 * before they change anything. Carries no stack trace: it is an answer, not a bug.
 */
public final class ApiException extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final int status;

    public ApiException(int status, String message) {
        super(message, null, false, false);
        this.status = status;
    }

    public static ApiException badRequest(String message) {
        return new ApiException(400, message);
    }

    public static ApiException conflict(String message) {
        return new ApiException(409, message);
    }

    public int status() {
        return status;
    }
}
