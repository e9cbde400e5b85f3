package dev.flashcopy.engine.relationship;

import java.util.Locale;

/**
 * What happens when a copy-on-write copy cannot be written because the target's file system is full
 * ({@code mkflash --on-full}). A target write failing with an I/O error always fails the relationship.
 */
public enum OnFull {
    /** The relationship goes to {@code failed} (its target no longer keeps T0) and the source write goes on. */
    FAIL,
    /** The source write that needs the copy fails with ENOSPC; the relationship and its T0 stay intact. */
    INHIBIT_SOURCE;

    public String label() {
        return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    /** {@code fail} or {@code inhibit-source}. */
    public static OnFull parse(String text) {
        for (OnFull p : values()) {
            if (p.label().equals(text)) {
                return p;
            }
        }
        throw new IllegalArgumentException("on-full: " + text + " (expected: fail or inhibit-source)");
    }
}
