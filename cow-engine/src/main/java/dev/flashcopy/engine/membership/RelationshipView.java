package dev.flashcopy.engine.membership;

import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.Extent;
import dev.flashcopy.engine.relationship.RelationshipState;
import java.time.Instant;
import java.util.List;

/**
 * A relationship as {@code lsflash} shows it, taken at one moment. Immutable.
 *
 * @param outOfSyncGrains grains still to copy (after a fast reverse restore: plus grains the source still
 *     reads from its target)
 * @param copiedPercent 100 * (total - out of sync) / total grains
 * @param establishedAt when the relationship was made
 * @param copyRateMiBps the background copier's measured rate (0 when not copying)
 * @param recording change recording is on ({@code -record})
 * @param revertible {@code setflashrevertible} was run: target writes since the last commit can be undone
 * @param changedSourceGrains grains written on the source since {@code syncedAt} (0 unless recording)
 * @param changedTargetGrains grains written on the target since {@code syncedAt} (0 unless recording)
 * @param syncedAt T0 of the last establish or resync: the point in time the target stands for
 * @param extents the ranges of an extent relationship, or null (the whole volume)
 * @param onFull out-of-space policy, {@code fail} or {@code inhibit-source}
 * @param failedReason why the relationship is {@code failed} (null unless it is)
 * @param t0Snapshot where the store keeps T0, {@code POOL/SOURCE@flashcopy.t0.ID} (an RBD snapshot of the source), or
 *     null when copy-on-write keeps it in the target
 */
public record RelationshipView(
        long id,
        String source,
        String target,
        long seqnum,
        CopyMode mode,
        RelationshipState state,
        boolean persistent,
        boolean targetWriteInhibit,
        int grainSize,
        long totalGrains,
        long outOfSyncGrains,
        double copiedPercent,
        Instant establishedAt,
        double copyRateMiBps,
        boolean recording,
        boolean revertible,
        long changedSourceGrains,
        long changedTargetGrains,
        Instant syncedAt,
        List<Extent> extents,
        String onFull,
        String failedReason,
        String t0Snapshot) {}
