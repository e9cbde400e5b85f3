package dev.flashcopy.engine.relationship;

/**
 * What one step of background copy or cleaning did: bytes of the device range it settled
 * ({@code coveredBytes}, holes included) and bytes it actually read and wrote ({@code dataBytes}).
 */
public record CopyProgress(long coveredBytes, long dataBytes) {
    public static final CopyProgress NONE = new CopyProgress(0, 0);

    public boolean idle() {
        return coveredBytes == 0;
    }
}
