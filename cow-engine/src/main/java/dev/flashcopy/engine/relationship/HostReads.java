package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.volume.Volume;
import java.nio.ByteBuffer;
import java.util.function.LongFunction;

/**
 * Host reads and allocation walks of a family's volumes that do not read their own file alone: a target
 * follows each grain to the volume holding its view ({@link Family#holderOf}), a source that borrows after a
 * fast reverse restore follows each grain to the file it is in ({@link Family#sourceHolder}). Both cut the
 * request into {@link GrainRuns} (one read per run of grains with one holder); past the source's end a
 * volume is its own. Reads copy nothing, so they change no bit: see {@link HostIo} for the writes. Callers
 * hold the family's chain read lock; reads take the grain locks, allocation walks are advisory and take none.
 *
 * <p>Stateless and thread-safe.
 */
public final class HostReads {
    private HostReads() {}

    /** A read of a source that borrows grains from its target: each grain from the file holding it. */
    public static void readSource(Family f, long offset, ByteBuffer dst) throws BlockIoException {
        GrainGeometry geo = f.geometry();
        int length = dst.remaining();
        long cover = Math.min(offset + length, geo.size());
        Relationship b = f.borrower();
        if (length == 0
                || offset >= cover
                || b == null
                || !b.borrowed().anySet(geo.grainOf(offset), geo.grainOf(cover - 1) + 1)) {
            f.source().read(offset, dst);
            return;
        }
        int base = dst.position();
        try (GrainLocks.Held held = f.locks().lock(geo.grainOf(offset), geo.grainOf(cover - 1))) {
            readRuns(geo, f::sourceHolder, offset, cover, dst, base);
        }
        readOwnTail(f.source(), offset, cover, dst, base);
    }

    /** A source's allocation while it borrows: borrowed grains report the target file's. Advisory, no locks. */
    public static void mapSourceAllocation(Family f, long offset, long length, ExtentSink sink)
            throws BlockIoException {
        mapRuns(f.geometry(), f::sourceHolder, f.source(), offset, length, sink);
    }

    /** A read of target {@code rel}: each grain from the volume holding the target's view of it. */
    public static void readTarget(Family f, Relationship rel, long offset, ByteBuffer dst) throws BlockIoException {
        if (rel.failed()) {
            throw HostIo.failedTarget(rel); // rather than a mix of T0 grains and grains whose copy was skipped
        }
        GrainGeometry geo = f.geometry();
        int length = dst.remaining();
        long cover = Math.min(offset + length, geo.size());
        if (length == 0 || offset >= cover) {
            rel.target().read(offset, dst);
            return;
        }
        long g0 = geo.grainOf(offset);
        long g1 = geo.grainOf(cover - 1);
        if (!rel.toCopy().anySet(g0, g1 + 1)) {
            rel.target().read(offset, dst); // bits never come back while the relationship lives
            return;
        }
        int base = dst.position();
        try (GrainLocks.Held held = f.locks().lock(g0, g1)) {
            int k = f.indexOf(rel);
            readRuns(geo, g -> f.holderOf(k, g), offset, cover, dst, base);
        }
        readOwnTail(rel.target(), offset, cover, dst, base);
    }

    /**
     * Target {@code rel}'s allocation: grains still to copy report the allocation of the volume holding
     * their view, copied grains the target file's. Advisory, so no grain locks: a concurrent write may
     * make it stale, as it may for any file.
     */
    public static void mapTargetAllocation(Family f, Relationship rel, long offset, long length, ExtentSink sink)
            throws BlockIoException {
        if (rel.failed()) {
            throw HostIo.failedTarget(rel);
        }
        int k = f.indexOf(rel);
        mapRuns(f.geometry(), g -> f.holderOf(k, g), rel.target(), offset, length, sink);
    }

    /** Reads {@code [offset, cover)} into {@code dst} (its bytes from {@code base}), each run from its holder. */
    private static void readRuns(
            GrainGeometry geo, LongFunction<Volume> holderOf, long offset, long cover, ByteBuffer dst, int base)
            throws BlockIoException {
        for (GrainRuns<Volume> runs = new GrainRuns<>(geo, offset, cover, holderOf); runs.next(); ) {
            runs.holder().read(runs.start(), slice(dst, base, runs.start() - offset, runs.length()));
        }
    }

    /** The part of a read past the source's end ({@code cover}) from {@code own}; then dst is full. */
    private static void readOwnTail(Volume own, long offset, long cover, ByteBuffer dst, int base)
            throws BlockIoException {
        long end = offset + (dst.limit() - base);
        if (cover < end) {
            own.read(cover, slice(dst, base, cover - offset, end - cover));
        }
        dst.position(dst.limit());
    }

    /** Walks the allocation of each run's holder, then {@code own}'s past the source's end, as one walk. */
    private static void mapRuns(
            GrainGeometry geo, LongFunction<Volume> holderOf, Volume own, long offset, long length, ExtentSink sink)
            throws BlockIoException {
        long cover = Math.min(offset + length, geo.size());
        MergingSink merged = new MergingSink(sink);
        for (GrainRuns<Volume> runs = new GrainRuns<>(geo, offset, cover, holderOf); !merged.stopped && runs.next(); ) {
            runs.holder().image().mapAllocation(runs.start(), runs.length(), merged);
        }
        if (!merged.stopped && cover < offset + length) {
            own.image().mapAllocation(Math.max(cover, offset), offset + length - Math.max(cover, offset), merged);
        }
        merged.finish();
    }

    static ByteBuffer slice(ByteBuffer dst, int base, long from, long length) {
        return dst.duplicate().limit(base + (int) (from + length)).position(base + (int) from);
    }

    /** Joins adjacent extents of the same kind that come from different files. Not thread-safe. */
    private static final class MergingSink implements ExtentSink {
        private final ExtentSink out;
        private long pendingLength;
        private boolean pendingHole;
        private boolean stopped;

        MergingSink(ExtentSink out) {
            this.out = out;
        }

        @Override
        public boolean extent(long length, boolean hole) {
            if (pendingLength > 0 && hole != pendingHole) {
                stopped = !out.extent(pendingLength, pendingHole);
                pendingLength = 0;
            }
            pendingHole = hole;
            pendingLength += length;
            return !stopped;
        }

        void finish() {
            if (!stopped && pendingLength > 0) {
                out.extent(pendingLength, pendingHole);
            }
        }
    }
}
