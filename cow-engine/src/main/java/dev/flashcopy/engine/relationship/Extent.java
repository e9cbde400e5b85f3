package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.catalog.ByteSize;

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

    /** Parses {@code SRC_OFFSET:TGT_OFFSET:LENGTH}, each a size such as {@code 1M} or {@code 4096}. */
    public static Extent parse(String text) {
        String[] parts = text == null ? new String[0] : text.split(":", -1);
        if (parts.length != 3) {
            throw new IllegalArgumentException(
                    "extent '" + text + "' is not valid (expected:" + " SRC_OFFSET:TGT_OFFSET:LENGTH, e.g. 1M:0:512K)");
        }
        try {
            return new Extent(ByteSize.parse(parts[0]), ByteSize.parse(parts[1]), ByteSize.parse(parts[2]));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("extent '" + text + "': " + e.getMessage());
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
