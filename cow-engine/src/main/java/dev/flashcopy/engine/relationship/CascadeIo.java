package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.journal.RecordType;

/**
 * The copy-on-write rules for a volume in the middle of a cascade: the target of one relationship (in
 * family {@code up}, at chain index k) and the source of its own family {@code f}. Before its file changes
 * at grain g, both of its roles' duties run under one set of grain locks (the cascade shares them):
 * <ul>
 *   <li>as a source: the newest target of {@code f} gets its view of g first (it reads this volume's view,
 *       which may itself still come from further up), and every recording relationship of {@code f} marks
 *       g source-changed;</li>
 *   <li>as a target: grains the source above borrows from this volume's file (a fast reverse restore) go
 *       home first; the next older target k-1 of {@code up} gets its view first; a partial write of a grain
 *       still to copy first copies this volume's own view in, a whole-grain one clears the bit after the
 *       data is written; a recording relationship marks g target-changed.</li>
 * </ul>
 * One journal commit covers every copy and mark before the file changes, so the cost of a write stays at
 * most two grain copies however deep the cascade and however many targets each level has. Its reads are a
 * target's ({@link HostReads#readTarget} in {@code up}). Callers hold the cascade's chain read lock ({@link
 * Family#enter}).
 *
 * <p>Stateless and thread-safe.
 */
public final class CascadeIo {
    private CascadeIo() {}

    /** A write, trim or zero on a cascade's middle volume: the source of {@code below}, a target one level up. */
    public static void mutate(VolumeRoute.CascadeMiddle middle, long offset, long length, HostIo.Mutation op)
            throws BlockIoException {
        Family f = middle.below();
        Family up = middle.above();
        Relationship rel = middle.asTarget();
        if (rel.failed()) {
            throw HostIo.failedTarget(rel); // as for any target: reads of it fail too, so writes must not land
        }
        HostIo.refuseInhibited(rel);
        GrainGeometry geo = f.geometry();
        long cover = Math.min(offset + length, geo.size());
        if (length == 0 || offset >= cover) {
            op.apply(f.source(), offset, length);
            return;
        }
        long g0 = geo.grainOf(offset);
        long g1 = geo.grainOf(cover - 1);
        long hostWrite = f.hostLoad().begin();
        try (GrainLocks.Held held = f.locks().lock(g0, g1)) {
            long need = preserveBelow(f, g0, g1);
            GrainGeometry upGeo = up.geometry();
            long upCover = Math.min(cover, upGeo.size());
            long whole0 = 0;
            long whole1 = -1;
            if (offset < upCover) {
                long u1 = upGeo.grainOf(upCover - 1);
                int k = up.indexOf(rel);
                // After a fast reverse restore of a source with other targets, the top's source may still read
                // grains from this volume's file: they go home before it changes.
                need = Math.max(need, HostIo.returnBorrowed(up, g0, u1));
                if (k > 0) {
                    need = Math.max(need, preserveOlder(up, k - 1, g0, u1));
                }
                whole0 = upGeo.covers(offset, length, g0) ? g0 : g0 + 1;
                whole1 = upGeo.covers(offset, length, u1) ? u1 : u1 - 1;
                need = Math.max(need, HostIo.copyPartialGrains(up, k, g0, u1, whole0, whole1));
                if (rel.recording()) {
                    rel.noteClear(
                            f.journal().mark(RecordType.TARGET_CHANGED, rel.id(), rel.targetChanged(), g0, u1 + 1));
                    need = Math.max(need, rel.lastClearSeq());
                }
            }
            // Durability: the newest target below and the next older sibling above hold their views of these
            // grains durably (data synced, bits durably clear), borrowed grains are durably home in the source
            // above, and every recording relationship durably says "changed", before this volume's file changes; a
            // crash in between leaves each of them at its T0.
            f.journal().commit(need);
            op.apply(f.source(), offset, length);
            if (whole0 <= whole1) {
                rel.noteClear(f.journal()
                        .clear(
                                rel.id(),
                                rel.toCopy(),
                                whole0,
                                whole1 + 1,
                                rel.target().image()));
            }
        } finally {
            f.hostLoad().end(hostWrite);
        }
    }

    /** Gives the newest target of {@code f} its view of {@code [g0, g1]} and marks recording ones changed. */
    private static long preserveBelow(Family f, long g0, long g1) throws BlockIoException {
        int newestIndex = f.size() - 1;
        Relationship newest = f.at(newestIndex);
        long need = Math.max(newest.lastClearSeq(), GrainRunCopy.copyViews(f, newestIndex, g0, g1));
        for (int i = 0; i <= newestIndex; i++) {
            Relationship r = f.at(i);
            if (r.recording()) {
                r.noteClear(f.journal().mark(RecordType.SOURCE_CHANGED, r.id(), r.sourceChanged(), g0, g1 + 1));
                need = Math.max(need, r.lastClearSeq());
            }
        }
        return Math.max(need, HostIo.markNewest(f, g0, g1));
    }

    /** Gives target {@code k} of {@code up} its view of the grains of {@code [g0, g1]} it still reads through. */
    private static long preserveOlder(Family up, int k, long g0, long g1) throws BlockIoException {
        Relationship older = up.at(k);
        return Math.max(older.lastClearSeq(), GrainRunCopy.copyViews(up, k, g0, g1));
    }

    /**
     * Before {@code rel} (whose target is the source of {@code below}) leaves its chain, or its target's view
     * otherwise stops coming from above: every grain rel still has to copy and the newest target of {@code
     * below} still reads through it is copied into that newest target (older ones read through the newest).
     * Recording relationships of {@code below} (and its newest, see {@link HostIo#markNewest}) mark those
     * grains source-changed: the source's view changes there. Takes the grain locks batch by batch; the caller
     * holds the chain lock (read or write).
     *
     * @return grains copied
     */
    public static long cleanBelow(Family below, Relationship rel) throws BlockIoException {
        return cleanBelow(below, rel.toCopy());
    }

    /**
     * As {@link #cleanBelow(Family, Relationship)}, for the grains of {@code bits}: where the view of
     * {@code below}'s source is about to change (a resync of the relationship it is the target of re-marks
     * the grains changed on either side).
     */
    public static long cleanBelow(Family below, GrainBitmap bits) throws BlockIoException {
        int newestIndex = below.size() - 1;
        if (newestIndex < 0) {
            return 0;
        }
        Relationship newest = below.at(newestIndex);
        long batch = Math.max(1, (8L << 20) / below.geometry().grainSize());
        long copied = 0;
        for (long g = bits.nextSet(0); g >= 0; g = bits.nextSet(g)) {
            long end = Math.min(bits.nextClear(g), g + batch);
            try (GrainLocks.Held held = below.locks().lock(g, end - 1)) {
                for (long a = g; a < end; a++) {
                    if (bits.isSet(a) && newest.toCopy().isSet(a)) {
                        below.copyViewInto(newestIndex, a);
                        copied++;
                    }
                }
                for (int i = 0; i <= newestIndex; i++) {
                    Relationship r = below.at(i);
                    if (r.recording()) {
                        r.noteClear(below.journal().mark(RecordType.SOURCE_CHANGED, r.id(), r.sourceChanged(), g, end));
                    }
                }
                HostIo.markNewest(below, g, end - 1); // committed with the rest before the catalog changes
            }
            g = end;
        }
        return copied;
    }
}
