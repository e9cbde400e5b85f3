package dev.flashcopy.engine.ending;

import java.time.Instant;
import java.util.Locale;

/**
 * How one relationship ended: so that {@code wait SRC:TGT} after the pair is gone can tell a completed copy
 * from a withdrawn, failed or reversed one. Immutable.
 *
 * @param id the relationship's id (ids never repeat; a reversed pair goes on under the same id the other way)
 * @param kind completed (nothing was left to copy), withdrawn (grains were still to copy), failed, or reversed
 * @param reason what ended it, in words
 * @param at when it ended
 */
public record RelationshipEnding(long id, String source, String target, Kind kind, String reason, Instant at) {
    /** The ways a relationship (a pair, as {@code SOURCE:TARGET}) ends. */
    public enum Kind {
        /** Nothing was left to copy: the target is a full copy of the source at T0. */
        COMPLETED,
        /** Withdrawn with grains still to copy: the target is not a full copy. */
        WITHDRAWN,
        /** The relationship had failed (its target holds no point in time) and was withdrawn. */
        FAILED,
        /**
         * Reversed by {@code reverseflash}: the target's point in time was restored onto the source, and the
         * relationship goes on the other way, {@code TARGET:SOURCE}.
         */
        REVERSED;

        /** The lower-case name used on the wire and in {@code endings.json}. */
        public String label() {
            return name().toLowerCase(Locale.ROOT);
        }

        /** The kind of {@code label}; IllegalArgumentException for anything else. */
        public static Kind of(String label) {
            for (Kind k : values()) {
                if (k.label().equals(label)) {
                    return k;
                }
            }
            throw new IllegalArgumentException(
                    "ending: " + label + " (expected: completed, withdrawn, failed or reversed)");
        }
    }

    /** {@code SOURCE:TARGET}. */
    public String pair() {
        return source + ":" + target;
    }
}
