package dev.flashcopy.engine.membership;

import dev.flashcopy.engine.copier.CopyJob;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.relationship.ChainCopy;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.CopyProgress;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.Relationship;
import java.io.IOException;
import java.nio.ByteBuffer;

/**
 * One relationship's background copy as the copier schedules it. Each step enters the family like host
 * I/O does and commits the journal at most every 250 ms, so copy progress survives a crash without an
 * fsync per step. Thread-safe.
 */
public final class RelationshipJob implements CopyJob {
    private static final long COMMIT_INTERVAL_NANOS = 250_000_000L;

    /** What happens when a relationship's copy reached its end (the engine may end the relationship). */
    @FunctionalInterface
    public interface Finish {
        void copied(Relationship rel) throws IOException;
    }

    private final Registry registry;
    private final Journal journal;
    private final Finish finish;
    private final Relationship rel;
    private volatile long lastCommit = System.nanoTime();

    RelationshipJob(Registry registry, Journal journal, Finish finish, Relationship rel) {
        this.registry = registry;
        this.journal = journal;
        this.finish = finish;
        this.rel = rel;
    }

    @Override
    public boolean wantsCopy() {
        return registry.isLive(rel)
                && rel.mode() == CopyMode.COPY
                && !rel.cleaning()
                && (!rel.complete() || !rel.persistent());
    }

    @Override
    public int rateMiBps() {
        return rel.rateMiBps();
    }

    @Override
    public int hostWritesInFlight() {
        Family f = registry.families.get(rel.source().name());
        return f == null ? 0 : f.hostLoad().inFlight();
    }

    @Override
    public long hostBusyNanos() {
        Family f = registry.families.get(rel.source().name());
        return f == null ? 0 : f.hostLoad().busyNanos();
    }

    @Override
    public CopyProgress step(long maxBytes, ByteBuffer buffer) throws IOException {
        String target = rel.target().name();
        // The relationship lives in its source's family (a cascade's middle target maps to its own family).
        Family f = registry.families.get(rel.source().name());
        if (f == null || !f.enter(target)) {
            return CopyProgress.NONE;
        }
        CopyProgress p;
        try {
            if (rel.cleaning() || !registry.isLive(rel)) {
                return CopyProgress.NONE;
            }
            p = ChainCopy.copyStep(f, rel, maxBytes, buffer);
        } finally {
            f.exit();
        }
        rel.noteBackgroundCopy(p.dataBytes());
        long now = System.nanoTime();
        if (now - lastCommit > COMMIT_INTERVAL_NANOS) {
            lastCommit = now;
            // Durability: ChainCopy wrote the grains before queueing their records; the commit syncs the
            // target, then the journal. Only progress rides on it (nobody waits), hence the interval.
            journal.commitAll();
        }
        return p;
    }

    @Override
    public void finished() throws IOException {
        finish.copied(rel);
    }

    @Override
    public void measured(double mibps) {
        rel.setMeasuredRateMiBps(mibps);
    }
}
