package dev.flashcopy.engine.relationship;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;

/**
 * Host writes on one family (a whole cascade shares one): how many are in flight now, and the sum of the
 * durations of those that finished. The background copier reads the second as a load signal: its growth
 * over an interval divided by the interval is the mean number of host writes in flight then (Little's
 * law), which rises both with more writes and with slower ones, such as writes waiting behind the copier.
 *
 * <p>Thread-safe; two clock reads and three atomic updates per host write.
 */
public final class HostLoad {
    private final AtomicInteger inFlight = new AtomicInteger();
    private final LongAdder busyNanos = new LongAdder();

    /** A host write starts; returns the token to hand to {@link #end}. */
    public long begin() {
        inFlight.incrementAndGet();
        return System.nanoTime();
    }

    /** The host write begun at {@code started} ends (successfully or not). */
    public void end(long started) {
        busyNanos.add(System.nanoTime() - started);
        inFlight.decrementAndGet();
    }

    /** Host writes in flight now. */
    public int inFlight() {
        return inFlight.get();
    }

    /** The summed duration of every host write that ended so far, in nanoseconds; only grows. */
    public long busyNanos() {
        return busyNanos.sum();
    }
}
