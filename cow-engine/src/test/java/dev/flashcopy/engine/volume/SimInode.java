package dev.flashcopy.engine.volume;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

/**
 * One file of a {@link SimulatedDisk}: its content as reads see it, its durable content, and the changes
 * made since the last sync. At a crash each unsynced write survives page by page (4 KiB) at random, and
 * a lost page past the old end of file sometimes leaves the new length behind with zeroes in it. Not
 * thread-safe: the disk's lock guards it.
 */
final class SimInode {
    static final int PAGE = 4096;

    /** What a power loss leaves of this file. */
    record Survivor(byte[] data, long size, int pagesKept, int pagesDropped, int tornWrites) {}

    private record Change(long offset, byte[] data, long truncateTo) {
        boolean isTruncate() {
            return data == null;
        }
    }

    /** Creation order on its disk; with the seed it picks this file's random choices at a crash. */
    final long id;

    private byte[] live = new byte[0];
    private long liveSize;
    private byte[] durable = new byte[0];
    private long durableSize;
    private final List<Change> pending = new ArrayList<>();

    SimInode(long id) {
        this.id = id;
    }

    long size() {
        return liveSize;
    }

    byte[] readAll() {
        return Arrays.copyOf(live, (int) liveSize);
    }

    byte[] live() {
        return live;
    }

    void truncate(long length) {
        live = resize(live, length, true);
        liveSize = length;
        pending.add(new Change(0, null, length));
    }

    /** Writes {@code data} at {@code offset}; without {@code extend} nothing lands past the end (KEEP_SIZE). */
    void write(long offset, byte[] data, boolean extend) {
        long end = offset + data.length;
        if (!extend) {
            end = Math.min(end, liveSize);
            if (end <= offset) {
                return;
            }
            data = Arrays.copyOf(data, (int) (end - offset));
        }
        if (end > liveSize) {
            liveSize = end;
        }
        live = resize(live, liveSize, false);
        System.arraycopy(data, 0, live, (int) offset, data.length);
        pending.add(new Change(offset, data, -1));
    }

    void sync() {
        durable = resize(live, liveSize, true);
        durableSize = liveSize;
        pending.clear();
    }

    /** After a crash: {@code data} is both what reads see and what is durable. */
    void restart(byte[] data, long size) {
        durable = data;
        durableSize = size;
        live = data.clone();
        liveSize = size;
        pending.clear();
    }

    /** The durable content plus a random subset of the unsynced changes, writes cut into pages. */
    Survivor survivor(Random random) {
        byte[] data = durable.clone();
        long size = durableSize;
        int kept = 0;
        int dropped = 0;
        int torn = 0;
        for (Change c : pending) {
            if (c.isTruncate()) {
                if (random.nextBoolean()) {
                    size = c.truncateTo();
                    data = resize(data, size, true);
                }
                continue;
            }
            int keptHere = 0;
            int pages = 0;
            long stop = c.offset() + c.data().length;
            for (long at = c.offset(); at < stop; at = (at / PAGE + 1) * PAGE) {
                long end = Math.min((at / PAGE + 1) * PAGE, stop);
                pages++;
                if (random.nextBoolean()) {
                    keptHere++;
                    size = Math.max(size, end);
                    data = resize(data, size, false);
                    System.arraycopy(c.data(), (int) (at - c.offset()), data, (int) at, (int) (end - at));
                } else if (end > size && random.nextInt(4) == 0) {
                    // The file's new length reached the disk but this page's data did not: it reads as zeroes
                    // (what a metadata journal without data ordering leaves at the end of an appended file).
                    size = end;
                    data = resize(data, size, false);
                }
            }
            kept += keptHere;
            dropped += pages - keptHere;
            torn += keptHere > 0 && keptHere < pages ? 1 : 0;
        }
        return new Survivor(Arrays.copyOf(data, (int) size), size, kept, dropped, torn);
    }

    private static byte[] resize(byte[] data, long size, boolean exact) {
        if (size > Integer.MAX_VALUE - 8) {
            throw new IllegalStateException("simulated files hold at most 2 GiB");
        }
        if (data.length >= size && !exact) {
            return data;
        }
        long capacity = exact ? size : Math.max(size, Math.min(Integer.MAX_VALUE - 8, data.length * 2L));
        return Arrays.copyOf(data, (int) capacity);
    }
}
