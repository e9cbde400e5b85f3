package dev.flashcopy.engine.journal;

/**
 * One journal entry: grains {@code [firstGrain, firstGrain + grainCount)} of one bitmap of relationship
 * {@code relationshipId} changed as {@code type} says. Immutable.
 */
public record JournalRecord(long seq, byte type, long relationshipId, long firstGrain, long grainCount) {
    /** To-copy bits cleared: the grains are copied. */
    public static final byte TYPE_CLEARED = 1;
    /** Source-changed bits set: the source was (about to be) written there since the last T0. */
    public static final byte TYPE_SOURCE_CHANGED = 2;
    /** Target-changed bits set: the target was (about to be) written there since the last T0. */
    public static final byte TYPE_TARGET_CHANGED = 3;
    /** Borrowed bits cleared: the source's own file holds the grains again. */
    public static final byte TYPE_BORROWED_CLEARED = 4;
    /** type, seq, relationship, first grain, count. */
    static final int BODY_BYTES = 1 + 8 + 8 + 8 + 8;

    public JournalRecord {
        if (!validType(type)) {
            throw new IllegalArgumentException("type: " + type + " (expected: 1 to 4)");
        }
    }

    /** A to-copy clear, the record type every version wrote. */
    public JournalRecord(long seq, long relationshipId, long firstGrain, long grainCount) {
        this(seq, TYPE_CLEARED, relationshipId, firstGrain, grainCount);
    }

    static boolean validType(byte type) {
        return type >= TYPE_CLEARED && type <= TYPE_BORROWED_CLEARED;
    }
}
