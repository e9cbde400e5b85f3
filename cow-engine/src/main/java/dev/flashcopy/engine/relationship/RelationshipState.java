package dev.flashcopy.engine.relationship;

import java.util.Locale;

/** Where a relationship is in its life, as {@code lsflash} shows it. */
public enum RelationshipState {
    /** COPY mode, grains still to copy: the background copier is working on it. */
    COPYING,
    /** NOCOPY mode, grains still to copy: grains move only when a write needs them. */
    NOCOPY,
    /** Every grain copied and the relationship kept (persistent, or NOCOPY): the target is a full copy. */
    COPIED,
    /** Being withdrawn: grains the next older target still reads through it are being copied there. */
    CLEANING,
    /**
     * A copy-on-write copy to its target failed (I/O error, or no space under {@code --on-full fail}): the
     * target no longer holds T0 and its reads and writes fail with EIO; the source goes on. Survives restarts;
     * {@code lsflash} shows the reason ({@code failedReason}); {@code rmflash} removes it.
     */
    FAILED,
    /** Its source or target image could not be opened at start; no I/O is routed through it. */
    INACTIVE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
