package dev.flashcopy.rbd.lease;

import java.time.Duration;

/**
 * How long a server leaves a lease that was handed to another server ({@link Lease#handOver}) to that one: from the
 * moment this process first saw the handover record, for {@code bound}, by its own monotonic clock (no two hosts'
 * clocks are compared). Past the bound the named server is presumed dead and the lease is anyone's again, as any
 * released lease is. One instance per lease object a server keeps trying to take, across its attempts.
 * Thread-safe.
 */
public final class Handovers {
    private final Duration bound;
    private HolderRecord seen;
    private long seenAt;

    public Handovers(Duration bound) {
        this.bound = bound;
    }

    /**
     * Whether this server, {@code self}, must keep off a lease whose last record is {@code last}: it was handed to
     * another server, less than the bound ago.
     */
    public synchronized boolean keepOff(HolderRecord last, String self) {
        if (last == null || last.held() || last.handoverTo() == null) {
            seen = null; // a later handover, even with the same fields, starts its own bound
            return false;
        }
        if (!last.equals(seen)) {
            seen = last;
            seenAt = System.nanoTime();
        }
        return !last.handoverTo().equals(self) && System.nanoTime() - seenAt < bound.toNanos();
    }
}
