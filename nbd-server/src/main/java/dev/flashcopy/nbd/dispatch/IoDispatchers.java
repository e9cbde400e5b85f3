package dev.flashcopy.nbd.dispatch;

import dev.flashcopy.engine.tuning.Tunables;

/**
 * Chooses the dispatcher a server uses: {@code -Dflashcopy.dispatcher=pool} (the default: a thread pool
 * of {@code ioThreads}) or {@code disruptor} (the ring, with {@code -Dflashcopy.ioStages=N} consumers,
 * 4 unless set). The pool is the default because the whole server runs faster on it: on the quiet 2-core
 * machine, 4 KiB random writes at iodepth 32 ran at 88k to 106k IOPS on the pool against 78k to 90k on 4
 * stages and 68k to 72k on 16, with less CPU per write in every round, and random reads tied (bench/RESULTS.md,
 * "Dispatcher and transport"). The ring wins only in isolation (JMH round trip, bench/JMH.md): in the server a
 * write lane is one event held by the stage whose turn it is, and copy-on-write source writes block a stage
 * through each journal group commit, so each commit gathers at most as many writers as there are stages (a
 * third of the pool's rate with 4 stages). Stateless.
 */
public final class IoDispatchers {

    private IoDispatchers() {}

    /** The dispatcher the system properties ask for; {@code ioThreads} sizes the pool. */
    public static IoDispatcher create(int ioThreads) {
        return switch (chosen()) {
            case "pool" -> new ThreadPoolDispatcher(ioThreads);
            case "disruptor" -> new DisruptorDispatcher(Tunables.IO_STAGES.intValue(1));
            default -> throw new IllegalStateException("no dispatcher " + chosen());
        };
    }

    /** The name of the chosen dispatcher, for the startup log. */
    public static String chosen() {
        return Tunables.DISPATCHER.choice();
    }
}
