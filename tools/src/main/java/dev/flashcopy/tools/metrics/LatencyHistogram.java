package dev.flashcopy.tools.metrics;

import java.util.concurrent.atomic.LongAdder;

/**
 * Durations in fixed buckets, as a Prometheus histogram wants them: request latencies from 25 µs to 10 s
 * ({@link #LatencyHistogram()}), or the time one request held an event loop, from 1 µs to 1 s
 * ({@link #loopHolds()}). Recording walks at most the bounds and adds to two {@link LongAdder}s: no lock, no
 * allocation. Buckets are kept non-cumulative and summed at scrape time. Thread-safe.
 */
public final class LatencyHistogram {
    /** Upper bounds in nanoseconds; a roughly 1-2.5-5 ladder, fine where NBD requests live (µs to ms). */
    private static final long[] REQUEST_BOUNDS_NANOS = {
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

    /** Where work done on an event loop lives: a cached read or page-cache write is µs; a stalled one, ms. */
    private static final long[] LOOP_BOUNDS_NANOS = {
        1_000L,
        2_500L,
        5_000L,
        10_000L,
        25_000L,
        50_000L,
        100_000L,
        250_000L,
        500_000L,
        1_000_000L,
        2_500_000L,
        5_000_000L,
        10_000_000L,
        50_000_000L,
        100_000_000L,
        1_000_000_000L,
    };

    static final int BUCKET_COUNT = REQUEST_BOUNDS_NANOS.length;

    private final long[] bounds;
    /** One more than the bounds: the last counts everything above the highest bound (+Inf). */
    private final LongAdder[] buckets;

    private final LongAdder sumNanos = new LongAdder();

    /** Request latencies, 25 µs to 10 s. */
    public LatencyHistogram() {
        this(REQUEST_BOUNDS_NANOS);
    }

    private LatencyHistogram(long[] bounds) {
        this.bounds = bounds;
        this.buckets = new LongAdder[bounds.length + 1];
        for (int i = 0; i < buckets.length; i++) {
            buckets[i] = new LongAdder();
        }
    }

    /** Times an event loop was held, 1 µs to 1 s. */
    public static LatencyHistogram loopHolds() {
        return new LatencyHistogram(LOOP_BOUNDS_NANOS);
    }

    public void record(long nanos) {
        int i = 0;
        while (i < bounds.length && nanos > bounds[i]) {
            i++;
        }
        buckets[i].increment();
        sumNanos.add(Math.max(0, nanos));
    }

    /** The upper bounds in seconds, for the {@code le} labels. */
    public double boundSeconds(int i) {
        return bounds[i] / 1e9;
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
