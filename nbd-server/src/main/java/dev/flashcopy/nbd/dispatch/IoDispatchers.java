package dev.flashcopy.nbd.dispatch;

import java.util.Locale;

/**
 * Chooses the dispatcher a server uses: {@code -Dflashcopy.dispatcher=pool} (the default: a thread pool
 * of {@code ioThreads}) or {@code disruptor} (the ring, with {@code -Dflashcopy.ioStages=N} consumers,
 * 4 unless set). Measured side by side on the 2-core development machine under heavy load from other
 * builds (bench/RESULTS.md, "Dispatcher"): the ring with 4 stages spent less server CPU per 4 KiB
 * request and won the random read and write rounds, but starved copy-on-write source writes (each
 * journal group commit gathers at most as many writers as there are stages: a third of the pool's
 * rate); with 16 stages it kept up on copy-on-write but lost random reads over 4 connections, since
 * every stage sees every sequence and one stage the scheduler preempts holds up its whole share. The
 * pool has neither weakness, so it stays the default. Stateless.
 */
public final class IoDispatchers {
    public static final String PROPERTY = "flashcopy.dispatcher";
    public static final String STAGES_PROPERTY = "flashcopy.ioStages";
    static final String DEFAULT = "pool";
    static final int DEFAULT_STAGES = 4;

    private IoDispatchers() {
    }

    /** The dispatcher the system properties ask for; {@code ioThreads} sizes the pool. */
    public static IoDispatcher create(int ioThreads) {
        return switch (chosen()) {
            case "pool" -> new ThreadPoolDispatcher(ioThreads);
            case "disruptor" -> new DisruptorDispatcher(Integer.getInteger(STAGES_PROPERTY, DEFAULT_STAGES));
            default -> throw new IllegalArgumentException(
                    PROPERTY + ": '" + chosen() + "' (expected: pool or disruptor)");
        };
    }

    /** The name of the chosen dispatcher, for the startup log. */
    public static String chosen() {
        return System.getProperty(PROPERTY, DEFAULT).toLowerCase(Locale.ROOT);
    }
}
