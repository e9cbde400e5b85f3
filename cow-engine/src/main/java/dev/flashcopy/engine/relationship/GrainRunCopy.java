package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.image.VolumeImage;
import dev.flashcopy.engine.tuning.Tunables;
import dev.flashcopy.engine.volume.Volume;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;

/**
 * Copy-on-write copies in runs. Before a host write changes grains {@code [g0, g1]}, every grain there that
 * target k still has to copy is copied into its file; consecutive ones whose view lies in the same holder
 * (and, for an extent relationship, in the same extent) go together: one {@code pread} of the run, one
 * {@code pwrite} per stretch of grains with data (grains of zeroes are punched, so the target stays
 * sparse) and one journal record clearing the run's bits. A 1 MiB write over sixteen 64 KiB grains thus
 * costs one read, one write and one record instead of sixteen of each. Runs stop at {@value #RUN_BYTES}
 * bytes, the per-thread buffer. {@code -Dflashcopy.cowBatch=false} copies grain by grain instead, for
 * before/after measurements; the result on disk is the same.
 *
 * <p>Durability is the caller's: the records are queued, and the journal's commit syncs the target files
 * before it writes them; the caller commits before the holder's file may change.
 *
 * <p>Stateless and thread-safe; the scratch buffer belongs to the calling thread.
 */
final class GrainRunCopy {
    /** False copies one grain per read, write and record (the behaviour before runs), for benchmarks. */
    static final boolean BATCHED = Tunables.COW_BATCH.booleanValue();
    /** The longest run read at once: the scratch buffer's size, also the largest grain. */
    static final int RUN_BYTES = GrainGeometry.MAX_GRAIN;

    private static final MemorySegment ZEROS = Arena.global().allocate(RUN_BYTES);
    private static final ThreadLocal<ByteBuffer> SCRATCH =
            ThreadLocal.withInitial(() -> ByteBuffer.allocateDirect(RUN_BYTES));

    private GrainRunCopy() {}

    /** The calling thread's scratch buffer, {@value #RUN_BYTES} bytes, cleared. */
    static ByteBuffer scratch() {
        return SCRATCH.get().clear();
    }

    /** True when {@code [from, to)} of {@code buf} (absolute positions) holds only zero bytes. */
    static boolean isZero(ByteBuffer buf, int from, int to) {
        return MemorySegment.ofBuffer(buf.duplicate().clear())
                        .asSlice(from, to - from)
                        .mismatch(ZEROS.asSlice(0, to - from))
                == -1;
    }

    /**
     * Copies target {@code k}'s view of every grain of {@code [g0, g1]} it still has to copy into its file
     * and clears their bits (grains locked, chain lock held). A write that fails throws {@link
     * TargetWriteFailure}; the bits of the run it was in stay set.
     *
     * @return the highest journal sequence number queued (0 when nothing was copied): commit it before the
     *     file the views were read from may change there
     */
    static long copyViews(Family f, int k, long g0, long g1) throws BlockIoException {
        Relationship dest = f.at(k);
        GrainBitmap bits = dest.toCopy();
        GrainGeometry geo = f.geometry();
        long maxGrains = Math.max(1, RUN_BYTES / geo.grainSize());
        long need = 0;
        for (long g = bits.nextSet(g0); g >= 0 && g <= g1; g = bits.nextSet(g)) {
            long end = BATCHED ? Math.min(Math.min(bits.nextClear(g), g1 + 1), g + maxGrains) : g + 1;
            Volume holder = f.holderOf(k, g);
            Extent extent = dest.extents() == null ? null : dest.extents().ofSource(geo.start(g));
            long split = g + 1;
            while (split < end
                    && f.holderOf(k, split) == holder
                    && (extent == null || extent.equals(dest.extents().ofSource(geo.start(split))))) {
                split++;
            }
            need = Math.max(need, copyRun(f, dest, holder, g, split));
            g = split;
        }
        return need;
    }

    /**
     * Copies grains {@code [g, end)} (all still to copy, one holder, one extent) from {@code holder} into
     * {@code dest}'s target and queues the clear of their bits as one record; returns its sequence number.
     */
    static long copyRun(Family f, Relationship dest, Volume holder, long g, long end) throws BlockIoException {
        GrainGeometry geo = f.geometry();
        long start = geo.start(g);
        // An extent relationship keeps the grains at their own place on the target (source numbering in the bitmap).
        long at =
                dest.extents() == null ? start : dest.extents().ofSource(start).toTarget(start);
        ByteBuffer buf = read(holder.image(), start, (int) (geo.end(end - 1) - start));
        try {
            write(geo, buf, start, dest.target().image(), at);
        } catch (BlockIoException e) {
            throw new TargetWriteFailure(dest, e); // the bits stay set: the target still reads the holder's view
        }
        long seq = f.journal()
                .clear(dest.id(), dest.toCopy(), g, end, dest.target().image());
        dest.noteClear(seq, g, end);
        dest.noteCowCopies(end - g);
        f.noteGrainCopies(end - g);
        return seq;
    }

    /**
     * Brings the grains of {@code [g0, g1]} that the source borrows from {@code rel}'s target home into the
     * source's file, in runs, each cleared with one record (grains locked). Returns the highest sequence
     * number queued: commit it before the target's file may change there.
     */
    static long returnBorrowed(Family f, Relationship rel, long g0, long g1) throws BlockIoException {
        GrainBitmap bits = rel.borrowed();
        GrainGeometry geo = f.geometry();
        long maxGrains = BATCHED ? Math.max(1, RUN_BYTES / geo.grainSize()) : 1;
        long need = 0;
        for (long g = bits.nextSet(g0); g >= 0 && g <= g1; g = bits.nextSet(g)) {
            long end = Math.min(Math.min(bits.nextClear(g), g1 + 1), g + maxGrains);
            long start = geo.start(g);
            ByteBuffer buf = read(rel.target().image(), start, (int) (geo.end(end - 1) - start));
            write(geo, buf, start, f.source().image(), start); // on failure the bits stay set: still borrowed
            long seq =
                    f.journal().clearBorrowed(rel.id(), bits, g, end, f.source().image());
            rel.noteClear(seq);
            f.noteGrainCopies(end - g);
            need = Math.max(need, seq);
            g = end;
        }
        return need;
    }

    /** Deallocates a target range; writes zero bytes where the file system cannot punch. */
    static void punch(VolumeImage image, long offset, long length) throws BlockIoException {
        try {
            image.punchHole(offset, length);
        } catch (BlockIoException e) {
            if (e.error() != BlockError.NOT_SUPPORTED) {
                throw e;
            }
            image.writeZeroBytes(offset, length);
        }
    }

    /** Reads {@code length} bytes at {@code start} of {@code from} into the scratch buffer, in one pread. */
    private static ByteBuffer read(VolumeImage from, long start, int length) throws BlockIoException {
        ByteBuffer buf = scratch().limit(length);
        from.read(start, buf);
        return buf;
    }

    /**
     * Writes what {@link #read} left in {@code buf} (the grains from {@code start} on) at {@code at} of
     * {@code to}: one pwrite per stretch of grains with data, one punch per stretch of zero grains.
     */
    private static void write(GrainGeometry geo, ByteBuffer buf, long start, VolumeImage to, long at)
            throws BlockIoException {
        int length = buf.limit();
        int pos = 0;
        boolean zero = isZero(buf, 0, grainEnd(geo, start, 0));
        while (pos < length) {
            // A stretch of grains that are all zeroes or all have data, each grain tested once.
            int stop = grainEnd(geo, start, pos);
            boolean next = zero;
            while (stop < length && (next = isZero(buf, stop, grainEnd(geo, start, stop))) == zero) {
                stop = grainEnd(geo, start, stop);
            }
            if (zero) {
                punch(to, at + pos, stop - pos);
            } else {
                to.write(at + pos, buf.duplicate().limit(stop).position(pos));
            }
            pos = stop;
            zero = next;
        }
    }

    /** The end (relative to {@code start}) of the grain holding relative offset {@code from}. */
    private static int grainEnd(GrainGeometry geo, long start, int from) {
        return (int) (geo.end(geo.grainOf(start + from)) - start);
    }
}
