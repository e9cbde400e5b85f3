package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.volume.Volume;
import java.nio.ByteBuffer;

/**
 * Host I/O on the target of an extent relationship (dataset-level FlashCopy): the target splits into its
 * extents' ranges, where the copy-on-write rules apply with source grain numbers, and the rest, which is
 * an ordinary volume. When source and target are one volume, the rest holds the source ranges, whose
 * writes follow the source rules ({@link HostIo#mutateSource}). An extent relationship is the only one of
 * its family (the establish rules see to it), so it is chain index 0 and nothing reads through it.
 * Callers hold the family's chain read lock; this class takes the grain locks, one range at a time.
 *
 * <p>Stateless and thread-safe.
 */
public final class ExtentIo {
    private ExtentIo() {
    }

    /** A write, trim or zero on {@code volume}, the target of {@code rel} (and maybe its source too). */
    public static void mutateTarget(Family f, Relationship rel, long offset, long length, HostIo.Mutation sourceOp,
            HostIo.Mutation targetOp) throws BlockIoException {
        ExtentMap map = rel.extents();
        long end = offset + length;
        long pos = offset;
        boolean alsoSource = rel.source() == rel.target();
        if (length == 0) {
            sourceOp.apply(rel.target(), offset, length);
            return;
        }
        while (pos < end) {
            Extent e = map.ofTarget(pos);
            long segEnd = e != null ? Math.min(end, e.targetEnd()) : Math.min(end, map.nextTargetStart(pos));
            if (e != null) {
                mutateInExtent(f, rel, e, pos, segEnd - pos, targetOp);
            } else if (alsoSource) {
                HostIo.mutateSource(f, pos, segEnd - pos, sourceOp);
            } else {
                sourceOp.apply(rel.target(), pos, segEnd - pos); // outside the extents the target is its own
            }
            pos = segEnd;
        }
    }

    private static void mutateInExtent(Family f, Relationship rel, Extent e, long offset, long length,
            HostIo.Mutation op) throws BlockIoException {
        if (rel.targetWriteInhibit()) {
            throw new BlockIoException(BlockError.PERMISSION, "target range " + e + " of " + rel
                    + " is write-inhibited (tgtinhibit) while the relationship exists");
        }
        GrainGeometry geo = f.geometry();
        long s = e.toSource(offset);
        long g0 = geo.grainOf(s);
        long g1 = geo.grainOf(s + length - 1);
        long hostWrite = f.hostLoad().begin();
        try (GrainLocks.Held held = f.locks().lock(g0, g1)) {
            // Grains the mutation covers whole need no copy: their bits clear after the data is written.
            long whole0 = geo.covers(s, length, g0) ? g0 : g0 + 1;
            long whole1 = geo.covers(s, length, g1) ? g1 : g1 - 1;
            HostIo.copyPartialGrains(f, 0, g0, g1, whole0, whole1);
            // No older target reads through this one and nothing is borrowed: the target's own copies need not
            // be durable first (until they are, its bits say "to copy" and it reads T0 from the source).
            op.apply(rel.target(), offset, length);
            if (whole0 <= whole1) {
                rel.noteClear(f.journal().clear(rel.id(), rel.toCopy(), whole0, whole1 + 1, rel.target().image()));
            }
        } finally {
            f.hostLoad().end(hostWrite);
        }
    }

    /** A read of the target of {@code rel}: inside an extent each grain from where its view is, else its own. */
    public static void readTarget(Family f, Relationship rel, long offset, ByteBuffer dst) throws BlockIoException {
        ExtentMap map = rel.extents();
        int base = dst.position();
        long end = offset + dst.remaining();
        long pos = offset;
        while (pos < end) {
            Extent e = map.ofTarget(pos);
            long segEnd = e != null ? Math.min(end, e.targetEnd()) : Math.min(end, map.nextTargetStart(pos));
            ByteBuffer part = slice(dst, base, pos - offset, segEnd - pos);
            if (e == null) {
                rel.target().read(pos, part);
            } else {
                readInExtent(f, rel, e, pos, part);
            }
            pos = segEnd;
        }
        dst.position(dst.limit());
    }

    private static void readInExtent(Family f, Relationship rel, Extent e, long offset, ByteBuffer dst)
            throws BlockIoException {
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
            long s = s0;
            while (s < s0 + length) {
                boolean fromSource = rel.toCopy().isSet(geo.grainOf(s));
                long runEnd = Math.min(geo.end(geo.grainOf(s)), s0 + length);
                while (runEnd < s0 + length && rel.toCopy().isSet(geo.grainOf(runEnd)) == fromSource) {
                    runEnd = Math.min(geo.end(geo.grainOf(runEnd)), s0 + length);
                }
                ByteBuffer part = slice(dst, base, s - s0, runEnd - s);
                if (fromSource) {
                    rel.source().read(s, part);
                } else {
                    rel.target().read(e.toTarget(s), part);
                }
                s = runEnd;
            }
        }
        dst.position(dst.limit());
    }

    /**
     * The target's allocation: ranges of an extent with grains still to copy report data (their view may be
     * the source's, so never a hole), the rest the target file's own. Advisory, so no grain locks.
     */
    public static void mapTargetAllocation(Relationship rel, long offset, long length, ExtentSink sink)
            throws BlockIoException {
        ExtentMap map = rel.extents();
        GrainGeometry geo = rel.geometry();
        long end = offset + length;
        long pos = offset;
        boolean[] stopped = {false};
        ExtentSink guard = (len, hole) -> {
            stopped[0] = !sink.extent(len, hole);
            return !stopped[0];
        };
        while (pos < end && !stopped[0]) {
            Extent e = map.ofTarget(pos);
            long segEnd = e != null ? Math.min(end, e.targetEnd()) : Math.min(end, map.nextTargetStart(pos));
            if (e != null && rel.toCopy().anySet(geo.grainOf(e.toSource(pos)),
                    geo.grainOf(e.toSource(segEnd - 1)) + 1)) {
                guard.extent(segEnd - pos, false);
            } else {
                rel.target().image().mapAllocation(pos, segEnd - pos, guard);
            }
            pos = segEnd;
        }
    }

    private static ByteBuffer slice(ByteBuffer dst, int base, long from, long length) {
        return dst.duplicate().limit(base + (int) (from + length)).position(base + (int) from);
    }
}
