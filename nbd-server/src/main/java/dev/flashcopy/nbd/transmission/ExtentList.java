package dev.flashcopy.nbd.transmission;

import dev.flashcopy.nbd.protocol.NbdWire;
import java.util.Arrays;

/**
 * Collects an allocation walk ({@link #allocation}) or a dirty-map walk ({@link #dirty}) as at most
 * {@code limit} extents with their block status flags, merging neighbours of the same status; the walk
 * stops when the limit is reached, so {@link #covered()} may fall short of the range asked for. Confined
 * to one thread.
 */
final class ExtentList {
    private static final int HOLE = NbdWire.STATE_HOLE | NbdWire.STATE_ZERO;

    private final int limit;
    private long[] lengths = new long[4];
    private int[] flags = new int[4];
    private int count;
    private long covered;

    ExtentList(int limit) {
        if (limit < 1) {
            throw new IllegalArgumentException("limit: " + limit + " (expected: >= 1)");
        }
        this.limit = limit;
    }

    /** An {@code ExtentSink}: a hole reads as zeroes, {@code base:allocation} status 3. */
    boolean allocation(long length, boolean hole) {
        return add(length, hole ? HOLE : 0);
    }

    /** A {@code DirtySink}: dirty is status bit 0 of {@code qemu:dirty-bitmap:*}. */
    boolean dirty(long length, boolean dirty) {
        return add(length, dirty ? NbdWire.STATE_DIRTY : 0);
    }

    private boolean add(long length, int status) {
        if (count == limit && flags[count - 1] != status) {
            return false;
        }
        append(length, status);
        return count < limit;
    }

    /** Adds an extent past the limit: the rest of a range that the walk did not describe. */
    void append(long length, int status) {
        if (count > 0 && flags[count - 1] == status) {
            lengths[count - 1] += length;
            covered += length;
            return;
        }
        if (count == lengths.length) {
            lengths = Arrays.copyOf(lengths, count * 2);
            flags = Arrays.copyOf(flags, count * 2);
        }
        lengths[count] = length;
        flags[count] = status;
        count++;
        covered += length;
    }

    int count() {
        return count;
    }

    long length(int i) {
        return lengths[i];
    }

    int flags(int i) {
        return flags[i];
    }

    /** For an allocation walk: the extent reads as zeroes without reading the disk. */
    boolean hole(int i) {
        return flags[i] == HOLE;
    }

    /** Bytes described so far. */
    long covered() {
        return covered;
    }
}
