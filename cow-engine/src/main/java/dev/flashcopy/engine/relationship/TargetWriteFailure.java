package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.device.BlockIoException;

/**
 * A copy-on-write copy could not be written to a target's file (I/O error or no space): the copy is not
 * there and its bit is still set. Carries the relationship so the caller applies its {@link OnFull} policy.
 */
public final class TargetWriteFailure extends BlockIoException {
    private final transient Relationship relationship;

    TargetWriteFailure(Relationship relationship, BlockIoException cause) {
        super(
                cause.error(),
                "copy-on-write to target " + relationship.target().name() + " of "
                        + relationship.source().name() + " failed: " + cause.getMessage(),
                cause);
        this.relationship = relationship;
    }

    public Relationship relationship() {
        return relationship;
    }
}
