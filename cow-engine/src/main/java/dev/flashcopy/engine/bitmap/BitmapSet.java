package dev.flashcopy.engine.bitmap;

/**
 * Every bitmap of one relationship, as the checkpoint stores and recovery rebuilds them.
 *
 * @param generation how many resyncs and reverses the relationship has been through; the catalog names
 *     the generation it expects, so recovery can tell a resync the checkpoint has not seen yet
 * @param toCopy grains the target still reads from its source side (cleared only)
 * @param sourceChanged grains written on the source since the last T0 (set only; kept while recording, and
 *     without recording by the newest relationship of a chain for cleaning, which hides them)
 * @param targetChanged grains written on the target since the last T0 (set only; empty unless recording)
 * @param borrowed grains the source's own file lacks after a fast reverse restore: its target's file holds
 *     them and the source reads them from there (cleared only)
 */
public record BitmapSet(
        long generation,
        GrainBitmap toCopy,
        GrainBitmap sourceChanged,
        GrainBitmap targetChanged,
        GrainBitmap borrowed) {
    public BitmapSet {
        long grains = toCopy.grains();
        for (GrainBitmap b : new GrainBitmap[] {sourceChanged, targetChanged, borrowed}) {
            if (b.grains() != grains) {
                throw new IllegalArgumentException(
                        "bitmap of " + b.grains() + " grains (expected: " + grains + ", as the to-copy bitmap)");
            }
        }
    }

    /** A relationship just established: everything to copy, nothing changed or borrowed. */
    public static BitmapSet established(long grains) {
        return new BitmapSet(
                0,
                GrainBitmap.allSet(grains),
                GrainBitmap.empty(grains),
                GrainBitmap.empty(grains),
                GrainBitmap.empty(grains));
    }

    /** Generation 0 with only a to-copy bitmap (as version 1 checkpoints stored it). */
    public static BitmapSet of(GrainBitmap toCopy) {
        long grains = toCopy.grains();
        return new BitmapSet(
                0, toCopy, GrainBitmap.empty(grains), GrainBitmap.empty(grains), GrainBitmap.empty(grains));
    }

    public long grains() {
        return toCopy.grains();
    }

    /** Independent copies of every bitmap. */
    public BitmapSet copy() {
        return new BitmapSet(generation, toCopy.copy(), sourceChanged.copy(), targetChanged.copy(), borrowed.copy());
    }

    /**
     * After {@code resyncflash}: a new T0 where every grain changed on either side since the last one is to
     * copy again (target writes are backed out: the target reads those from the source again), the others
     * keep their copy; recording starts afresh. Borrowed grains stay borrowed: both sides' views of them
     * are the target file's data.
     */
    public BitmapSet resynced() {
        long grains = grains();
        return new BitmapSet(
                generation + 1,
                GrainBitmap.union(toCopy, sourceChanged, targetChanged),
                GrainBitmap.empty(grains),
                GrainBitmap.empty(grains),
                borrowed.copy());
    }

    /**
     * After {@code reverseflash}, seen from the reversed relationship (old target is the new source). The
     * new target (old source) must read the old target's view: grains changed on either side differ and
     * grains the old source borrowed live only in the old target's file, so those are to copy; grains the
     * old target still read from the old source (to copy, unchanged: equal on both sides, held only by the
     * old source's file) are borrowed by the new source. Expects no grain both to copy and changed (the
     * engine copies such a grain's view into the target first).
     */
    public BitmapSet reversed() {
        long grains = grains();
        GrainBitmap changed = GrainBitmap.union(sourceChanged, targetChanged);
        return new BitmapSet(
                generation + 1,
                GrainBitmap.union(changed, borrowed),
                GrainBitmap.empty(grains),
                GrainBitmap.empty(grains),
                GrainBitmap.andNot(toCopy, changed));
    }
}
