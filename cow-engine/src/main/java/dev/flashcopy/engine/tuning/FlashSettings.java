package dev.flashcopy.engine.tuning;

/**
 * Engine tuning, fixed at open. Immutable; start from {@link #defaults()}.
 *
 * @param backgroundCopy false leaves COPY relationships to the engine's {@code copyStep} (tests)
 * @param checkpointJournalBytes the journal is checkpointed and emptied when it grows past this
 * @param lockStripes grain lock stripes per source family, a power of two
 * @param copyStepBytes device range one background copy step settles
 * @param sourceViews a relationship keeps T0 in a snapshot of its source where the store takes one (RBD), instead of
 *     copying each grain out before the source's first write there; {@code -Dflashcopy.views=false} turns it off
 *     (A/B benchmarks), and so does a test of the copy-on-write chain on RBD
 */
public record FlashSettings(
        boolean backgroundCopy, long checkpointJournalBytes, int lockStripes, long copyStepBytes, boolean sourceViews) {
    public FlashSettings {
        if (checkpointJournalBytes < 4096) {
            throw new IllegalArgumentException(
                    "checkpointJournalBytes: " + checkpointJournalBytes + " (expected: >= 4096)");
        }
        if (lockStripes < 1 || Integer.bitCount(lockStripes) != 1) {
            throw new IllegalArgumentException("lockStripes: " + lockStripes + " (expected: a power of two >= 1)");
        }
        if (copyStepBytes < 4096) {
            throw new IllegalArgumentException("copyStepBytes: " + copyStepBytes + " (expected: >= 4096)");
        }
    }

    public static FlashSettings defaults() {
        return new FlashSettings(true, 16L << 20, 1024, 8L << 20, Tunables.SOURCE_VIEWS.booleanValue());
    }

    public FlashSettings withBackgroundCopy(boolean on) {
        return new FlashSettings(on, checkpointJournalBytes, lockStripes, copyStepBytes, sourceViews);
    }

    public FlashSettings withCheckpointJournalBytes(long bytes) {
        return new FlashSettings(backgroundCopy, bytes, lockStripes, copyStepBytes, sourceViews);
    }

    public FlashSettings withLockStripes(int stripes) {
        return new FlashSettings(backgroundCopy, checkpointJournalBytes, stripes, copyStepBytes, sourceViews);
    }

    public FlashSettings withCopyStepBytes(long bytes) {
        return new FlashSettings(backgroundCopy, checkpointJournalBytes, lockStripes, bytes, sourceViews);
    }

    public FlashSettings withSourceViews(boolean on) {
        return new FlashSettings(backgroundCopy, checkpointJournalBytes, lockStripes, copyStepBytes, on);
    }
}
