package dev.flashcopy.engine.relationship;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.flashcopy.engine.bitmap.BitmapSet;
import java.util.Locale;

/**
 * What made a relationship's current generation after its establish: a resync or a reverse. Stored in
 * {@code relationships.json} as {@code "resync"} or {@code "reverse"} (the strings every version wrote); an
 * establish stores none. Recovery applies it to bitmaps checkpointed one generation earlier. Immutable.
 */
public enum GenerationChange {
    /** {@code resyncflash}: a new T0 where the grains changed on either side are to copy again. */
    RESYNC,
    /** {@code reverseflash}: the pair runs the other way, the changed grains to copy back. */
    REVERSE;

    /** The bitmaps of the generation this change made, from those of the one before. */
    public BitmapSet apply(BitmapSet before) {
        return this == RESYNC ? before.resynced() : before.reversed();
    }

    @JsonValue
    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** {@code resync} or {@code reverse}; anything else is an IllegalArgumentException (a damaged catalog). */
    @JsonCreator
    public static GenerationChange of(String label) {
        for (GenerationChange c : values()) {
            if (c.label().equals(label)) {
                return c;
            }
        }
        throw new IllegalArgumentException("lastChange: " + label + " (expected: resync or reverse)");
    }
}
