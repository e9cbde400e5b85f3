package dev.flashcopy.tools.metrics;

import dev.flashcopy.nbd.metrics.RequestMetrics;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The NBD server's request counters, one {@link ExportCounters} per export name, created on the first
 * connection to that export and kept for the life of the server (so counters never go backwards while
 * it runs, even when a volume is removed and made again). Looked up once per connection, not per
 * request. Thread-safe.
 */
public final class NbdMetrics implements RequestMetrics {
    private final ConcurrentHashMap<String, ExportCounters> exports = new ConcurrentHashMap<>();

    @Override
    public ExportCounters export(String name) {
        return exports.computeIfAbsent(name, n -> new ExportCounters());
    }

    /** Every export that has had a connection, by name. */
    public Map<String, ExportCounters> exports() {
        return new TreeMap<>(exports);
    }
}
