package dev.flashcopy.engine.copier;

/**
 * A pacing clock for one relationship's copy: after {@code n} bytes at {@code r} MiB/s the next step may
 * start {@code n / r} later. Rate 0 means unlimited. Not thread-safe: only the copier thread uses it.
 */
public final class RateLimiter {
    private long nextFreeNanos;

    /** Nanoseconds to wait before the next step may run at {@code rateMiBps}; 0 when it may run now. */
    public long delayNanos(int rateMiBps, long nowNanos) {
        if (rateMiBps <= 0) {
            nextFreeNanos = nowNanos;
            return 0;
        }
        return Math.max(0, nextFreeNanos - nowNanos);
    }

    /** Charges {@code bytes} copied at {@code rateMiBps}. */
    public void consumed(long bytes, int rateMiBps, long nowNanos) {
        if (rateMiBps <= 0) {
            return;
        }
        long cost = (long) (bytes * 1e9 / (rateMiBps * 1048576.0));
        nextFreeNanos = Math.max(nextFreeNanos, nowNanos) + cost;
    }
}
