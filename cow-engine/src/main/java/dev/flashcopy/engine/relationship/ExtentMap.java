package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.catalog.ByteSize;
import java.util.Comparator;
import java.util.List;

/**
 * The ranges of an extent relationship, checked: grain-aligned, inside both volumes, no two overlapping on
 * the source or on the target, and (source and target being one volume) no source range overlapping a
 * target range. The relationship's bitmaps keep source grain numbers; a grain outside every extent is
 * not in the relationship (never to copy), and a target offset outside every extent is the target's own.
 *
 * <p>Immutable and thread-safe.
 */
public final class ExtentMap {
    private final List<Extent> bySource;
    private final List<Extent> byTarget;
    private final int grainSize;

    private ExtentMap(List<Extent> extents, int grainSize) {
        this.bySource = extents.stream()
                .sorted(Comparator.comparingLong(Extent::sourceOffset))
                .toList();
        this.byTarget = extents.stream()
                .sorted(Comparator.comparingLong(Extent::targetOffset))
                .toList();
        this.grainSize = grainSize;
    }

    /**
     * Checks {@code extents} against the rules above; every refusal names the value and the rule.
     *
     * @param sameVolume source and target are one volume
     */
    public static ExtentMap of(
            List<Extent> extents, int grainSize, long sourceSize, long targetSize, boolean sameVolume) {
        if (extents == null || extents.isEmpty()) {
            throw new IllegalArgumentException("extents: none (expected: at least one SRC_OFFSET:TGT_OFFSET:LENGTH)");
        }
        for (Extent e : extents) {
            for (long v : new long[] {e.sourceOffset(), e.targetOffset(), e.length()}) {
                if (v % grainSize != 0) {
                    throw new IllegalArgumentException("extent " + e + ": " + v + " is not a multiple of the grain"
                            + " size " + ByteSize.format(grainSize) + " (expected: grain-aligned offsets and length)");
                }
            }
            if (e.sourceEnd() > sourceSize) {
                throw new IllegalArgumentException("extent " + e + " ends at " + e.sourceEnd() + ", past the source's"
                        + " end " + sourceSize + " (expected: inside the source volume)");
            }
            if (e.targetEnd() > targetSize) {
                throw new IllegalArgumentException("extent " + e + " ends at " + e.targetEnd() + ", past the target's"
                        + " end " + targetSize + " (expected: inside the target volume)");
            }
        }
        ExtentMap map = new ExtentMap(extents, grainSize);
        overlap(map.bySource, true, "source ranges of one relationship overlap");
        overlap(map.byTarget, false, "target ranges of one relationship overlap");
        if (sameVolume) {
            for (Extent s : extents) {
                for (Extent t : extents) {
                    if (s.sourceOffset() < t.targetEnd() && t.targetOffset() < s.sourceEnd()) {
                        throw new IllegalArgumentException("extent " + s + " reads source range [" + s.sourceOffset()
                                + ", " + s.sourceEnd() + ") that extent " + t + " writes as target (rule: on one"
                                + " volume, source and target ranges must not overlap)");
                    }
                }
            }
        }
        return map;
    }

    private static void overlap(List<Extent> sorted, boolean source, String rule) {
        for (int i = 1; i < sorted.size(); i++) {
            Extent a = sorted.get(i - 1);
            Extent b = sorted.get(i);
            long aEnd = source ? a.sourceEnd() : a.targetEnd();
            long bStart = source ? b.sourceOffset() : b.targetOffset();
            if (bStart < aEnd) {
                throw new IllegalArgumentException("extents " + a + " and " + b + " overlap (rule: " + rule + ")");
            }
        }
    }

    /** As stored (sorted by source offset). */
    public List<Extent> extents() {
        return bySource;
    }

    /** The extent holding source offset {@code s}, or null. */
    public Extent ofSource(long s) {
        for (Extent e : bySource) {
            if (s >= e.sourceOffset() && s < e.sourceEnd()) {
                return e;
            }
        }
        return null;
    }

    /** The extent holding target offset {@code t}, or null. */
    public Extent ofTarget(long t) {
        for (Extent e : byTarget) {
            if (t >= e.targetOffset() && t < e.targetEnd()) {
                return e;
            }
        }
        return null;
    }

    /** The first target offset at or after {@code t} where an extent starts, or {@code Long.MAX_VALUE}. */
    public long nextTargetStart(long t) {
        for (Extent e : byTarget) {
            if (e.targetOffset() >= t) {
                return e.targetOffset();
            }
        }
        return Long.MAX_VALUE;
    }

    /** True when target range {@code [t, end)} overlaps any extent's target range. */
    public boolean overlapsTarget(long t, long end) {
        return byTarget.stream().anyMatch(e -> e.targetOffset() < end && t < e.targetEnd());
    }

    /** Source grains inside some extent. */
    public long grains() {
        return bySource.stream().mapToLong(e -> e.length() / grainSize).sum();
    }

    /** Sets the bits of every grain inside an extent (a fresh to-copy bitmap starts from this). */
    public GrainBitmap toCopyBits(long grains) {
        GrainBitmap bits = GrainBitmap.empty(grains);
        bySource.forEach(e -> bits.set(e.sourceOffset() / grainSize, e.sourceEnd() / grainSize));
        return bits;
    }

    /** Clears bits outside every extent (a bitmap rebuilt without a checkpoint starts all-set). */
    public void mask(GrainBitmap bits) {
        long from = 0;
        for (Extent e : bySource) {
            long g = e.sourceOffset() / grainSize;
            if (g > from) {
                bits.clear(from, g);
            }
            from = e.sourceEnd() / grainSize;
        }
        if (from < bits.grains()) {
            bits.clear(from, bits.grains());
        }
    }
}
