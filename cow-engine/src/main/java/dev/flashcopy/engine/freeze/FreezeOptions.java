package dev.flashcopy.engine.freeze;

import java.time.Duration;

/**
 * Whether an establish or resync freezes its sources ({@code --freeze}) and for how long at most
 * ({@code --freeze-timeout}, default 120 s as on a DS8000). Immutable.
 *
 * @param freeze hold new writes to every source from T0 until {@code unfreezeflash} or the timeout
 * @param timeout the longest the writes are held, from T0; positive, at most one day
 */
public record FreezeOptions(boolean freeze, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(120);
    public static final Duration MAX_TIMEOUT = Duration.ofDays(1);
    /** No freeze: writes go on as soon as the establish is done. */
    public static final FreezeOptions NONE = new FreezeOptions(false, DEFAULT_TIMEOUT);

    public FreezeOptions {
        checkTimeout(timeout);
    }

    /** Freeze with {@code timeout}. */
    public static FreezeOptions freezeFor(Duration timeout) {
        return new FreezeOptions(true, timeout);
    }

    static Duration checkTimeout(Duration timeout) {
        if (timeout == null || timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0) {
            throw new IllegalArgumentException(
                    "freeze timeout: " + timeout + " (expected: more than 0, at most " + MAX_TIMEOUT.toHours() + " h)");
        }
        return timeout;
    }
}
