package dev.flashcopy.engine.relationship;

import java.util.Locale;

/** Whether a background copier fills the target ({@code COPY}, the default) or only writes copy grains. */
public enum CopyMode {
    /** A background copier copies every grain; a non-persistent relationship ends at 100 %. */
    COPY,
    /** Grains are copied only when a write needs them (DS CLI {@code -nocp}). */
    NOCOPY;

    public String label() {
        return name().toLowerCase(Locale.ROOT);
    }
}
