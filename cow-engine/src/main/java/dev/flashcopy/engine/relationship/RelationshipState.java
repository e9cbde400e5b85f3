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
    /** Its source or target image could not be opened at start; no I/O is routed through it. */
    INACTIVE;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
