package dev.flashcopy.nbd.client;

import dev.flashcopy.nbd.protocol.NbdCommand;
import java.io.IOException;

/**
 * The server answered a request with an error: {@link #errno()} is the reply's error value (a Linux errno, which
 * {@code NbdError} names when the spec defines it), and the message is the server's own when a structured error
 * chunk carried one. Immutable; no stack trace (the server's answer, not a fault here).
 */
public final class ErrorReply extends IOException {
    private final int errno;

    public ErrorReply(NbdCommand command, int errno, String serverMessage) {
        super(command + " failed on the server: error " + errno
                + (serverMessage == null || serverMessage.isEmpty() ? "" : " (" + serverMessage + ")"));
        this.errno = errno;
    }

    public int errno() {
        return errno;
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this;
    }
}
