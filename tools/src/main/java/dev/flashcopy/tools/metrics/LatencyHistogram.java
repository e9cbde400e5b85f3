package dev.flashcopy.tools.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * Request latencies in fixed buckets, from 25 µs to 10 s, as a Prometheus histogram wants them. Recording
 * walks at most {@value #BUCKET_COUNT} bounds and adds to two {@link LongAdder}s: no lock, no allocation.
 * Buckets are kept non-cumulative and summed at scrape time. Thread-safe.
 */
public final class LatencyHistogram {
    /** Upper bounds in nanoseconds; a roughly 1-2.5-5 ladder, fine where NBD requests live (µs to ms). */
    private static final long[] BOUNDS_NANOS = {
        25_000L,
        50_000L,
        100_000L,
        250_000L,
        500_000L,
        1_000_000L,
        2_500_000L,
        5_000_000L,
        10_000_000L,
        25_000_000L,
        50_000_000L,
        100_000_000L,
        250_000_000L,
        500_000_000L,
        1_000_000_000L,
        2_500_000_000L,
        10_000_000_000L,
    };

    static final int BUCKET_COUNT = BOUNDS_NANOS.length;

    /** One more than the bounds: the last counts everything above the highest bound (+Inf). */
    private final LongAdder[] buckets = new LongAdder[BUCKET_COUNT + 1];

    private final LongAdder sumNanos = new LongAdder();

    public LatencyHistogram() {
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    public void record(long nanos) {
        int i = 0;
        while (i < BUCKET_COUNT && nanos > BOUNDS_NANOS[i]) {
            i++;
        }
        buckets[i].increment();
        sumNanos.add(Math.max(0, nanos));
    }

    /** The upper bounds in seconds, for the {@code le} labels. */
    public static double boundSeconds(int i) {
        return BOUNDS_NANOS[i] / 1e9;
    }

    /** Cumulative counts: element i counts latencies at or below bound i; the last element is the total. */
    public long[] cumulative() {
        long[] out = new long[buckets.length];
        long running = 0;
        for (int i = 0; i < buckets.length; i++) {
            running += buckets[i].sum();
            out[i] = running;
        }
        return out;
    }

    public double sumSeconds() {
        return sumNanos.sum() / 1e9;
    }
}
