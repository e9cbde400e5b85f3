/**
 * What the NBD server tells the outside about its requests. The server owns these two small
 * interfaces and calls them once per finished request; whoever starts the server decides what
 * to do with the figures (the flashcopy tools keep lock-free counters and serve them as
 * Prometheus text). With {@link dev.flashcopy.nbd.metrics.RequestMetrics#NONE} nothing is kept.
 */
package dev.flashcopy.nbd.metrics;
