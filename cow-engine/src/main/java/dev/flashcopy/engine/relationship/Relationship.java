package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.revert.RevertArea;
import dev.flashcopy.engine.volume.Volume;
import java.time.Instant;
import java.util.concurrent.atomic.LongAdder;

/**
 * One live source:target pair: its fixed identity (id, T0, grain geometry, options chosen at establish or
 * the last resync or reverse), its bitmaps, and the few settings that change later (mode, persistence,
 * rate), which the engine changes under its admin lock and persists in the catalog. A resync or reverse
 * replaces the object (same id, next generation) while the family's chain write lock is held.
 *
 * <p>Thread-safe: the mutable fields are volatile or atomic, the bitmap synchronises itself.
 */
public final class Relationship {
    private final long id;
    private final Volume source;
    private final Volume target;
    private final long seqnum;
    private final GrainGeometry geometry;
    private final Instant establishedAt;
    private final boolean targetWriteInhibit;
    /** The four bitmaps, live, of this generation (see {@link BitmapSet} for what each holds). */
    private final BitmapSet bitmaps;

    private final boolean recording;
    private final GenerationChange lastChange;
    private final Instant syncedAt;
    private final long chainOrder;
    private final ExtentMap extents;
    private final OnFull onFull;
    private volatile String failedReason;
    private final ClearSeqs clearSeqs = new ClearSeqs();
    private volatile CopyMode mode;
    private volatile boolean persistent;
    private volatile int rateMiBps;
    private volatile boolean cleaning;
    private volatile long copyCursor;
    private volatile double measuredRateMiBps;
    private final LongAdder cowGrainCopies = new LongAdder();
    private final LongAdder backgroundCopiedBytes = new LongAdder();
    private volatile RevertArea revertArea;
    /** Where I/O reads T0 when the store keeps it ({@link SourceView}), else null (copy-on-write keeps it). */
    private volatile SourceView view;
    /** The view the catalog names (it names one before I/O uses it, and stops before I/O stops), or null. */
    private volatile String recordedView;

    public Relationship(RelationshipRecord record, Volume source, Volume target, BitmapSet bitmaps) {
        this.id = record.id();
        this.source = source;
        this.target = target;
        this.seqnum = record.seqnum();
        this.geometry = new GrainGeometry(record.grainSize(), record.size());
        this.establishedAt = Instant.parse(record.establishedAt());
        this.targetWriteInhibit = record.targetWriteInhibit();
        this.bitmaps = bitmaps;
        this.recording = record.recording();
        this.lastChange = record.lastChange();
        this.syncedAt = Instant.parse(record.t0());
        this.chainOrder = record.effectiveChainOrder();
        this.extents = record.extents() == null
                ? null
                : ExtentMap.of(record.extents(), record.grainSize(), source.size(), target.size(), source == target);
        this.onFull = record.effectiveOnFull();
        if (bitmaps.generation() != record.generation()) {
            throw new IllegalArgumentException("bitmaps of relationship " + id + " are of generation "
                    + bitmaps.generation() + " (expected: " + record.generation() + ")");
        }
        this.mode = record.mode();
        this.persistent = record.persistent();
        this.rateMiBps = record.rateMiBps();
        if (bitmaps.toCopy().grains() != geometry.grains()) {
            throw new IllegalArgumentException("bitmaps of relationship " + id + " have "
                    + bitmaps.toCopy().grains() + " grains (expected: " + geometry.grains() + ")");
        }
        if (extents != null) {
            extents.mask(bitmaps.toCopy()); // only grains inside an extent are in the relationship
        }
    }

    /** The ranges of an extent relationship, or null for a whole-volume one. */
    public ExtentMap extents() {
        return extents;
    }

    /** Grains in the relationship: every grain of the source, or those inside its extents. */
    public long coveredGrains() {
        return extents == null ? geometry.grains() : extents.grains();
    }

    public RelationshipRecord record() {
        return new RelationshipRecord(
                        id,
                        source.name(),
                        target.name(),
                        seqnum,
                        mode,
                        persistent,
                        targetWriteInhibit,
                        geometry.grainSize(),
                        geometry.size(),
                        establishedAt.toString(),
                        rateMiBps,
                        recording,
                        bitmaps.generation(),
                        lastChange,
                        syncedAt.toString(),
                        chainOrder,
                        extents == null ? null : extents.extents(),
                        onFull,
                        recordedView)
                .withOnFull(onFull);
    }

    public OnFull onFull() {
        return onFull;
    }

    /** True once a copy to the target failed (see {@link RelationshipState#FAILED}); never cleared. */
    public boolean failed() {
        return failedReason != null;
    }

    /** Why the relationship failed, or null. */
    public String failedReason() {
        return failedReason;
    }

    /** Marks the relationship failed (after the failure is durable, see {@link FailureRecorder}). */
    public void markFailed(String reason) {
        if (failedReason == null) {
            failedReason = reason;
        }
    }

    /** Every bitmap, live (not copies), with the bitmaps.generation() they belong to. */
    public BitmapSet bitmaps() {
        return bitmaps;
    }

    public boolean recording() {
        return recording;
    }

    public long generation() {
        return bitmaps.generation();
    }

    /** T0 of the last establish or resync: the point in time the target's view stands for. */
    public Instant syncedAt() {
        return syncedAt;
    }

    /**
     * Bit set = grain written on the source since T0 (while recording; without recording, the newest target of
     * a chain keeps the marks cleaning needs, see {@code HostIo.markNewest}, and shows none). Set bits only
     * through the journal.
     */
    public GrainBitmap sourceChanged() {
        return bitmaps.sourceChanged();
    }

    /** Bit set = grain written on the target since T0 (only while recording). Set bits only through the journal. */
    public GrainBitmap targetChanged() {
        return bitmaps.targetChanged();
    }

    /**
     * Bit set = the source's own file lacks the grain and reads it from the target's file (left by a fast
     * reverse restore). Clear bits only through the journal.
     */
    public GrainBitmap borrowed() {
        return bitmaps.borrowed();
    }

    public long id() {
        return id;
    }

    public Volume source() {
        return source;
    }

    public Volume target() {
        return target;
    }

    public long seqnum() {
        return seqnum;
    }

    public GrainGeometry geometry() {
        return geometry;
    }

    public Instant establishedAt() {
        return establishedAt;
    }

    public boolean targetWriteInhibit() {
        return targetWriteInhibit;
    }

    /** Bit set = grain still to copy. Clear bits only through the journal. */
    public GrainBitmap toCopy() {
        return bitmaps.toCopy();
    }

    public CopyMode mode() {
        return mode;
    }

    public boolean persistent() {
        return persistent;
    }

    public int rateMiBps() {
        return rateMiBps;
    }

    /** Changes mode and persistence (admin lock held; the caller persists the catalog). */
    public void reconfigure(CopyMode newMode, boolean newPersistent) {
        this.mode = newMode;
        this.persistent = newPersistent;
    }

    public void setRateMiBps(int rate) {
        this.rateMiBps = rate;
    }

    public boolean cleaning() {
        return cleaning;
    }

    public void setCleaning(boolean cleaning) {
        this.cleaning = cleaning;
    }

    /** Nothing left to copy in either direction: no grain to copy, none borrowed. */
    public boolean complete() {
        return bitmaps.toCopy().isEmpty() && bitmaps.borrowed().isEmpty();
    }

    /** Grains still to copy plus grains the source still borrows. */
    public long outOfSync() {
        return bitmaps.toCopy().count() + bitmaps.borrowed().count();
    }

    public RelationshipState state() {
        if (failedReason != null) {
            return RelationshipState.FAILED;
        }
        if (cleaning) {
            return RelationshipState.CLEANING;
        }
        if (complete()) {
            return RelationshipState.COPIED;
        }
        return mode == CopyMode.COPY ? RelationshipState.COPYING : RelationshipState.NOCOPY;
    }

    /**
     * The highest journal sequence number that changed a bit here (cleared a to-copy or borrowed bit, set a
     * changed bit); a writer relying on it commits up to it.
     */
    public long lastClearSeq() {
        return clearSeqs.highest();
    }

    /** At least the highest journal sequence number that changed a bit of grains {@code [g0, g1]}. */
    public long lastClearSeq(long g0, long g1) {
        return clearSeqs.of(g0, g1);
    }

    /** Record {@code seq} changed bits here, of grains it does not say: every grain's writer commits up to it. */
    public void noteClear(long seq) {
        clearSeqs.note(seq);
    }

    /** Record {@code seq} changed bits of grains {@code [g0, g1)} only. */
    public void noteClear(long seq, long g0, long g1) {
        clearSeqs.note(seq, g0, g1);
    }

    /** Where the background copier resumes (a grain number); only the copier uses it. */
    public long copyCursor() {
        return copyCursor;
    }

    public void setCopyCursor(long grain) {
        this.copyCursor = grain;
    }

    public double measuredRateMiBps() {
        return measuredRateMiBps;
    }

    public void setMeasuredRateMiBps(double rate) {
        this.measuredRateMiBps = rate;
    }

    /** One grain copied into this target on behalf of a host write (copy-on-write). */
    public void noteCowCopy() {
        cowGrainCopies.increment();
    }

    /** {@code grains} grains copied into this target at once on behalf of a host write. */
    public void noteCowCopies(long grains) {
        cowGrainCopies.add(grains);
    }

    /** Grains copied into this target by copy-on-write since this object was made (open, establish, resync). */
    public long cowGrainCopies() {
        return cowGrainCopies.sum();
    }

    /** Data bytes the background copier read and wrote for this target (holes are punched, not counted). */
    public void noteBackgroundCopy(long dataBytes) {
        backgroundCopiedBytes.add(dataBytes);
    }

    /** Data bytes copied by the background copier since this object was made (open, establish, resync). */
    public long backgroundCopiedBytes() {
        return backgroundCopiedBytes.sum();
    }

    /** The source's view that holds this relationship's T0, or null when the chain's copies hold it. */
    public SourceView view() {
        return view;
    }

    /** Sets or drops (null) the view I/O uses; see {@link #setRecordedView} for the order with the catalog. */
    public void setView(SourceView view) {
        this.view = view;
    }

    /** The name of the view {@link #record()} names, or null. */
    public String recordedView() {
        return recordedView;
    }

    /**
     * What {@link #record()} says of the view: set before a catalog save that precedes the first I/O using the
     * view, cleared before the save that follows the last (a view the catalog names but I/O does not use yet still
     * holds T0 of every grain still to copy, see {@code SourceViews}).
     */
    public void setRecordedView(String name) {
        this.recordedView = name;
    }

    /** The undo area while the relationship is revertible ({@code setflashrevertible}), else null. */
    public RevertArea revertArea() {
        return revertArea;
    }

    public void setRevertArea(RevertArea area) {
        this.revertArea = area;
    }

    @Override
    public String toString() {
        return source.name() + ":" + target.name() + "#" + id;
    }
}
