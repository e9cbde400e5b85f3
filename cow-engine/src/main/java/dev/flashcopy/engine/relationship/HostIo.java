package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.journal.RecordType;
import dev.flashcopy.engine.revert.RevertArea;
import dev.flashcopy.engine.volume.Volume;
import java.nio.ByteBuffer;

/**
 * The copy-on-write rules for host I/O on a family's volumes (DESIGN.md, "The copy-on-write rules"),
 * with SVC's dependency chain:
 * <ul>
 *   <li>before the file of a volume changes at grain g, the one relationship that may read that file at g
 *       through the chain gets its copy first, durably: for the source that is the newest target, for
 *       target k the next older target k-1. That is one relationship whatever the chain's length;</li>
 *   <li>a partial write, trim or zero of a target grain still to copy first copies the target's view in;
 *       one covering the whole grain clears the bit after the data is written instead;</li>
 *   <li>reads of a target follow each grain to the volume holding its view ({@link HostReads});</li>
 *   <li>change recording: before a volume's file changes at grain g, every recording relationship that
 *       sees the change marks g changed (source writes: all of the family's; target writes: the target's
 *       own), durably, in the same journal commit as the copies;</li>
 *   <li>after a fast reverse restore the source borrows grains from its target's file: source reads follow
 *       them there ({@link HostReads}), and a write to either volume first brings the grain home to the
 *       source's file.</li>
 * </ul>
 * Callers hold the family's chain read lock ({@link Family#enter}); this class takes the grain locks.
 *
 * <p>Stateless and thread-safe.
 */
public final class HostIo {
    /** A change to {@code [offset, offset + length)} of one volume's file: a write, a trim or a zero. */
    @FunctionalInterface
    public interface Mutation {
        void apply(Volume volume, long offset, long length) throws BlockIoException;
    }

    private HostIo() {}

    /** A write, trim or zero on the source. */
    public static void mutateSource(Family f, long offset, long length, Mutation op) throws BlockIoException {
        GrainGeometry geo = f.geometry();
        long cover = Math.min(offset + length, geo.size());
        if (length == 0 || offset >= cover || f.size() == 0) {
            op.apply(f.source(), offset, length);
            return;
        }
        if (f.viewed()) {
            // Every T0 is in a view of the source, which this write does not change: nothing to copy or mark first
            // (viewed relationships record no changes; DESIGN.md, "Copy-on-write on Ceph"). The chain read lock
            // held keeps a drop of the views, which copies what the source changed, from running meanwhile.
            long hostWrite = f.hostLoad().begin();
            try {
                op.apply(f.source(), offset, length);
            } finally {
                f.hostLoad().end(hostWrite);
            }
            return;
        }
        long g0 = geo.grainOf(offset);
        long g1 = geo.grainOf(cover - 1);
        long hostWrite = f.hostLoad().begin();
        try (GrainLocks.Held held = f.locks().lock(g0, g1)) {
            int newestIndex = f.size() - 1;
            Relationship newest = f.at(newestIndex);
            // A bit of these grains cleared by a copy, a target write or the copier may not be durable yet; the
            // source write below relies on it, so it is committed too (at most one commit for everything queued).
            // Only these grains' records count: a grain copied long ago needs no commit (ClearSeqs).
            long need = Math.max(newest.lastClearSeq(g0, g1), returnBorrowed(f, g0, g1));
            need = Math.max(need, preserve(f, newestIndex, g0, g1));
            for (int i = 0; i <= newestIndex; i++) {
                Relationship r = f.at(i);
                if (r.recording()) {
                    r.noteClear(f.journal().mark(RecordType.SOURCE_CHANGED, r.id(), r.sourceChanged(), g0, g1 + 1));
                    need = Math.max(need, r.lastClearSeq());
                }
            }
            need = Math.max(need, markNewest(f, g0, g1));
            // Durability: T0 grains are on the target and their bits durably clear (each run of copied grains is
            // one pwrite and one record; this one commit syncs the target files, then the journal, for all of
            // them), borrowed grains are home in the source's file, and every recording relationship (and the
            // newest of a chain, see markNewest) durably says "source changed" before the source changes;
            // otherwise a crash could keep the new data but lose the mark, and a later resync would leave the
            // target with the old grain, or a withdraw would let an older target read the new data.
            f.journal().commit(need);
            op.apply(f.source(), offset, length);
        } finally {
            f.hostLoad().end(hostWrite);
        }
    }

    /**
     * Marks {@code [g0, g1]} (locked) source-changed on the newest relationship of a chain of two or more, also
     * when it does not record: one bitmap, so the cost of a source write does not grow with the chain. Then the
     * source-changed bitmaps of a relationship and every newer one together hold each grain the source view
     * changed since its T0 (a relationship that leaves the chain hands its marks to the next older one, see
     * {@link ChainCopy#clean}), which is how cleaning knows an older target can read a grain from the source
     * again instead of getting a copy. A family of one needs no mark: nothing is older than its target.
     * Returns the sequence number to commit before the source's view changes.
     */
    static long markNewest(Family f, long g0, long g1) throws BlockIoException {
        int newestIndex = f.size() - 1;
        if (newestIndex < 1 || f.links() instanceof FamilyLinks.Extents) {
            return 0; // nothing reads through an extent relationship
        }
        Relationship newest = f.at(newestIndex);
        if (!newest.recording()) {
            newest.noteClear(
                    f.journal().mark(RecordType.SOURCE_CHANGED, newest.id(), newest.sourceChanged(), g0, g1 + 1),
                    g0,
                    g1 + 1);
        }
        return newest.lastClearSeq(g0, g1);
    }

    /** A write, trim or zero on target {@code rel}. */
    public static void mutateTarget(Family f, Relationship rel, long offset, long length, Mutation op)
            throws BlockIoException {
        if (rel.failed()) {
            throw failedTarget(rel);
        }
        refuseInhibited(rel);
        GrainGeometry geo = f.geometry();
        long cover = Math.min(offset + length, geo.size());
        if (length == 0 || offset >= cover) {
            RevertArea area = rel.revertArea();
            if (area != null && length > 0) {
                // The preserved grain may straddle the source's end: its lower part is read through the chain.
                long last = geo.grainOf(geo.size() - 1);
                try (GrainLocks.Held held = f.locks().lock(last, last)) {
                    area.preserve(offset, length, (pos, buf) -> readView(f, f.indexOf(rel), pos, buf));
                }
            }
            op.apply(rel.target(), offset, length); // past the source's end the target is its own
            return;
        }
        long g0 = geo.grainOf(offset);
        long g1 = geo.grainOf(cover - 1);
        long hostWrite = f.hostLoad().begin();
        try (GrainLocks.Held held = f.locks().lock(g0, g1)) {
            int k = f.indexOf(rel);
            // The source may still read these grains from this target's file: bring them home first.
            long need = returnBorrowed(f, g0, g1);
            if (k > 0 && f.at(k - 1).view() == null) {
                // The next older target reads this one's view where it still has to copy: give it its copy (one
                // with a view of the source reads that instead, never a sibling's).
                need = Math.max(need, Math.max(f.at(k - 1).lastClearSeq(), preserve(f, k - 1, g0, g1)));
            }
            // Grains the mutation covers whole need no copy: their bits clear after the data is written.
            long whole0 = geo.covers(offset, length, g0) ? g0 : g0 + 1;
            long whole1 = geo.covers(offset, length, g1) ? g1 : g1 - 1;
            copyPartialGrains(f, k, g0, g1, whole0, whole1);
            if (rel.recording()) {
                rel.noteClear(f.journal().mark(RecordType.TARGET_CHANGED, rel.id(), rel.targetChanged(), g0, g1 + 1));
                need = Math.max(need, rel.lastClearSeq());
            }
            // Durability: the older target's copies, borrowed grains returned to the source and the "target
            // changed" marks are durable before this target's file changes.
            f.journal().commit(need);
            RevertArea area = rel.revertArea();
            if (area != null) {
                // Revertible: the target's view of each grain first changed since the last commit is saved
                // (durably, inside preserve) before the target's file changes.
                area.preserve(offset, length, (pos, buf) -> readView(f, k, pos, buf));
            }
            op.apply(rel.target(), offset, length);
            if (whole0 <= whole1) {
                rel.noteClear(
                        f.journal()
                                .clear(
                                        rel.id(),
                                        rel.toCopy(),
                                        whole0,
                                        whole1 + 1,
                                        rel.target().image()),
                        whole0,
                        whole1 + 1);
            }
        } finally {
            f.hostLoad().end(hostWrite);
        }
    }

    /** Target {@code k}'s view of one grain (grain locked); past the source's end the target's own data. */
    private static void readView(Family f, int k, long pos, ByteBuffer buf) throws BlockIoException {
        GrainGeometry geo = f.geometry();
        int split = (int) Math.max(0, Math.min(buf.remaining(), geo.size() - pos));
        if (split > 0) {
            Volume holder = f.holderOf(k, geo.grainOf(pos));
            holder.image().read(pos, buf.duplicate().limit(buf.position() + split));
        }
        if (split < buf.remaining()) {
            f.at(k).target().image().read(pos + split, buf.duplicate().position(buf.position() + split));
        }
        buf.position(buf.limit());
    }

    /**
     * Before the file read by chain index {@code from} changes at grains {@code [g0, g1]} (locked): gives the
     * relationship that reads it there its copy (see {@link Family#copyRecipient}). A copy that cannot be
     * written applies the relationship's {@link OnFull} policy: fail it (durably) and copy to the next one
     * down instead, or refuse the change with ENOSPC. Returns the sequence number to commit.
     */
    private static long preserve(Family f, int from, long g0, long g1) throws BlockIoException {
        long need = 0;
        Relationship r = f.at(from);
        if (!r.failed()) { // the common case, and then the recipient is always r itself
            try {
                return GrainRunCopy.copyViews(f, from, g0, g1); // in runs: one read and one write per run
            } catch (TargetWriteFailure e) {
                onTargetFailure(f, e); // then redo the range, skipping the failed one (bits already clear stay)
            }
        }
        for (long g = g0; g <= g1; g++) {
            int k = f.copyRecipient(from, g);
            while (k >= 0) {
                try {
                    need = Math.max(need, f.copyViewInto(k, g));
                    break;
                } catch (TargetWriteFailure e) {
                    onTargetFailure(f, e);
                    k = f.copyRecipient(from, g);
                }
            }
        }
        return need;
    }

    /**
     * Copies target {@code k}'s view of the grains of {@code [g0, g1]} a mutation covers only in part, those
     * outside {@code [whole0, whole1]} (grains locked): at most the first and the last, in one run when they
     * are neighbours. Returns the sequence number that makes the copies durable.
     */
    static long copyPartialGrains(Family f, int k, long g0, long g1, long whole0, long whole1) throws BlockIoException {
        if (whole0 > whole1) {
            return GrainRunCopy.copyViews(f, k, g0, g1);
        }
        return Math.max(GrainRunCopy.copyViews(f, k, g0, whole0 - 1), GrainRunCopy.copyViews(f, k, whole1 + 1, g1));
    }

    static void onTargetFailure(Family f, TargetWriteFailure e) throws BlockIoException {
        Relationship rel = e.relationship();
        if (e.error() == BlockError.NO_SPACE && rel.onFull() == OnFull.INHIBIT_SOURCE) {
            throw new BlockIoException(
                    BlockError.NO_SPACE,
                    "write refused to keep T0 of target "
                            + rel.target().name()
                            + " (policy inhibit-source): its file system is full; free space there"
                            + " or withdraw the relationship (" + e.getMessage() + ")",
                    e);
        }
        f.fail(rel, e.getMessage());
    }

    static BlockIoException failedTarget(Relationship rel) {
        return new BlockIoException(
                BlockError.IO,
                "target " + rel.target().name() + " of " + rel.source().name()
                        + " has failed and no longer holds its point in time (" + rel.failedReason() + "); withdraw it"
                        + " with rmflash");
    }

    /** A host write to the target of a {@code --tgtinhibit} relationship fails with EPERM. */
    static void refuseInhibited(Relationship rel) throws BlockIoException {
        if (rel.targetWriteInhibit()) {
            throw new BlockIoException(
                    BlockError.PERMISSION,
                    "target " + rel.target().name() + " of " + rel.source().name()
                            + " is write-inhibited (tgtinhibit) while the relationship exists");
        }
    }

    /** Returns the borrowed grains of {@code [g0, g1]} to the source's file (grains locked); the seq to commit. */
    static long returnBorrowed(Family f, long g0, long g1) throws BlockIoException {
        Relationship b = f.borrower();
        if (b == null) {
            return 0;
        }
        return Math.max(b.lastClearSeq(), GrainRunCopy.returnBorrowed(f, b, g0, g1));
    }
}
