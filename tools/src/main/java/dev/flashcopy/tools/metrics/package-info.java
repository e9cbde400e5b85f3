/**
 * Counters the server keeps for {@code /metrics} and the dashboard, and the Prometheus text format
 * they are served in. {@link dev.flashcopy.tools.metrics.NbdMetrics} is what the NBD server records
 * into (one {@link dev.flashcopy.tools.metrics.ExportCounters} per export, lock-free
 * {@link java.util.concurrent.atomic.LongAdder}s, nothing allocated per request);
 * {@link dev.flashcopy.tools.metrics.MetricsPage} reads those and the FlashCopy engine's counters at
 * scrape time and writes them with {@link dev.flashcopy.tools.metrics.PrometheusText}.
 */
package dev.flashcopy.tools.metrics;
