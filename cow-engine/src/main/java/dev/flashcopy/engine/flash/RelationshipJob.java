package dev.flashcopy.engine.flash;

import dev.flashcopy.engine.copier.CopyJob;
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
final class RelationshipJob implements CopyJob {
    private static final long COMMIT_INTERVAL_NANOS = 250_000_000L;

    private final FlashEngine engine;
    private final Relationship rel;
    private volatile long lastCommit = System.nanoTime();

    RelationshipJob(FlashEngine engine, Relationship rel) {
        this.engine = engine;
        this.rel = rel;
    }

    @Override
    public boolean wantsCopy() {
        return engine.isLive(rel)
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
        Family f = engine.familyOf(rel.source().name());
        return f == null ? 0 : f.hostLoad().inFlight();
    }

    @Override
    public long hostBusyNanos() {
        Family f = engine.familyOf(rel.source().name());
        return f == null ? 0 : f.hostLoad().busyNanos();
    }

    @Override
    public CopyProgress step(long maxBytes, ByteBuffer buffer) throws IOException {
        String target = rel.target().name();
        // The relationship lives in its source's family (a cascade's middle target maps to its own family).
        Family f = engine.familyOf(rel.source().name());
        if (f == null || !f.enter(target)) {
            return CopyProgress.NONE;
        }
        CopyProgress p;
        try {
            if (rel.cleaning() || !engine.isLive(rel)) {
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
            engine.journal().commitAll();
        }
        return p;
    }

    @Override
    public void finished() throws IOException {
        engine.copyFinished(rel);
    }

    @Override
    public void measured(double mibps) {
        rel.setMeasuredRateMiBps(mibps);
    }
}
