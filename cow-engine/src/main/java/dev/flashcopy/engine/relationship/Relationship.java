package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.volume.Volume;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One live source:target pair: its fixed identity (id, T0, grain geometry, options chosen at establish),
 * its to-copy bitmap, and the few settings that change later (mode, persistence, rate), which the engine
 * changes under its admin lock and persists in the catalog.
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
    private final GrainBitmap toCopy;
    private final AtomicLong lastClearSeq = new AtomicLong();
    private volatile CopyMode mode;
    private volatile boolean persistent;
    private volatile int rateMiBps;
    private volatile boolean cleaning;
    private volatile long copyCursor;
    private volatile double measuredRateMiBps;

    public Relationship(RelationshipRecord record, Volume source, Volume target, GrainBitmap toCopy) {
        this.id = record.id();
        this.source = source;
        this.target = target;
        this.seqnum = record.seqnum();
        this.geometry = new GrainGeometry(record.grainSize(), record.size());
        this.establishedAt = Instant.parse(record.establishedAt());
        this.targetWriteInhibit = record.targetWriteInhibit();
        this.toCopy = toCopy;
        this.mode = record.mode();
        this.persistent = record.persistent();
        this.rateMiBps = record.rateMiBps();
        if (toCopy.grains() != geometry.grains()) {
            throw new IllegalArgumentException("bitmap of relationship " + id + " has " + toCopy.grains()
                    + " grains (expected: " + geometry.grains() + ")");
        }
    }

    public RelationshipRecord record() {
        return new RelationshipRecord(id, source.name(), target.name(), seqnum, mode, persistent, targetWriteInhibit,
                geometry.grainSize(), geometry.size(), establishedAt.toString(), rateMiBps);
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
        return toCopy;
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

    public boolean complete() {
        return toCopy.count() == 0;
    }

    public RelationshipState state() {
        if (cleaning) {
            return RelationshipState.CLEANING;
        }
        if (complete()) {
            return RelationshipState.COPIED;
        }
        return mode == CopyMode.COPY ? RelationshipState.COPYING : RelationshipState.NOCOPY;
    }

    /** The highest journal sequence number that cleared a bit here; a writer relying on it commits up to it. */
    public long lastClearSeq() {
        return lastClearSeq.get();
    }

    public void noteClear(long seq) {
        if (seq > 0) {
            lastClearSeq.accumulateAndGet(seq, Math::max);
        }
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

    @Override
    public String toString() {
        return source.name() + ":" + target.name() + "#" + id;
    }
}
