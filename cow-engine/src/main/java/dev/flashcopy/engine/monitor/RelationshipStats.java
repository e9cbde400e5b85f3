package dev.flashcopy.engine.monitor;

import dev.flashcopy.engine.relationship.Relationship;

/**
 * One live relationship's counters for monitoring, taken at one moment. The counters start at zero when
 * the relationship object is made: at server start, establish, resync and reverse. Immutable.
 *
 * @param outOfSyncGrains       grains still to copy (plus grains the source still borrows)
 * @param cowGrainCopies        grains copied into the target because a write needed it
 * @param backgroundCopiedBytes data bytes the background copier copied into the target (holes not counted)
 */
public record RelationshipStats(
        String source,
        String target,
        int grainSize,
        long totalGrains,
        long outOfSyncGrains,
        long cowGrainCopies,
        long backgroundCopiedBytes) {

    static RelationshipStats of(Relationship r) {
        return new RelationshipStats(
                r.source().name(),
                r.target().name(),
                r.geometry().grainSize(),
                r.geometry().grains(),
                r.outOfSync(),
                r.cowGrainCopies(),
                r.backgroundCopiedBytes());
    }
}
