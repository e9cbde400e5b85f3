package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.bitmap.GrainGeometry;
import java.util.Objects;
import java.util.function.LongFunction;

/**
 * The byte range {@code [from, to)} cut into runs of whole or partial grains that have one holder each: the
 * volume whose file holds a target's view, the file a borrowing source's grain is in, or whether an extent
 * target's grain is still to copy. Each host read or allocation walk then costs one call per run, not one per
 * grain. The holder of each grain is asked once; a run ends where the next grain's holder differs.
 *
 * <pre>{@code
 * for (GrainRuns<Volume> runs = new GrainRuns<>(geo, offset, cover, g -> f.holderOf(k, g)); runs.next(); ) {
 *     runs.holder().read(runs.start(), part(runs.start(), runs.length()));
 * }
 * }</pre>
 *
 * <p>Not thread-safe: one walk on one thread; the caller holds whatever locks keep the holders still.
 */
final class GrainRuns<H> {
    private final GrainGeometry geo;
    private final long to;
    private final LongFunction<H> holderOf;
    private long start;
    private long end;
    private H holder;
    private H nextHolder;

    GrainRuns(GrainGeometry geo, long from, long to, LongFunction<H> holderOf) {
        this.geo = geo;
        this.to = to;
        this.holderOf = holderOf;
        this.end = from;
        if (from < to) {
            nextHolder = holderOf.apply(geo.grainOf(from));
        }
    }

    /** Moves to the next run; false when the range is done. */
    boolean next() {
        if (end >= to) {
            return false;
        }
        start = end;
        holder = nextHolder;
        end = Math.min(geo.end(geo.grainOf(start)), to);
        while (end < to) {
            nextHolder = holderOf.apply(geo.grainOf(end));
            if (!Objects.equals(nextHolder, holder)) {
                break;
            }
            end = Math.min(geo.end(geo.grainOf(end)), to);
        }
        return true;
    }

    /** The run's first byte. */
    long start() {
        return start;
    }

    /** The run's length in bytes. */
    long length() {
        return end - start;
    }

    /** What holds every grain of the run. */
    H holder() {
        return holder;
    }
}
