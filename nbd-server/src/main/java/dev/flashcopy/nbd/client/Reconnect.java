package dev.flashcopy.nbd.client;

import java.time.Duration;

/**
 * What a {@link RemoteDevice} does after its connection is lost. With {@link #NEVER} and {@link #ON_NEXT_REQUEST} the
 * requests in flight at the loss fail (with {@code BlockError.IO}): whether a write reached the far disk cannot be
 * known, so it is the caller's to retry. {@link #resendingFor} sends them again instead, as a reconnecting NBD client
 * does: a READ, WRITE, TRIM or WRITE_ZEROES sent twice has the effect of sending it once (the host cannot rely on
 * the order of requests it has not seen answered), and a FLUSH after the loss is answered with what it can promise
 * ({@link TrackedRemoteDevice}). Immutable.
 */
public final class Reconnect {
    /** The device stays down: every later request fails; for callers that manage failover themselves. */
    public static final Reconnect NEVER = new Reconnect(false, Duration.ZERO);

    /**
     * The next request dials again (the same export, or whatever the device's dialer now points to, e.g. a new
     * owner) and runs on the new connection; if the dial fails, that request fails and the next one tries again.
     */
    public static final Reconnect ON_NEXT_REQUEST = new Reconnect(true, Duration.ZERO);

    private final boolean dials;
    private final Duration resendWindow;

    private Reconnect(boolean dials, Duration resendWindow) {
        this.dials = dials;
        this.resendWindow = resendWindow;
    }

    /**
     * As {@link #ON_NEXT_REQUEST}, and a request whose connection is lost before its answer, or that finds no server
     * to dial, or that the far server refuses because it is shutting down, is sent again on a new connection, with
     * pauses of up to a second, until {@code window} after its first failure; only then does it fail. For a forward
     * to a store's owner: a failover takes the store over within the window, and the host never sees the gap.
     */
    public static Reconnect resendingFor(Duration window) {
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException("window: " + window + " (expected: > 0)");
        }
        return new Reconnect(true, window);
    }

    boolean dials() {
        return dials;
    }

    boolean resends() {
        return !resendWindow.isZero();
    }

    Duration resendWindow() {
        return resendWindow;
    }

    @Override
    public String toString() {
        return !dials ? "never" : resends() ? "resending for " + resendWindow.toSeconds() + " s" : "on next request";
    }
}
