package dev.flashcopy.engine.journal;

/**
 * What a journal record says about its grains, with the number it has on disk. Two kinds clear bits (a copy
 * landed; a borrowed grain came home), two set them (a side was written since the last T0). Immutable.
 */
public enum RecordType {
    /** To-copy bits cleared: the grains are copied. */
    CLEARED(1, false),
    /** Source-changed bits set: the source was (about to be) written there since the last T0. */
    SOURCE_CHANGED(2, true),
    /** Target-changed bits set: the target was (about to be) written there since the last T0. */
    TARGET_CHANGED(3, true),
    /** Borrowed bits cleared: the source's own file holds the grains again. */
    BORROWED_CLEARED(4, false);

    private static final RecordType[] BY_CODE = {null, CLEARED, SOURCE_CHANGED, TARGET_CHANGED, BORROWED_CLEARED};

    private final byte code;
    private final boolean sets;

    RecordType(int code, boolean sets) {
        this.code = (byte) code;
        this.sets = sets;
    }

    /** The byte the record carries on disk. */
    public byte code() {
        return code;
    }

    /** Whether the record sets bits (a change mark) rather than clearing them. */
    public boolean sets() {
        return sets;
    }

    /** Whether {@code code} names a type; a reader checks this before {@link #of}. */
    static boolean known(byte code) {
        return code > 0 && code < BY_CODE.length;
    }

    /** The type numbered {@code code}; an unknown number is an IllegalArgumentException. */
    public static RecordType of(byte code) {
        if (!known(code)) {
            throw new IllegalArgumentException("journal record type: " + code + " (expected: 1 to 4)");
        }
        return BY_CODE[code];
    }
}
