package dev.flashcopy.engine.journal;

import java.util.Objects;

/**
 * One journal entry: grains {@code [firstGrain, firstGrain + grainCount)} of one bitmap of relationship
 * {@code relationshipId} changed as {@code type} says. Immutable.
 */
public record JournalRecord(long seq, RecordType type, long relationshipId, long firstGrain, long grainCount) {
    /** type, seq, relationship, first grain, count. */
    static final int BODY_BYTES = 1 + 8 + 8 + 8 + 8;

    public JournalRecord {
        Objects.requireNonNull(type, "type");
    }

    /** A to-copy clear, the record type every version wrote. */
    public JournalRecord(long seq, long relationshipId, long firstGrain, long grainCount) {
        this(seq, RecordType.CLEARED, relationshipId, firstGrain, grainCount);
    }
}
