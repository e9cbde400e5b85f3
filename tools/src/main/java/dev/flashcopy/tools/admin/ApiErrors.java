package dev.flashcopy.tools.admin;

import java.io.IOException;
import java.io.PrintWriter;
import java.util.NoSuchElementException;

/**
 * The one mapping from what an operation threw to what the client is told. The engine's contract:
 * bad input is {@link IllegalArgumentException} (400), an unknown name {@link
 * NoSuchElementException} (404), a conflict with current state {@link IllegalStateException}
 * (409), storage trouble {@link IOException} (500, its message only). Anything else is a bug: 500
 * with the exception's class, and the stack trace goes to the server's log, never to the client.
 * Thread-safe.
 */
public final class ApiErrors {
    private final PrintWriter log;

    public ApiErrors(PrintWriter log) {
        this.log = log;
    }

    public ApiResponse toResponse(Throwable t) {
        return switch (t) {
            case ApiException e -> ApiResponse.error(e.status(), e.getMessage());
            case IllegalArgumentException e -> ApiResponse.error(400, e.getMessage());
            case NoSuchElementException e -> ApiResponse.error(404, e.getMessage());
            case IllegalStateException e -> ApiResponse.error(409, e.getMessage());
            case IOException e -> ApiResponse.error(500, "I/O error: " + oneLine(e.getMessage()));
            default -> {
                log.println("flashcopy: admin request failed unexpectedly:");
                t.printStackTrace(log);
                log.flush();
                yield ApiResponse.error(
                        500,
                        "internal error (" + t.getClass().getSimpleName() + ": " + oneLine(t.getMessage())
                                + "); see the server's log");
            }
        };
    }

    private static String oneLine(String s) {
        return s == null ? "no detail" : s.replace('\n', ' ').strip();
    }
}
