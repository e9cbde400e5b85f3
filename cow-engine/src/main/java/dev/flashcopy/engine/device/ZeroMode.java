package dev.flashcopy.engine.device;

/** How a zero-write may be carried out. */
public enum ZeroMode {
    /** Punch a hole: the range reads as zero and frees space. */
    PUNCH,
    /** Keep the range allocated (NBD {@code NO_HOLE}): zero it in place. */
    ALLOCATE
}
