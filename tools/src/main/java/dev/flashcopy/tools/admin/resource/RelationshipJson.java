package dev.flashcopy.tools.admin.resource;

import com.fasterxml.jackson.annotation.JsonInclude;
import dev.flashcopy.engine.membership.RelationshipView;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * A FlashCopy relationship on the wire, with the field names {@code lsflash --json} documents:
 * {@code mode} is {@code copy} or {@code nocopy}, {@code state} one of the engine's state labels,
 * {@code outOfSyncGrains} the grains still to copy, {@code establishedAt} when the relationship was made
 * in ISO-8601, {@code recording} change recording on, {@code revertible} (setflashrevertible was run: target
 * writes since the last commitflash can be undone), {@code changedSourceGrains}/{@code changedTargetGrains}
 * grains written on each side since {@code dateSynced}, the T0 of the last establish or resync; {@code frozen}
 * when the source's writes are held by a consistency-group freeze, until {@code frozenUntil} at the latest (null
 * when not frozen); {@code onFull} the out-of-space policy ({@code fail} or {@code inhibit-source}),
 * {@code failedReason} why the state is {@code failed} (null otherwise); {@code extents} the ranges of an extent
 * relationship (absent for a whole-volume one); {@code owner} the server that serves the relationship's volumes, on a
 * store several servers share (absent on a file store, which has one server); {@code t0Snapshot} the RBD snapshot of
 * the source that keeps T0, {@code POOL/SOURCE@flashcopy.t0.ID} (absent when copy-on-write keeps it). Immutable.
 */
public record RelationshipJson(
        String source,
        String target,
        long seqnum,
        String mode,
        String state,
        boolean persistent,
        boolean tgtinhibit,
        int grainSize,
        long totalGrains,
        long outOfSyncGrains,
        double copiedPercent,
        String establishedAt,
        double copyRateMiBps,
        boolean recording,
        boolean revertible,
        long changedSourceGrains,
        long changedTargetGrains,
        String dateSynced,
        boolean frozen,
        String frozenUntil,
        String onFull,
        String failedReason,
        @JsonInclude(JsonInclude.Include.NON_NULL) List<ExtentJson> extents,
        @JsonInclude(JsonInclude.Include.NON_NULL) String owner,
        @JsonInclude(JsonInclude.Include.NON_NULL) String t0Snapshot) {

    /** One range: source bytes {@code [sourceOffset, sourceOffset + length)} at {@code targetOffset}. */
    public record ExtentJson(long sourceOffset, long targetOffset, long length) {}

    /**
     * With the freeze of the relationship's source, if frozen, and the name of the server that owns it ({@code
     * null} on a file store).
     */
    static RelationshipJson of(RelationshipView v, Optional<Instant> frozenUntil, String owner) {
        return new RelationshipJson(
                v.source(),
                v.target(),
                v.seqnum(),
                v.mode().name().toLowerCase(Locale.ROOT),
                v.state().label(),
                v.persistent(),
                v.targetWriteInhibit(),
                v.grainSize(),
                v.totalGrains(),
                v.outOfSyncGrains(),
                Math.floor(v.copiedPercent() * 100) / 100,
                v.establishedAt().toString(),
                Math.round(v.copyRateMiBps() * 10) / 10.0,
                v.recording(),
                v.revertible(),
                v.changedSourceGrains(),
                v.changedTargetGrains(),
                v.syncedAt().toString(),
                frozenUntil.isPresent(),
                frozenUntil.map(Instant::toString).orElse(null),
                v.onFull(),
                v.failedReason(),
                v.extents() == null
                        ? null
                        : v.extents().stream()
                                .map(e -> new ExtentJson(e.sourceOffset(), e.targetOffset(), e.length()))
                                .toList(),
                owner,
                v.t0Snapshot());
    }
}
