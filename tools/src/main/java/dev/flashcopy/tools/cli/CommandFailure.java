package dev.flashcopy.tools.cli;

import java.io.Serial;

/**
 * A failure the user should see as one line, {@code flashcopy: <message>}, with the exit code
 * that says what kind it was. It carries no stack trace: it reports, it does not debug.
 */
public final class CommandFailure extends RuntimeException {
    @Serial
    private static final long serialVersionUID = 1L;

    private final transient ExitCode exitCode;

    public CommandFailure(ExitCode exitCode, String message) {
        super(message, null, false, false);
        this.exitCode = exitCode;
    }

    public ExitCode exitCode() {
        return exitCode;
    }
}
