package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.journal.RecordType;
import dev.flashcopy.engine.volume.Volume;
import java.nio.ByteBuffer;

/**
 * Host I/O on a volume in extent relationships (dataset-level FlashCopy). The volume splits at the edges
 * of its relationships' ranges into segments, each one of: a target range of exactly one relationship
 * (copy-on-write rules with that relationship's source grain numbers); a source range of one or more
 * relationships (before the file changes, each of them with the grain still to copy gets its copy, durably,
 * at its own target offset); or the volume's own. The establish rules keep target ranges apart from each
 * other and from source ranges, so nothing reads through an extent relationship and the source's file is
 * every to-copy grain's view. Callers hold the group's chain read lock ({@link Family#enter}); this class
 * takes the grain locks, one segment at a time.
 *
 * <p>Stateless and thread-safe.
 */
public final class ExtentIo {
    private ExtentIo() {}

    /** The relationship of {@code group} whose target range holds {@code pos} of {@code volume}, or null. */
    private static Relationship targetAt(ExtentGroup group, Volume volume, long pos) {
        for (Relationship r : group.of(volume.name())) {
            if (r.target() == volume && r.extents().ofTarget(pos) != null) {
                return r;
            }
        }
        return null;
    }

    /** True when {@code pos} of {@code volume} is in a source range of some relationship of {@code group}. */
    private static boolean sourceAt(ExtentGroup group, Volume volume, long pos) {
        for (Relationship r : group.of(volume.name())) {
            if (r.source() == volume && r.extents().ofSource(pos) != null) {
                return true;
            }
        }
        return false;
    }

    /** The next range edge of {@code volume} after {@code pos} (a source or target range start or end). */
    private static long nextEdge(ExtentGroup group, Volume volume, long pos) {
        long next = Long.MAX_VALUE;
        for (Relationship r : group.of(volume.name())) {
            for (Extent e : r.extents().extents()) {
                if (r.target() == volume) {
                    next = edge(next, pos, e.targetOffset(), e.targetEnd());
                }
                if (r.source() == volume) {
                    next = edge(next, pos, e.sourceOffset(), e.sourceEnd());
                }
            }
        }
        return next;
    }

    private static long edge(long next, long pos, long start, long end) {
        if (start > pos) {
            return Math.min(next, start);
        }
        return end > pos ? Math.min(next, end) : next;
    }

    /** A write, trim or zero on {@code volume}; {@code targetOp} applies inside target ranges. */
    public static void mutate(
            ExtentGroup group,
            Volume volume,
            long offset,
            long length,
            HostIo.Mutation sourceOp,
            HostIo.Mutation targetOp)
            throws BlockIoException {
        long end = offset + length;
        if (length == 0) {
            sourceOp.apply(volume, offset, length);
            return;
        }
        for (long pos = offset; pos < end; ) {
            long segEnd = Math.min(end, nextEdge(group, volume, pos));
            Relationship t = targetAt(group, volume, pos);
            if (t != null) {
                mutateInExtent(
                        group.sourceFamily(t.source().name()),
                        t,
                        t.extents().ofTarget(pos),
                        pos,
                        segEnd - pos,
                        targetOp);
            } else if (sourceAt(group, volume, pos)) {
                mutateSource(group.sourceFamily(volume.name()), pos, segEnd - pos, sourceOp);
            } else {
                sourceOp.apply(volume, pos, segEnd - pos); // in no range: the volume's own
            }
            pos = segEnd;
        }
    }

    /**
     * A change inside source ranges of {@code f}'s relationships: every one with a grain still to copy gets
     * its copy first (a failed one none), then the source's file changes.
     */
    private static void mutateSource(Family f, long offset, long length, HostIo.Mutation op) throws BlockIoException {
        GrainGeometry geo = f.geometry();
        long g0 = geo.grainOf(offset);
        long g1 = geo.grainOf(offset + length - 1);
        long hostWrite = f.hostLoad().begin();
        try (GrainLocks.Held held = f.locks().lock(g0, g1)) {
            long need = 0;
            for (int i = 0; i < f.size(); i++) {
                Relationship r = f.at(i);
                // A bit a target write or the copier cleared may not be durable yet; this write relies on it.
                need = Math.max(need, r.lastClearSeq());
                if (!r.failed()) {
                    try {
                        need = Math.max(need, GrainRunCopy.copyViews(f, i, g0, g1)); // in runs, see there
                    } catch (TargetWriteFailure e) {
                        HostIo.onTargetFailure(f, e); // failed: it gets no more copies (or the write is refused)
                    }
                }
                // Recording: the segment lies wholly inside or outside each relationship's source ranges.
                if (r.recording() && r.extents().ofSource(offset) != null) {
                    r.noteClear(f.journal().mark(RecordType.SOURCE_CHANGED, r.id(), r.sourceChanged(), g0, g1 + 1));
                    need = Math.max(need, r.lastClearSeq());
                }
            }
            // Durability: each relationship's T0 grains are on its target and their bits durably clear, and each
            // recording one durably says "source changed", before the source's file changes; else a crash could
            // leave a target reading the new data as T0, or a resync missing the grain.
            f.journal().commit(need);
            op.apply(f.source(), offset, length);
        } finally {
            f.hostLoad().end(hostWrite);
        }
    }

    private static void mutateInExtent(
            Family f, Relationship rel, Extent e, long offset, long length, HostIo.Mutation op)
            throws BlockIoException {
        if (rel.failed()) {
            throw HostIo.failedTarget(rel);
        }
        if (rel.targetWriteInhibit()) {
            throw new BlockIoException(
                    BlockError.PERMISSION,
                    "target range " + e + " of " + rel
                            + " is write-inhibited (tgtinhibit) while the relationship exists");
        }
        GrainGeometry geo = f.geometry();
        long s = e.toSource(offset);
        long g0 = geo.grainOf(s);
        long g1 = geo.grainOf(s + length - 1);
        long hostWrite = f.hostLoad().begin();
        try (GrainLocks.Held held = f.locks().lock(g0, g1)) {
            int k = f.indexOf(rel);
            // Grains the mutation covers whole need no copy: their bits clear after the data is written.
            long whole0 = geo.covers(s, length, g0) ? g0 : g0 + 1;
            long whole1 = geo.covers(s, length, g1) ? g1 : g1 - 1;
            HostIo.copyPartialGrains(f, k, g0, g1, whole0, whole1);
            if (rel.recording()) {
                // Durability: "target changed" is durable before the target's file changes, so a resync after a
                // crash still backs the write out. No older target reads through this one and nothing is
                // borrowed: its own copies need not be durable first (until they are, its bits say "to copy"
                // and it reads T0 from the source).
                f.journal()
                        .commit(f.journal().mark(RecordType.TARGET_CHANGED, rel.id(), rel.targetChanged(), g0, g1 + 1));
            }
            op.apply(rel.target(), offset, length);
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

    /** A read of {@code volume}: target ranges from where each grain's view is, the rest the file's own. */
    public static void read(ExtentGroup group, Volume volume, long offset, ByteBuffer dst) throws BlockIoException {
        int base = dst.position();
        long end = offset + dst.remaining();
        for (long pos = offset; pos < end; ) {
            long segEnd = Math.min(end, nextEdge(group, volume, pos));
            ByteBuffer part = HostReads.slice(dst, base, pos - offset, segEnd - pos);
            Relationship t = targetAt(group, volume, pos);
            if (t == null) {
                volume.read(pos, part);
            } else {
                readInExtent(
                        group.sourceFamily(t.source().name()), t, t.extents().ofTarget(pos), pos, part);
            }
            pos = segEnd;
        }
        dst.position(dst.limit());
    }

    private static void readInExtent(Family f, Relationship rel, Extent e, long offset, ByteBuffer dst)
            throws BlockIoException {
        if (rel.failed()) {
            throw HostIo.failedTarget(rel);
        }
        GrainGeometry geo = f.geometry();
        int length = dst.remaining();
        long s0 = e.toSource(offset);
        long g0 = geo.grainOf(s0);
        long g1 = geo.grainOf(s0 + length - 1);
        if (!rel.toCopy().anySet(g0, g1 + 1)) {
            rel.target().read(offset, dst); // bits never come back while the relationship lives
            return;
        }
        int base = dst.position();
        try (GrainLocks.Held held = f.locks().lock(g0, g1)) {
            // A run's holder: whether its grains are still to copy (the view is the source's, in place).
            GrainRuns<Boolean> runs =
                    new GrainRuns<>(geo, s0, s0 + length, g -> rel.toCopy().isSet(g));
            while (runs.next()) {
                ByteBuffer part = HostReads.slice(dst, base, runs.start() - s0, runs.length());
                if (runs.holder()) {
                    rel.source().read(runs.start(), part);
                } else {
                    rel.target().read(e.toTarget(runs.start()), part);
                }
            }
        }
        dst.position(dst.limit());
    }

    /**
     * The allocation of {@code volume}: target ranges with grains still to copy report data (their view is
     * the source's, so never a hole), the rest the file's own. Advisory, so no grain locks.
     */
    public static void mapAllocation(ExtentGroup group, Volume volume, long offset, long length, ExtentSink sink)
            throws BlockIoException {
        long end = offset + length;
        boolean[] stopped = {false};
        ExtentSink guard = (len, hole) -> {
            stopped[0] = !sink.extent(len, hole);
            return !stopped[0];
        };
        for (long pos = offset; pos < end && !stopped[0]; ) {
            long segEnd = Math.min(end, nextEdge(group, volume, pos));
            Relationship t = targetAt(group, volume, pos);
            GrainGeometry geo = t == null ? null : t.geometry();
            Extent e = t == null ? null : t.extents().ofTarget(pos);
            if (t != null && t.toCopy().anySet(geo.grainOf(e.toSource(pos)), geo.grainOf(e.toSource(segEnd - 1)) + 1)) {
                guard.extent(segEnd - pos, false);
            } else {
                volume.image().mapAllocation(pos, segEnd - pos, guard);
            }
            pos = segEnd;
        }
    }
}
