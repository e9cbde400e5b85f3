package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.volume.Volume;

/**
 * A relationship's T0 kept by the store rather than by copy-on-write: view {@code name} of the source's image (an
 * RBD snapshot, taken after the establish while the relationship was its family's newest, see {@code SourceViews}),
 * open read-only as {@code volume}. A relationship with one reads a grain it has not copied from the view, never
 * through the source or a sibling, and is owed no copies by source or sibling writes ({@link Family#holderOf},
 * {@link Family#viewed}).
 *
 * @param name the view's name on the source image, as the catalog records it
 * @param volume the view, read-only; closed when the relationship drops it
 */
public record SourceView(String name, Volume volume) {
    /** The view's name for relationship {@code id}: one per relationship, so a leftover is known by its id. */
    public static String nameFor(long id) {
        return "flashcopy.t0." + id;
    }
}
