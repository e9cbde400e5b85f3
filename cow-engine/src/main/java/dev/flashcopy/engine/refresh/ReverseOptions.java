package dev.flashcopy.engine.refresh;

/**
 * How {@code reverseflash} restores a target onto its source. Immutable.
 *
 * @param recording record changes on the reversed pair from the restore on ({@code -record}); implies
 *     {@code persistent}
 * @param persistent keep the reversed relationship after the restore's copy completes ({@code -persist});
 *     without it the reversed relationship ends itself when the source holds every restored grain
 * @param fast restore at once even though the background copy has not completed ({@code -fast}, fast
 *     reverse restore); without it a target that is not a full copy yet is refused
 */
public record ReverseOptions(boolean recording, boolean persistent, boolean fast) {
    public ReverseOptions {
        persistent = persistent || recording;
    }
}
