package dev.flashcopy.nbd.client;

/**
 * One block status descriptor: {@code length} bytes with the context's status {@code flags} (for
 * {@code base:allocation}, {@code NbdWire.STATE_HOLE} and {@code STATE_ZERO}). Immutable.
 */
public record StatusExtent(long length, int flags) {}
