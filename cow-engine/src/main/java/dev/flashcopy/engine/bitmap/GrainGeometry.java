package dev.flashcopy.engine.bitmap;

/**
 * How a relationship divides its source into grains: {@code grainSize} bytes each, the last one
 * shorter when {@code size} is not a multiple. Immutable and thread-safe.
 *
 * @param grainSize bytes per grain, a power of two in [4096, 1048576]
 * @param size bytes covered (the source's size)
 */
public record GrainGeometry(int grainSize, long size) {
    public static final int MIN_GRAIN = 4096;
    public static final int MAX_GRAIN = 1 << 20;
    public static final int DEFAULT_GRAIN = 64 * 1024;
    /** RoaringBitmap holds 32-bit unsigned grain numbers. */
    public static final long MAX_GRAINS = 1L << 32;

    public GrainGeometry {
        checkGrainSize(grainSize);
        if (size <= 0) {
            throw new IllegalArgumentException("size: " + size + " (expected: > 0)");
        }
        long grains = (size + grainSize - 1) / grainSize;
        if (grains > MAX_GRAINS) {
            throw new IllegalArgumentException("grainSize: " + grainSize + " gives " + grains + " grains for " + size
                    + " bytes (expected: at most " + MAX_GRAINS + " grains; choose a larger grain)");
        }
    }

    public static int checkGrainSize(int grainSize) {
        if (grainSize < MIN_GRAIN || grainSize > MAX_GRAIN || Integer.bitCount(grainSize) != 1) {
            throw new IllegalArgumentException(
                    "grainSize: " + grainSize + " (expected: power of two in [" + MIN_GRAIN + ", " + MAX_GRAIN + "])");
        }
        return grainSize;
    }

    public long grains() {
        return (size + grainSize - 1) / grainSize;
    }

    /** The grain holding byte {@code offset}. */
    public long grainOf(long offset) {
        return offset / grainSize;
    }

    public long start(long grain) {
        return grain * grainSize;
    }

    /** One past the grain's last byte, clipped to {@code size}. */
    public long end(long grain) {
        return Math.min(size, (grain + 1) * grainSize);
    }

    /** True when {@code [offset, offset + length)} covers every byte of {@code grain}. */
    public boolean covers(long offset, long length, long grain) {
        return offset <= start(grain) && offset + length >= end(grain);
    }
}
