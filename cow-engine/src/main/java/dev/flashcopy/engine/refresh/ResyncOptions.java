package dev.flashcopy.engine.refresh;

import java.util.OptionalLong;

/**
 * How {@code resyncflash} refreshes its pairs. As in the DS CLI, these replace the stored settings: without
 * {@code recording} the pair cannot be resynced (or reversed) again. Immutable.
 *
 * @param recording keep recording changes from the new T0 ({@code -record}); implies {@code persistent}
 * @param persistent keep the relationship after the copy completes ({@code -persist})
 * @param targetWriteInhibit host writes to the target fail while the relationship exists ({@code -tgtinhibit})
 * @param seqnum the pairs' new sequence number ({@code -seqnum}); empty keeps each pair's own
 */
public record ResyncOptions(boolean recording, boolean persistent, boolean targetWriteInhibit, OptionalLong seqnum) {
    public ResyncOptions {
        if (seqnum == null) {
            throw new IllegalArgumentException("seqnum: null (expected: OptionalLong.empty() to keep each pair's own)");
        }
        if (seqnum.isPresent() && (seqnum.getAsLong() < 0 || seqnum.getAsLong() > 0xFFFF_FFFFL)) {
            throw new IllegalArgumentException("seqnum: " + seqnum.getAsLong() + " (expected: 0 to FFFFFFFF)");
        }
        persistent = persistent || recording;
    }

    /** {@code -record -persist}: the pair can be resynced again. */
    public static ResyncOptions recordAgain() {
        return new ResyncOptions(true, true, false, OptionalLong.empty());
    }
}
