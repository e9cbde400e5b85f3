package dev.flashcopy.engine.monitor;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.relationship.Relationship;

/**
 * A relationship's grain bitmaps squeezed into {@code buckets} equal slices of the device, for a picture:
 * per bucket, how many grains are still to copy, changed on the source or on the target since T0 (when
 * recording), and borrowed by the source (after a fast reverse). Bucket {@code i} covers grains
 * {@code [i * totalGrains / buckets, (i + 1) * totalGrains / buckets)}. Built with one range count per
 * bucket and bitmap, never a copy of a bitmap. A snapshot whose arrays nobody writes after construction,
 * so it may be read from any thread.
 */
public record GrainMap(
        String source,
        String target,
        int grainSize,
        long totalGrains,
        int buckets,
        long[] toCopy,
        long[] sourceChanged,
        long[] targetChanged,
        long[] borrowed) {
    /** Enough for a picture across a wide screen; more only costs bytes. */
    public static final int MAX_BUCKETS = 4096;

    static GrainMap of(Relationship rel, int requested) {
        if (requested < 1 || requested > MAX_BUCKETS) {
            throw new IllegalArgumentException("buckets: " + requested + " (expected: 1.." + MAX_BUCKETS + ")");
        }
        long total = rel.geometry().grains();
        int n = (int) Math.max(1, Math.min(requested, total));
        return new GrainMap(
                rel.source().name(),
                rel.target().name(),
                rel.geometry().grainSize(),
                total,
                n,
                counts(rel.toCopy(), n),
                rel.recording() ? counts(rel.sourceChanged(), n) : new long[n],
                counts(rel.targetChanged(), n),
                counts(rel.borrowed(), n));
    }

    /** Grains in bucket {@code i}. */
    public long bucketGrains(int i) {
        return start(i + 1, buckets, totalGrains) - start(i, buckets, totalGrains);
    }

    private static long[] counts(GrainBitmap bits, int n) {
        long total = bits.grains();
        long[] out = new long[n];
        if (total == 0 || bits.isEmpty()) {
            return out;
        }
        for (int i = 0; i < n; i++) {
            out[i] = bits.count(start(i, n, total), start(i + 1, n, total));
        }
        return out;
    }

    /** No overflow: i <= 4096 and total <= 2^32 (GrainGeometry.MAX_GRAINS). */
    private static long start(int i, int n, long total) {
        return i * total / n;
    }
}
