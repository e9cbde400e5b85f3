package dev.flashcopy.nbd.client;

/**
 * What a {@link RemoteDevice} does after its connection is lost. Requests in flight at the loss fail either way (with
 * {@code BlockError.IO}): whether a write reached the far disk cannot be known, so it is the caller's to retry.
 */
public enum Reconnect {
    /** The device stays down: every later request fails; for callers that manage failover themselves. */
    NEVER,
    /**
     * The next request dials again (the same export, or whatever the device's dialer now points to, e.g. a new
     * owner) and runs on the new connection; if the dial fails, that request fails and the next one tries again.
     */
    ON_NEXT_REQUEST
}
