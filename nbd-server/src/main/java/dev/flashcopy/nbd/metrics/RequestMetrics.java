package dev.flashcopy.nbd.metrics;

/**
 * Hands out the {@link ExportMetrics} of one export. Called once per connection when the handshake
 * picks its export, never per request. Implementations must be thread-safe: connections to the same
 * export are set up on several event loops at once.
 */
@FunctionalInterface
public interface RequestMetrics {
    /** Keeps nothing. */
    RequestMetrics NONE = name -> ExportMetrics.NONE;

    /** Where requests to export {@code name} are recorded; the same object for the same name is fine. */
    ExportMetrics export(String name);
}
