package dev.flashcopy.engine.copier;

/**
 * How hard one relationship's background copy may run beside host I/O on its family. It measures the host
 * load over intervals of {@value #INTERVAL_NANOS} ns: the mean number of host writes in flight (the growth of
 * the summed write durations divided by the interval), and turns it into the copier's share of time,
 * {@code 1 / (1 + load / HALF_LOAD)}: 1 on an idle host, 1/2 when a host write is in flight half the time,
 * smoothed over intervals so the copy rate slides rather than jumps. After a step that took {@code d}, the
 * next waits {@code d (1 - share) / share}, at most {@value #MAX_PAUSE_NANOS} ns.
 *
 * <p>A busy host cannot starve the copy: the share never drops below {@value #MIN_SHARE}, and the short
 * yields while a host write is in flight right now stop after {@value #MAX_YIELDS} in a row, when the copier
 * steps anyway.
 *
 * <p>A pure policy: time comes in as arguments (tests drive a fake clock). Not thread-safe: only the copier
 * thread uses it.
 */
public final class HostLoadBackoff {
    static final long INTERVAL_NANOS = 100_000_000L;
    static final double HALF_LOAD = 0.5;
    static final double MIN_SHARE = 0.05;
    static final double SMOOTHING = 0.5;
    static final long MAX_PAUSE_NANOS = 1_000_000_000L;
    static final int MAX_YIELDS = 50;
    static final long YIELD_NANOS = 1_000_000L;

    private long windowStart = Long.MIN_VALUE;
    private long windowBusy;
    private double load;
    private double share = 1.0;
    private long nextStep = Long.MIN_VALUE;
    private int yields;

    /**
     * How long to wait before the next step, 0 to step now.
     *
     * @param now the clock, in nanoseconds
     * @param busyNanos the family's summed host write durations so far (grows only)
     * @param inFlight host writes in flight now
     */
    public long delayNanos(long now, long busyNanos, int inFlight) {
        observe(now, busyNanos);
        if (nextStep != Long.MIN_VALUE && now < nextStep) {
            return nextStep - now;
        }
        if (inFlight > 0 && yields < MAX_YIELDS) {
            yields++;
            return YIELD_NANOS; // a host write is running: let it have the disk, look again shortly
        }
        yields = 0;
        return 0;
    }

    /** A step ran from {@code start} to {@code end}: the next one waits its share's worth. */
    public void stepped(long start, long end) {
        long took = Math.max(0, end - start);
        long pause = (long) Math.min(MAX_PAUSE_NANOS, took * (1 - share) / share);
        nextStep = end + pause;
    }

    private void observe(long now, long busyNanos) {
        if (windowStart == Long.MIN_VALUE) {
            windowStart = now;
            windowBusy = busyNanos;
            return;
        }
        long elapsed = now - windowStart;
        if (elapsed < INTERVAL_NANOS) {
            return;
        }
        load = Math.max(0, busyNanos - windowBusy) / (double) elapsed;
        double target = Math.max(MIN_SHARE, 1 / (1 + load / HALF_LOAD));
        share += (target - share) * SMOOTHING;
        windowStart = now;
        windowBusy = busyNanos;
    }

    /** The fraction of time the copier may spend copying now, in [{@value #MIN_SHARE}, 1]. */
    public double share() {
        return share;
    }

    /** The host load measured over the last interval: mean host writes in flight. */
    public double load() {
        return load;
    }
}
