package dev.flashcopy.nbd.client;

import java.util.concurrent.atomic.AtomicLong;

/**
 * What one connection of a {@link RemoteDevice} was told about durability: its writes (WRITE, TRIM, WRITE_ZEROES
 * without FUA) numbered in the order their answers came, and the highest number a completed FLUSH covers. A write
 * numbered {@code n} is durable on the far side once {@link #flushedUpTo()} reaches {@code n}; when the connection is
 * lost before that, the far server may have lost it (it answered from a cache). Thread-safe.
 */
final class Ledger {
    private final String peer;
    private final AtomicLong answered = new AtomicLong();
    private final AtomicLong flushedUpTo = new AtomicLong();

    Ledger(String peer) {
        this.peer = peer;
    }

    /** Numbers a write whose every part has been answered. */
    long answered() {
        return answered.incrementAndGet();
    }

    /** The number of the last write answered so far: a FLUSH sent now covers every write up to it. */
    long answeredSoFar() {
        return answered.get();
    }

    /** A FLUSH sent when {@link #answeredSoFar()} was {@code upTo} completed. */
    void flushed(long upTo) {
        flushedUpTo.accumulateAndGet(upTo, Math::max);
    }

    long flushedUpTo() {
        return flushedUpTo.get();
    }

    /** The server this connection went to, for messages. */
    String peer() {
        return peer;
    }
}
