package dev.flashcopy.nbd.dispatch;

import java.util.Locale;

/**
 * Chooses the dispatcher a server uses: {@code -Dflashcopy.dispatcher=pool} (a thread pool, the
 * default) or {@code disruptor} (the ring, with {@code -Dflashcopy.ioStages=N} consumers, default 4).
 * Stateless.
 */
public final class IoDispatchers {
    public static final String PROPERTY = "flashcopy.dispatcher";
    public static final String STAGES_PROPERTY = "flashcopy.ioStages";

    private IoDispatchers() {
    }

    /** The dispatcher the system properties ask for; {@code ioThreads} sizes the pool. */
    public static IoDispatcher create(int ioThreads) {
        String kind = System.getProperty(PROPERTY, "pool").toLowerCase(Locale.ROOT);
        return switch (kind) {
            case "pool" -> new ThreadPoolDispatcher(ioThreads);
            case "disruptor" -> new DisruptorDispatcher(Integer.getInteger(STAGES_PROPERTY, 4));
            default -> throw new IllegalArgumentException(
                    PROPERTY + ": '" + kind + "' (expected: pool or disruptor)");
        };
    }

    /** The name of the chosen dispatcher, for the startup log. */
    public static String chosen() {
        return System.getProperty(PROPERTY, "pool");
    }
}
