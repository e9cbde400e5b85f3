package dev.flashcopy.nbd.dispatch;

import java.util.Locale;

/**
 * Chooses the dispatcher a server uses: {@code -Dflashcopy.dispatcher=disruptor} (the default: the
 * ring, with {@code -Dflashcopy.ioStages=N} consumers, 16 unless set) or {@code pool} (a thread pool
 * of {@code ioThreads}). Measured on the 2-core development machine under heavy load from other
 * builds (bench/RESULTS.md, "Dispatcher"): the ring spent less server CPU per 4 KiB request than the
 * pool and won most interleaved rounds of random reads and writes; 16 stages rather than 4 because
 * copy-on-write source writes need many writers waiting on one journal group commit (4 stages ran
 * them at a third of the pool's rate, 16 at or above it). Stateless.
 */
public final class IoDispatchers {
    public static final String PROPERTY = "flashcopy.dispatcher";
    public static final String STAGES_PROPERTY = "flashcopy.ioStages";
    static final String DEFAULT = "disruptor";
    static final int DEFAULT_STAGES = 16;

    private IoDispatchers() {
    }

    /** The dispatcher the system properties ask for; {@code ioThreads} sizes the pool. */
    public static IoDispatcher create(int ioThreads) {
        return switch (chosen()) {
            case "pool" -> new ThreadPoolDispatcher(ioThreads);
            case "disruptor" -> new DisruptorDispatcher(Integer.getInteger(STAGES_PROPERTY, DEFAULT_STAGES));
            default -> throw new IllegalArgumentException(
                    PROPERTY + ": '" + chosen() + "' (expected: disruptor or pool)");
        };
    }

    /** The name of the chosen dispatcher, for the startup log. */
    public static String chosen() {
        return System.getProperty(PROPERTY, DEFAULT).toLowerCase(Locale.ROOT);
    }
}
