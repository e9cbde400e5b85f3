package dev.flashcopy.nbd.metrics;

import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdError;

/**
 * Receives one call per finished request of one export, on whichever thread finished it (an I/O
 * thread, or the event loop for requests answered without I/O). It sits on the hot path, so
 * implementations must be thread-safe, must not block or lock, and should not allocate.
 */
@FunctionalInterface
public interface ExportMetrics {
    /** Keeps nothing. */
    ExportMetrics NONE = (command, bytes, nanos, error) -> {};

    /**
     * @param command the request's command, or null when its type number is unknown to the spec
     * @param bytes   bytes read or written for a successful READ or WRITE, else 0
     * @param nanos   from the moment the request was decoded to the moment its reply was built
     * @param error   the error replied, or null on success
     */
    void request(NbdCommand command, long bytes, long nanos, NbdError error);

    /**
     * A request ({@code READ} or {@code WRITE}) whose device call ran on the event loop held it for {@code nanos}:
     * how long the loop's other connections waited for it. Called on the loop, also when the call found it could
     * not finish there. Keeps nothing by default.
     */
    default void loopHeld(NbdCommand command, long nanos) {}
}
