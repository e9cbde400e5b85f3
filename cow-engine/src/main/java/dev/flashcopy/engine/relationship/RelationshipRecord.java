package dev.flashcopy.engine.relationship;

import java.util.List;

/**
 * One relationship as {@code relationships.json} remembers it. The bitmaps are not here: they live in the
 * checkpoint and journal, keyed by {@code id}. Immutable. Fields added after the first version read as
 * their defaults from an older file (false, 0, null), which is what such a relationship was.
 *
 * @param id unique, increasing in establish order
 * @param size bytes of the source covered by the bitmap
 * @param establishedAt when the relationship was made (mkflash), ISO-8601
 * @param recording change recording ({@code -record}): source- and target-changed bitmaps are kept
 * @param generation resyncs and reverses so far; recovery compares it with the checkpoint's
 * @param lastChange what made the current generation, or null (establish)
 * @param syncedAt T0 of the last establish or resync (null: {@code establishedAt}), ISO-8601
 * @param chainOrder position among the targets of one source, oldest first (0: {@code id}); a resync
 *     makes its target the newest point in time, so it moves to the end of the chain
 * @param extents the ranges of an extent relationship ({@code --extent}); null or empty: the whole volume
 * @param onFull what a full target file system does ({@code mkflash --on-full}; null: {@link OnFull#FAIL})
 * @param view the source's point-in-time view that holds T0 ({@link SourceView}: an RBD snapshot's name), or null
 *     when source writes copy T0 out grain by grain (every file store, and a relationship whose view was dropped)
 */
public record RelationshipRecord(
        long id,
        String source,
        String target,
        long seqnum,
        CopyMode mode,
        boolean persistent,
        boolean targetWriteInhibit,
        int grainSize,
        long size,
        String establishedAt,
        int rateMiBps,
        boolean recording,
        long generation,
        GenerationChange lastChange,
        String syncedAt,
        long chainOrder,
        List<Extent> extents,
        OnFull onFull,
        String view) {

    public RelationshipRecord {
        extents = extents == null || extents.isEmpty() ? null : List.copyOf(extents);
    }

    /** A whole-volume relationship, without an out-of-space policy (the default, {@link OnFull#FAIL}). */
    public RelationshipRecord(
            long id,
            String source,
            String target,
            long seqnum,
            CopyMode mode,
            boolean persistent,
            boolean targetWriteInhibit,
            int grainSize,
            long size,
            String establishedAt,
            int rateMiBps,
            boolean recording,
            long generation,
            GenerationChange lastChange,
            String syncedAt,
            long chainOrder) {
        this(
                id,
                source,
                target,
                seqnum,
                mode,
                persistent,
                targetWriteInhibit,
                grainSize,
                size,
                establishedAt,
                rateMiBps,
                recording,
                generation,
                lastChange,
                syncedAt,
                chainOrder,
                null,
                null,
                null);
    }

    /** This relationship over {@code ranges} instead. */
    public RelationshipRecord withExtents(List<Extent> ranges) {
        return new RelationshipRecord(
                id,
                source,
                target,
                seqnum,
                mode,
                persistent,
                targetWriteInhibit,
                grainSize,
                size,
                establishedAt,
                rateMiBps,
                recording,
                generation,
                lastChange,
                syncedAt,
                chainOrder,
                ranges,
                onFull,
                view);
    }

    /** The same relationship with out-of-space policy {@code policy}. */
    public RelationshipRecord withOnFull(OnFull policy) {
        return new RelationshipRecord(
                id,
                source,
                target,
                seqnum,
                mode,
                persistent,
                targetWriteInhibit,
                grainSize,
                size,
                establishedAt,
                rateMiBps,
                recording,
                generation,
                lastChange,
                syncedAt,
                chainOrder,
                extents,
                policy == OnFull.FAIL ? null : policy,
                view);
    }

    /** The out-of-space policy, {@link OnFull#FAIL} unless chosen otherwise. */
    public OnFull effectiveOnFull() {
        return onFull == null ? OnFull.FAIL : onFull;
    }

    /** A relationship as established, generation 0, not recording. */
    public RelationshipRecord(
            long id,
            String source,
            String target,
            long seqnum,
            CopyMode mode,
            boolean persistent,
            boolean targetWriteInhibit,
            int grainSize,
            long size,
            String establishedAt,
            int rateMiBps) {
        this(
                id,
                source,
                target,
                seqnum,
                mode,
                persistent,
                targetWriteInhibit,
                grainSize,
                size,
                establishedAt,
                rateMiBps,
                false,
                0,
                null,
                establishedAt,
                id);
    }

    /** The T0 the target's data stands for now. */
    public String t0() {
        return syncedAt != null ? syncedAt : establishedAt;
    }

    /** Where the target sits in its source's chain (older first). */
    public long effectiveChainOrder() {
        return chainOrder > 0 ? chainOrder : id;
    }
}
