package dev.flashcopy.engine.relationship;

/**
 * One range of an extent relationship ({@code mkflash --extent SRC_OFFSET:TGT_OFFSET:LENGTH}): source bytes
 * {@code [sourceOffset, sourceOffset + length)} appear on the target at {@code [targetOffset, ...)}.
 * Immutable; as the catalog stores it.
 */
public record Extent(long sourceOffset, long targetOffset, long length) {
    public Extent {
        if (sourceOffset < 0 || targetOffset < 0 || length <= 0) {
            throw new IllegalArgumentException("extent " + sourceOffset + ":" + targetOffset + ":" + length
                    + " (expected: offsets >= 0 and a length > 0)");
        }
    }

    public long sourceEnd() {
        return sourceOffset + length;
    }

    public long targetEnd() {
        return targetOffset + length;
    }

    /** Where source offset {@code s} (inside this extent) lies on the target. */
    public long toTarget(long s) {
        return s - sourceOffset + targetOffset;
    }

    /** Where target offset {@code t} (inside this extent) comes from on the source. */
    public long toSource(long t) {
        return t - targetOffset + sourceOffset;
    }

    @Override
    public String toString() {
        return sourceOffset + ":" + targetOffset + ":" + length;
    }
}
