package dev.flashcopy.nbd.transmission;

import dev.flashcopy.engine.device.ExtentSink;

/**
 * Collects an allocation walk as at most {@code limit} extents, merging neighbours of the same
 * kind; the walk stops when the limit is reached, so {@link #covered()} may fall short of the
 * range asked for. Confined to one thread.
 */
final class ExtentList implements ExtentSink {
    private final int limit;
    private long[] lengths = new long[4];
    private boolean[] holes = new boolean[4];
    private int count;
    private long covered;

    ExtentList(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
        }
        this.limit = limit;
    }

    @Override
    public boolean extent(long length, boolean hole) {
        if (count == limit && holes[count - 1] != hole) {
            return false;
        }
        append(length, hole);
        return count < limit;
    }

    /** Adds an extent past the limit: the rest of a read that the walk did not describe. */
    void append(long length, boolean hole) {
        if (count > 0 && holes[count - 1] == hole) {
            lengths[count - 1] += length;
            covered += length;
            return;
        }
        if (count == lengths.length) {
            lengths = java.util.Arrays.copyOf(lengths, count * 2);
            holes = java.util.Arrays.copyOf(holes, count * 2);
        }
        lengths[count] = length;
        holes[count] = hole;
        count++;
        covered += length;
    }

    int count() {
        return count;
    }

    long length(int i) {
        return lengths[i];
    }

    boolean hole(int i) {
        return holes[i];
    }

    /** Bytes described so far. */
    long covered() {
        return covered;
    }
}
