package dev.flashcopy.engine.journal;

/**
 * One journal entry: grains {@code [firstGrain, firstGrain + grainCount)} of relationship
 * {@code relationshipId} are copied (their to-copy bits are clear). Immutable.
 */
public record JournalRecord(long seq, long relationshipId, long firstGrain, long grainCount) {
    /** Record types on disk; only one so far, but the byte leaves room for more. */
    static final byte TYPE_CLEARED = 1;
    /** type, seq, relationship, first grain, count. */
    static final int BODY_BYTES = 1 + 8 + 8 + 8 + 8;
}
