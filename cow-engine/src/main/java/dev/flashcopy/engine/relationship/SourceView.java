package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.volume.Volume;

/**
 * A relationship's T0 kept by the store rather than by copy-on-write: view {@code name} of the source's image (an
 * RBD snapshot taken inside the establish's drained writes), open read-only as {@code volume}. While a relationship
 * has one, nothing reads a target through its source or its siblings: a grain the target still has to copy is read
 * from the view, and source writes copy nothing ({@link Family#holderOf}, {@link HostIo#mutateSource}).
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
