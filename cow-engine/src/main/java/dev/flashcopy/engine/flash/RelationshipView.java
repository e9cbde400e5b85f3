package dev.flashcopy.engine.flash;

import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.RelationshipState;
import java.time.Instant;

/**
 * A relationship as {@code lsflash} shows it, taken at one moment. Immutable.
 *
 * @param outOfSyncGrains grains still to copy
 * @param copiedPercent 100 * copied grains / total grains
 * @param establishedAt T0
 * @param copyRateMiBps the background copier's measured rate (0 when not copying)
 */
public record RelationshipView(long id, String source, String target, long seqnum, CopyMode mode,
        RelationshipState state, boolean persistent, boolean targetWriteInhibit, int grainSize, long totalGrains,
        long outOfSyncGrains, double copiedPercent, Instant establishedAt, double copyRateMiBps) {
}
