package dev.flashcopy.engine.ending;

import dev.flashcopy.engine.relationship.Relationship;

/**
 * Where a change that ends a relationship says how it ended, once the catalog no longer names it: the engine's
 * {@link EndingLog}, which {@code wait} reads. A failure to record is the recorder's to report, never a reason to
 * fail the change that already happened.
 */
@FunctionalInterface
public interface EndingRecorder {
    /** {@code rel} (as its pair was, {@code SOURCE:TARGET}) ended as {@code kind}, for {@code reason}. */
    void record(Relationship rel, RelationshipEnding.Kind kind, String reason);
}
