package dev.flashcopy.engine.flash;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The copier's and maintenance's failures since open, the most recent {@value #KEEP}, each with its time: what
 * {@code /v1/server} and the dashboard show when nobody was there to see an exception. Thread-safe.
 */
final class ProblemLog {
    static final int KEEP = 100;

    private final List<String> lines = new ArrayList<>();

    synchronized void add(Exception e) {
        lines.add(Instant.now() + " " + e);
        if (lines.size() > KEEP) {
            lines.remove(0);
        }
    }

    /** Oldest first. */
    synchronized List<String> recent() {
        return List.copyOf(lines);
    }
}
