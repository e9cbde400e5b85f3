package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.journal.RecordType;
import dev.flashcopy.engine.volume.Volume;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * Bulk grain copies inside a family: the background copier's steps and the cleaning that runs before a
 * target leaves the chain. Both copy whole runs of grains with large sequential I/O, walk the holder's
 * allocation so a hole is punched on the target instead of read and written (the target stays sparse),
 * and clear the run's bits with one journal record. A background copy into target k copies k's view,
 * which leaves every other target's view unchanged. Callers hold the chain read (or write) lock.
 *
 * <p>Stateless and thread-safe; {@code buffer} arguments belong to the calling thread.
 */
public final class ChainCopy {
    private ChainCopy() {}

    /**
     * Copies up to {@code maxBytes} of the next grains {@code rel} still has to copy, from where the last
     * step stopped (wrapping to grain 0). Returns {@link CopyProgress#NONE} when nothing is left.
     */
    public static CopyProgress copyStep(Family f, Relationship rel, long maxBytes, ByteBuffer buffer)
            throws BlockIoException {
        int k = f.indexOf(rel);
        GrainBitmap bits = rel.toCopy();
        long first = bits.nextSet(rel.copyCursor());
        if (first < 0) {
            first = bits.nextSet(0);
        }
        if (k < 0 || rel.failed()) {
            return CopyProgress.NONE;
        }
        if (first < 0) {
            return returnBorrowed(f, rel, maxBytes, buffer); // after a fast reverse: bring the source's grains home
        }
        GrainGeometry geo = f.geometry();
        long maxGrains = Math.max(1, maxBytes / geo.grainSize());
        long end = Math.min(bits.nextClear(first), first + maxGrains);
        long data = 0;
        try (GrainLocks.Held held = f.locks().lock(first, end - 1)) {
            // Host writes may have cleared some of the run since it was chosen: copy only what is still set.
            for (long g = bits.nextSet(first); g >= 0 && g < end; g = bits.nextSet(g)) {
                long runEnd = Math.min(bits.nextClear(g), end);
                Volume holder = f.holderOf(k, g);
                long split = g + 1;
                while (split < runEnd && f.holderOf(k, split) == holder) {
                    split++;
                }
                long delta = 0;
                if (rel.extents() != null) {
                    // An extent relationship moves data by its extent's offset: never copy across an extent's end.
                    Extent e = rel.extents().ofSource(geo.start(g));
                    split = Math.min(split, e.sourceEnd() / geo.grainSize());
                    delta = e.targetOffset() - e.sourceOffset();
                }
                try {
                    data += copyRange(holder, rel.target(), geo.start(g), geo.end(split - 1), delta, buffer);
                } catch (BlockIoException e) {
                    if (e.error() == BlockError.NO_SPACE && rel.onFull() == OnFull.INHIBIT_SOURCE) {
                        throw e; // the copier reports it and tries again later; T0 is intact
                    }
                    f.fail(rel, "background copy to target " + rel.target().name() + " failed: " + e.getMessage());
                    return CopyProgress.NONE;
                }
                rel.noteClear(
                        f.journal().clear(rel.id(), bits, g, split, rel.target().image()));
                g = split;
            }
        }
        rel.setCopyCursor(end);
        return new CopyProgress(geo.end(end - 1) - geo.start(first), data);
    }

    /**
     * Copies up to {@code maxBytes} of grains the source borrows from {@code rel}'s target back into the
     * source's file (all of them when {@code maxBytes} is {@link Long#MAX_VALUE}); NONE when none is left.
     */
    public static CopyProgress returnBorrowed(Family f, Relationship rel, long maxBytes, ByteBuffer buffer)
            throws BlockIoException {
        GrainBitmap bits = rel.borrowed();
        GrainGeometry geo = f.geometry();
        long batch = Math.max(1, Math.min(maxBytes, 8L << 20) / geo.grainSize());
        long budget = maxBytes / geo.grainSize();
        long covered = 0;
        long data = 0;
        for (long g = bits.nextSet(0);
                g >= 0 && (covered == 0 || covered / geo.grainSize() < budget);
                g = bits.nextSet(g)) {
            long end = Math.min(bits.nextClear(g), g + batch);
            try (GrainLocks.Held held = f.locks().lock(g, end - 1)) {
                for (long a = bits.nextSet(g); a >= 0 && a < end; a = bits.nextSet(a)) {
                    long b = Math.min(bits.nextClear(a), end);
                    data += copyRange(rel.target(), rel.source(), geo.start(a), geo.end(b - 1), buffer);
                    rel.noteClear(f.journal()
                            .clearBorrowed(rel.id(), bits, a, b, rel.source().image()));
                    covered += geo.end(b - 1) - geo.start(a);
                    a = b;
                }
            }
            g = end;
        }
        return new CopyProgress(covered, data);
    }

    /**
     * Before {@code rel} leaves the chain: copies into the next older target every grain that one still
     * has to copy and {@code rel} holds, since the older one reads it through {@code rel} today, unless it
     * can read that grain from the source again. Grains both still have to copy need nothing: the older
     * target then reads through to the next newer one, which has the same view. Then rel's source-changed
     * marks go to the older one (see {@link HostIo#markNewest}), so they keep covering every change since
     * its T0 once rel is gone. The records are committed by the caller before the catalog drops rel.
     */
    public static CopyProgress clean(Family f, Relationship rel, ByteBuffer buffer) throws BlockIoException {
        int k = f.indexOf(rel);
        if (k <= 0 || f.at(k - 1).view() != null) { // one with a view of the source reads no sibling
            return CopyProgress.NONE;
        }
        Relationship older = f.at(k - 1);
        GrainGeometry geo = f.geometry();
        GrainBitmap readsThrough = GrainBitmap.andNot(older.toCopy(), rel.toCopy());
        GrainBitmap needed = GrainBitmap.andNot(readsThrough, readableFromSource(f, k));
        long batch = Math.max(1, (8L << 20) / geo.grainSize());
        long covered = 0;
        long data = 0;
        for (long g = needed.nextSet(0); g >= 0; g = needed.nextSet(g)) {
            long end = Math.min(needed.nextClear(g), g + batch);
            try (GrainLocks.Held held = f.locks().lock(g, end - 1)) {
                long a = g;
                while (a < end) {
                    // Re-check under the lock: only grains the older one still needs and rel still holds.
                    while (a < end && !(older.toCopy().isSet(a) && !rel.toCopy().isSet(a))) {
                        a++;
                    }
                    long b = a;
                    while (b < end && older.toCopy().isSet(b) && !rel.toCopy().isSet(b)) {
                        b++;
                    }
                    if (b > a) {
                        data += copyRange(rel.target(), older.target(), geo.start(a), geo.end(b - 1), buffer);
                        older.noteClear(f.journal()
                                .clear(
                                        older.id(),
                                        older.toCopy(),
                                        a,
                                        b,
                                        older.target().image()));
                        covered += geo.end(b - 1) - geo.start(a);
                    }
                    a = b;
                }
            }
            g = end;
        }
        handOverMarks(f, rel, older);
        return new CopyProgress(covered, data);
    }

    /**
     * Grains that target {@code k}'s leaving changes for no one reading through it: the source's view has not
     * changed there since k's T0 (no mark on k or any newer relationship) and every newer target still reads
     * them from the source, so after k is gone the next older target reads there exactly what k holds. A
     * snapshot: marks only get set and bits only clear, so a grain that drops out meanwhile is one the caller
     * copies on its locked pass. Empty for extent relationships (nothing reads through them).
     */
    static GrainBitmap readableFromSource(Family f, int k) {
        long grains = f.geometry().grains();
        if (f.links() instanceof FamilyLinks.Extents || f.at(k).extents() != null) {
            return GrainBitmap.empty(grains);
        }
        GrainBitmap all = GrainBitmap.allSet(grains);
        GrainBitmap changed = f.at(k).sourceChanged().copy();
        GrainBitmap heldNewer = GrainBitmap.empty(grains);
        for (int j = k + 1; j < f.size(); j++) {
            Relationship r = f.at(j);
            changed = GrainBitmap.union(changed, r.sourceChanged());
            // A newer target that holds a grain (copied or written there) would become the older one's holder.
            heldNewer = GrainBitmap.union(heldNewer, GrainBitmap.andNot(all, r.toCopy()));
        }
        return GrainBitmap.andNot(GrainBitmap.andNot(all, changed), heldNewer);
    }

    /** Gives {@code older} the source-changed marks of {@code rel}, which is about to leave the chain. */
    private static void handOverMarks(Family f, Relationship rel, Relationship older) throws BlockIoException {
        if (f.links() instanceof FamilyLinks.Extents) {
            return;
        }
        GrainBitmap missing = GrainBitmap.andNot(rel.sourceChanged(), older.sourceChanged());
        long batch = Math.max(1, (8L << 20) / f.geometry().grainSize());
        for (long g = missing.nextSet(0); g >= 0; g = missing.nextSet(g)) {
            long end = Math.min(missing.nextClear(g), g + batch);
            try (GrainLocks.Held held = f.locks().lock(g, end - 1)) {
                older.noteClear(
                        f.journal().mark(RecordType.SOURCE_CHANGED, older.id(), older.sourceChanged(), g, end), g, end);
            }
            g = end;
        }
    }

    /**
     * Before {@code rel} drops its {@link SourceView}: copies from the view into the target every grain of {@code
     * grains} the target still has to copy, and clears their bits, run by run. The caller chooses the grains so that
     * afterwards each grain the target still has to copy reads T0 through the chain (see {@code SourceViews}); it
     * holds the chain write lock (no host write runs) and commits before the view goes.
     *
     * @return grains copied
     */
    public static long copyFromView(Family f, Relationship rel, GrainBitmap grains, ByteBuffer buffer)
            throws BlockIoException {
        SourceView view = rel.view();
        GrainGeometry geo = f.geometry();
        GrainBitmap bits = rel.toCopy();
        long batch = Math.max(1, (8L << 20) / geo.grainSize());
        long copied = 0;
        for (long g = grains.nextSet(0); g >= 0; g = grains.nextSet(g)) {
            long end = Math.min(grains.nextClear(g), g + batch);
            for (long a = bits.nextSet(g); a >= 0 && a < end; a = bits.nextSet(a)) {
                long b = Math.min(bits.nextClear(a), end);
                try (GrainLocks.Held held = f.locks().lock(a, b - 1)) {
                    copyRange(view.volume(), rel.target(), geo.start(a), geo.end(b - 1), buffer);
                    rel.noteClear(
                            f.journal().clear(rel.id(), bits, a, b, rel.target().image()));
                }
                copied += b - a;
                a = b;
            }
            g = end;
        }
        return copied;
    }

    /**
     * Before {@code rel}, which may have newer siblings, switches to a {@link SourceView} taken after its T0: copies
     * into its target, from where it reads them today, the grains it still has to copy that a newer target holds.
     * The source may have changed there since (a source write's copy goes to the newest), so a view taken later may
     * not hold rel's T0 there. Every other grain rel still has to copy is still to copy in every newer one too, which
     * means the source has not changed there since rel's T0 (a source write copies to the newest first): the view
     * holds T0 of each. The caller holds the chain write lock (no host write runs meanwhile) and commits before the
     * catalog names the view.
     *
     * @return grains copied
     */
    public static long copyHeldNewer(Family f, Relationship rel) throws BlockIoException {
        int k = f.indexOf(rel);
        long grains = f.geometry().grains();
        GrainBitmap all = GrainBitmap.allSet(grains);
        GrainBitmap stillToCopyInAll = rel.toCopy().copy();
        for (int j = k + 1; j < f.size(); j++) {
            stillToCopyInAll = GrainBitmap.andNot(
                    stillToCopyInAll, GrainBitmap.andNot(all, f.at(j).toCopy()));
        }
        GrainBitmap needed = GrainBitmap.andNot(rel.toCopy(), stillToCopyInAll);
        long batch = Math.max(1, (8L << 20) / f.geometry().grainSize());
        long copied = 0;
        for (long g = needed.nextSet(0); g >= 0; g = needed.nextSet(g)) {
            long end = Math.min(needed.nextClear(g), g + batch);
            try (GrainLocks.Held held = f.locks().lock(g, end - 1)) {
                GrainRunCopy.copyViews(f, k, g, end - 1); // each from its holder: the newer target that has it
            }
            copied += end - g;
            g = end;
        }
        return copied;
    }

    /** Copies bytes {@code [from, to)} from {@code holder} to {@code dest}; holes are punched. Returns data bytes. */
    static long copyRange(Volume holder, Volume dest, long from, long to, ByteBuffer buffer) throws BlockIoException {
        return copyRange(holder, dest, from, to, 0, buffer);
    }

    /** As above, to {@code [from + delta, to + delta)} of {@code dest}. */
    static long copyRange(Volume holder, Volume dest, long from, long to, long delta, ByteBuffer buffer)
            throws BlockIoException {
        List<long[]> extents = new ArrayList<>();
        long[] at = {from};
        holder.image().mapAllocation(from, to - from, (length, hole) -> {
            extents.add(new long[] {at[0], length, hole ? 1 : 0});
            at[0] += length;
            return true;
        });
        long data = 0;
        for (long[] e : extents) {
            if (e[2] == 1) {
                GrainRunCopy.punch(dest.image(), e[0] + delta, e[1]);
                continue;
            }
            holder.image().copyTo(dest.image(), e[0], e[0] + delta, e[1], buffer);
            data += e[1];
        }
        return data;
    }
}
