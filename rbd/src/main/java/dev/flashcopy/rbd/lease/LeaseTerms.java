package dev.flashcopy.rbd.lease;

import java.time.Duration;

/**
 * How long a lease lasts without renewal ({@code duration}), how often its holder renews it ({@code renewEvery}),
 * and how long a survivor fences an old holder it takes the lease from ({@code fenceFor}).
 *
 * <p>Defaults: a 10 s lease renewed every 3 s survives two lost or slow renewals in a row, and a dead holder's
 * families move within the 30 s the scale-out issue allows: 10 s until the OSD expires the lock, a survivor's poll,
 * and about a second for the blocklist to reach the OSD map. The fence lasts an hour, Ceph's own default for a
 * blocklist entry: a paused process may wake up at any time, and its connection must stay refused until it has
 * noticed and reconnected (a new connection has a new address and is not fenced).
 *
 * @param duration how long the OSD keeps the lock after the last renewal
 * @param renewEvery the holder's renewal period; at most a third of {@code duration}
 * @param fenceFor how long a taken-over holder stays blocklisted; at least {@code duration}
 */
public record LeaseTerms(Duration duration, Duration renewEvery, Duration fenceFor) {
    public static final LeaseTerms DEFAULT =
            new LeaseTerms(Duration.ofSeconds(10), Duration.ofSeconds(3), Duration.ofHours(1));

    public LeaseTerms {
        if (duration.toMillis() < 1000) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: 1 s or more)");
        }
        if (renewEvery.toMillis() < 10 || renewEvery.multipliedBy(3).compareTo(duration) > 0) {
            throw new IllegalArgumentException(
                    "renewEvery: " + renewEvery + " (expected: 10 ms to a third of duration " + duration + ")");
        }
        if (fenceFor.compareTo(duration) < 0 || fenceFor.toSeconds() < 1) {
            throw new IllegalArgumentException(
                    "fenceFor: " + fenceFor + " (expected: at least the lease duration " + duration + ")");
        }
    }
}
