package dev.flashcopy.engine.relationship;

import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The journal sequence numbers that changed a relationship's bits, kept per grain in a small lossy table, so a
 * writer can commit up to the record its grains rely on rather than up to the relationship's latest one. A
 * source write to a grain copied long ago then skips the commit, instead of waiting for one that covers copies
 * of other grains still under way (every write did so while a fresh target was being written all over).
 *
 * <p>The table never under-reports: grains share a slot by their number modulo its size, and a slot keeps the
 * highest number noted for any of them; a change without grains (or over more grains than there are slots)
 * raises a floor that every answer includes. Thread-safe, lock-free.
 */
final class ClearSeqs {
    private static final int SLOTS = 1024;

    private final AtomicLongArray slots = new AtomicLongArray(SLOTS);
    private final AtomicLong floor = new AtomicLong();
    private final AtomicLong highest = new AtomicLong();

    /** Record {@code seq} changed bits of grains {@code [g0, g1)}. */
    void note(long seq, long g0, long g1) {
        if (seq <= 0) {
            return;
        }
        highest.accumulateAndGet(seq, Math::max);
        if (g1 - g0 >= SLOTS || g1 <= g0) {
            floor.accumulateAndGet(seq, Math::max);
            return;
        }
        for (long g = g0; g < g1; g++) {
            slots.accumulateAndGet(slot(g), seq, Math::max);
        }
    }

    /** Record {@code seq} changed bits somewhere. */
    void note(long seq) {
        if (seq > 0) {
            highest.accumulateAndGet(seq, Math::max);
            floor.accumulateAndGet(seq, Math::max);
        }
    }

    /** At least the highest number that changed a bit of grains {@code [g0, g1]}. */
    long of(long g0, long g1) {
        if (g1 - g0 + 1 >= SLOTS) {
            return highest.get();
        }
        long seq = floor.get();
        for (long g = g0; g <= g1; g++) {
            seq = Math.max(seq, slots.get(slot(g)));
        }
        return seq;
    }

    /** The highest number noted. */
    long highest() {
        return highest.get();
    }

    private static int slot(long grain) {
        return (int) Math.floorMod(grain, (long) SLOTS);
    }
}
