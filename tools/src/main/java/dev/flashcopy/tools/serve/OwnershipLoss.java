package dev.flashcopy.tools.serve;

import java.time.Duration;

/**
 * The one time a server loses its store's lease: why, and since when, so that the command waits a bounded time for
 * the orderly stop the loss starts. A cluster that does not answer at all (it is down) leaves calls into librados
 * waiting for ever, an image's last flush among them; the process must still end, and ending is what makes it safe:
 * what librados still holds queued dies with it instead of landing once the cluster is back. Thread-safe.
 */
final class OwnershipLoss {
    /** How long the orderly stop may take before the process ends regardless. */
    static final Duration STOP_BOUND = Duration.ofSeconds(5);

    private String reason;
    private long at;

    /** Records the loss; false when one was recorded already (both leases may go at once). */
    synchronized boolean record(String why) {
        if (reason != null) {
            return false;
        }
        reason = why;
        at = System.nanoTime();
        return true;
    }

    /** Why the lease was lost, or null while it is held. */
    synchronized String reason() {
        return reason;
    }

    /** Whether the lease was lost longer than {@link #STOP_BOUND} ago. */
    synchronized boolean pastStopBound() {
        return reason != null && System.nanoTime() - at > STOP_BOUND.toNanos();
    }
}
