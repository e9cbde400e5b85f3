package dev.flashcopy.engine.device;

import java.io.IOException;

/**
 * A block request that failed for a reason the client is told ({@link #error()}). Not final only so the
 * engine can say which relationship a failed copy-on-write copy belongs to ({@code TargetWriteFailure}).
 */
public class BlockIoException extends IOException {
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
