package dev.flashcopy.engine.device;

import java.io.IOException;

/** A block request that failed for a reason the client is told ({@link #error()}). */
public final class BlockIoException extends IOException {
    private final BlockError error;

    public BlockIoException(BlockError error, String message) {
        super(message);
        this.error = error;
    }

    public BlockIoException(BlockError error, String message, Throwable cause) {
        super(message, cause);
        this.error = error;
    }

    public BlockError error() {
        return error;
    }
}
