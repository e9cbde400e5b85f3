package dev.flashcopy.engine.relationship;

import java.io.IOException;

/**
 * Makes a relationship's failure durable before anything relies on it (a source write that skips the failed
 * target's copy). Implementations are thread-safe.
 */
@FunctionalInterface
public interface FailureRecorder {
    /** Returns once {@code reason} for {@code rel} is on stable storage. */
    void record(Relationship rel, String reason) throws IOException;
}
