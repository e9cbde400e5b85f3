package dev.flashcopy.engine.bitmap;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import org.roaringbitmap.RoaringBitmap;

/**
 * The grains of one relationship that are still to copy (bit set = the target still reads that grain
 * from its source side). Bits are only ever cleared while a relationship lives, so a grain seen clear
 * stays clear.
 *
 * <p>Thread-safe: every method synchronises on the bitmap. There is one writer by convention: bits are
 * cleared only through {@code Journal.clear}, which journals the change in the same step, so the bitmap
 * never runs ahead of what recovery can rebuild.
 */
public final class GrainBitmap {
    private final RoaringBitmap bits;
    private final long grains;

    private GrainBitmap(RoaringBitmap bits, long grains) {
        this.bits = bits;
        this.grains = grains;
    }

    /** Every grain to copy: O(1) in size, one run container per 65536 grains. */
    public static GrainBitmap allSet(long grains) {
        checkGrains(grains);
        RoaringBitmap bits = RoaringBitmap.bitmapOfRange(0, grains);
        bits.runOptimize();
        return new GrainBitmap(bits, grains);
    }

    /** Nothing to copy. */
    public static GrainBitmap empty(long grains) {
        checkGrains(grains);
        return new GrainBitmap(new RoaringBitmap(), grains);
    }

    private static void checkGrains(long grains) {
        if (grains < 0 || grains > GrainGeometry.MAX_GRAINS) {
            throw new IllegalArgumentException(
                    "grains: " + grains + " (expected: in [0, " + GrainGeometry.MAX_GRAINS + "])");
        }
    }

    public long grains() {
        return grains;
    }

    public synchronized boolean isSet(long grain) {
        return grain >= 0 && grain < grains && bits.contains((int) grain);
    }

    /** True when any grain of {@code [from, to)} is set. */
    public synchronized boolean anySet(long from, long to) {
        return to > from && bits.rangeCardinality(from, to) > 0;
    }

    /** The first set grain at or after {@code from}, or -1. */
    public synchronized long nextSet(long from) {
        if (from >= grains) {
            return -1;
        }
        return bits.nextValue((int) Math.max(0, from));
    }

    /** The first clear grain at or after {@code from}, or {@link #grains()} when all the rest is set. */
    public synchronized long nextClear(long from) {
        if (from >= grains) {
            return grains;
        }
        long v = bits.nextAbsentValue((int) Math.max(0, from));
        return v < 0 ? grains : Math.min(v, grains);
    }

    /** Grains still to copy. */
    public synchronized long count() {
        return bits.getLongCardinality();
    }

    /** Set grains in {@code [from, to)}; cheap on run and array containers, so fine for downsampled pictures. */
    public synchronized long count(long from, long to) {
        if (from < 0 || to > grains || from > to) {
            throw new IllegalArgumentException(
                    "grain range [" + from + ", " + to + ") (expected: within [0, " + grains + "])");
        }
        return bits.rangeCardinality(from, to);
    }

    /**
     * Clears {@code [from, to)} and returns how many bits were set. Callers outside the journal must not
     * use this on a live relationship's bitmap (see the class comment).
     */
    public synchronized long clear(long from, long to) {
        if (from < 0 || to > grains || from > to) {
            throw new IllegalArgumentException(
                    "grain range [" + from + ", " + to + ") (expected: within [0, " + grains + "])");
        }
        long was = bits.rangeCardinality(from, to);
        if (was > 0) {
            bits.remove(from, to);
        }
        return was;
    }

    /**
     * Sets {@code [from, to)} and returns how many bits were clear. For change-recording bitmaps (set-only
     * while a relationship lives, through {@code Journal.mark}) and for building bitmaps that are not live yet.
     */
    public synchronized long set(long from, long to) {
        if (from < 0 || to > grains || from > to) {
            throw new IllegalArgumentException(
                    "grain range [" + from + ", " + to + ") (expected: within [0, " + grains + "])");
        }
        long was = bits.rangeCardinality(from, to);
        if (to - from > was) {
            bits.add(from, to);
        }
        return to - from - was;
    }

    /** True when no grain is set. */
    public synchronized boolean isEmpty() {
        return bits.isEmpty();
    }

    /** Grains set in any of {@code parts}, as a new bitmap (snapshots taken one at a time, as {@link #andNot}). */
    public static GrainBitmap union(GrainBitmap first, GrainBitmap... more) {
        RoaringBitmap all;
        synchronized (first) {
            all = first.bits.clone();
        }
        for (GrainBitmap b : more) {
            if (b.grains != first.grains) {
                throw new IllegalArgumentException(
                        "bitmap of " + b.grains + " grains (expected: " + first.grains + ")");
            }
            RoaringBitmap other;
            synchronized (b) {
                other = b.bits.clone();
            }
            all.or(other);
        }
        return new GrainBitmap(all, first.grains);
    }

    /** An independent copy. */
    public synchronized GrainBitmap copy() {
        return new GrainBitmap(bits.clone(), grains);
    }

    /**
     * Grains set in {@code a} but not in {@code b}, as a new bitmap (a snapshot of each, taken one after the
     * other so no two bitmap locks are ever held together).
     */
    public static GrainBitmap andNot(GrainBitmap a, GrainBitmap b) {
        RoaringBitmap left;
        RoaringBitmap right;
        synchronized (a) {
            left = a.bits.clone();
        }
        synchronized (b) {
            right = b.bits.clone();
        }
        left.andNot(right);
        return new GrainBitmap(left, a.grains);
    }

    /** Memory the bitmap occupies: tiny for an all-set bitmap of any size. */
    public synchronized long sizeInBytes() {
        return bits.getSizeInBytes();
    }

    /** RoaringBitmap's portable serialization (little-endian). */
    public synchronized byte[] serialize() {
        bits.runOptimize();
        ByteBuffer buf = ByteBuffer.allocate(bits.serializedSizeInBytes()).order(ByteOrder.LITTLE_ENDIAN);
        bits.serialize(buf);
        return buf.array();
    }

    /**
     * Reads bytes written by {@link #serialize()}; bytes that are not a valid bitmap of at most
     * {@code grains} grains fail with an IOException rather than producing a wrong bitmap.
     */
    public static GrainBitmap deserialize(byte[] data, long grains) throws IOException {
        checkGrains(grains);
        RoaringBitmap bits = new RoaringBitmap();
        try {
            bits.deserialize(ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN));
        } catch (IOException | RuntimeException e) {
            throw new IOException("grain bitmap does not parse: " + e, e);
        }
        try {
            return checked(bits, data, grains);
        } catch (RuntimeException e) {
            // Containers the parser accepts can still be malformed (bitmap fuzzing found a run container with no
            // runs) and fail when first used: damage too, not a bug of ours.
            throw new IOException("grain bitmap is malformed: " + e, e);
        }
    }

    private static GrainBitmap checked(RoaringBitmap bits, byte[] data, long grains) throws IOException {
        if (bits.serializedSizeInBytes() != data.length) {
            throw new IOException(
                    "grain bitmap has " + data.length + " bytes but its content needs " + bits.serializedSizeInBytes());
        }
        if (!bits.isEmpty() && Integer.toUnsignedLong(bits.last()) >= grains) {
            throw new IOException("grain bitmap names grain " + Integer.toUnsignedLong(bits.last())
                    + " (expected: below " + grains + ")");
        }
        GrainBitmap bitmap = new GrainBitmap(bits, grains);
        if (!Arrays.equals(bitmap.serialize(), data)) {
            // Only serialize() writes these bytes, so bytes that parse but differ from what it writes for the same
            // grains were damaged where the parser does not look (a container's offset field, which it skips, or a
            // container in a form serialize() never chooses). Bitmap fuzzing found the offset case.
            throw new IOException("grain bitmap bytes parse but are not the form they were written in");
        }
        return bitmap;
    }

    @Override
    public synchronized String toString() {
        return "GrainBitmap[" + bits.getLongCardinality() + " of " + grains + " to copy]";
    }
}
