package dev.flashcopy.engine.device;

import java.nio.ByteBuffer;
import java.util.concurrent.CompletionStage;

/**
 * A fixed-size, byte-addressed device: what one NBD export serves. Callers have already checked
 * that {@code offset + length <= size()}; implementations check again only where a mistake could
 * harm data.
 *
 * <p>Implementations are thread-safe: many connections issue requests on many threads at once.
 * A {@link #flush()} makes every write that completed before it started durable, whichever thread
 * or connection issued it.
 */
public interface BlockDevice {
    String name();

    long size();

    boolean readOnly();

    /** Fills {@code dst} from its position to its limit with the bytes at {@code offset}. */
    void read(long offset, ByteBuffer dst) throws BlockIoException;

    /**
     * As {@link #read}, but only if it can be done now without waiting (for the disk or for a lock): from the
     * page cache of a volume whose reads need no copy-on-write lookup, over a range that is all data. False when it could not (the caller
     * then calls {@link #read}, from a thread that may wait), and {@code dst}'s position is unchanged.
     */
    default boolean readCached(long offset, ByteBuffer dst) {
        return false;
    }

    /** Writes {@code src} from its position to its limit at {@code offset}; durable on return when {@code fua}. */
    void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException;

    /**
     * The file a write of this range would go to when, by a quick look, it is one write to that file and nothing
     * else (no copy-on-write, no sync); null otherwise. Buffered writes to one file queue on its lock in the
     * kernel anyway (ext4 takes the inode lock for each), so a server may run such writes one at a time per
     * file, in order, rather than on many threads that would only contend for that lock. A hint, read without
     * locks: a wrong answer costs speed, never correctness, since the write itself still decides everything.
     * Must not block: servers ask on their event loop.
     */
    default Object serialWriteKey(long offset, long length) {
        return null;
    }

    /**
     * As {@link #write(long, ByteBuffer[], boolean)} without FUA, but only if it is one buffered write to a file
     * that needs no lock held across I/O, no copy-on-write and no journal: a volume in no relationship at that
     * moment. Meant for an event loop: it never waits for a lock, and where the file system can say a write would
     * wait ({@code RWF_NOWAIT}) it does not wait for that either; the caller judges the rest (dirty memory). False
     * with nothing written and the buffers' positions unchanged when it could not; the caller then calls
     * {@link #write(long, ByteBuffer[], boolean)} from a thread that may wait. It may throw only after part of
     * the data is written (an error finishing a short write), so a failed write is never done twice.
     */
    default boolean writeInline(long offset, ByteBuffer[] srcs) throws BlockIoException {
        return false;
    }

    /**
     * Writes {@code srcs} one after another from {@code offset}, as one write of their concatenation;
     * implementations over a file gather them into one system call where they can.
     */
    default void write(long offset, ByteBuffer[] srcs, boolean fua) throws BlockIoException {
        long pos = offset;
        for (ByteBuffer src : srcs) {
            int n = src.remaining();
            write(pos, src, false);
            pos += n;
        }
        if (fua) {
            // Durability: every piece above completed before this flush, so it covers them all.
            flush();
        }
    }

    /** The range no longer needs its data; it may read back as zeroes afterwards. */
    void trim(long offset, long length, boolean fua) throws BlockIoException;

    /**
     * The range reads back as zeroes afterwards. With {@code fastOnly}, fails with
     * {@link BlockError#NOT_SUPPORTED} rather than falling back to writing zero bytes.
     */
    void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua) throws BlockIoException;

    /** Every write completed before this call is on stable storage when it returns. */
    void flush() throws BlockIoException;

    /** Hint: the range will be read soon. */
    void cache(long offset, long length) throws BlockIoException;

    /**
     * Walks the allocation of {@code [offset, offset + length)} as consecutive extents, stopping early
     * when the sink returns false. The extents cover the range exactly when the walk is not stopped.
     */
    void mapAllocation(long offset, long length, ExtentSink sink) throws BlockIoException;

    /**
     * Null when writes, trims and zeroes may run now; otherwise a stage that completes when they may (a
     * consistency-group freeze holds them). A server parks such requests until then instead of giving them a
     * thread that would only wait; the device still waits itself for a request that comes in regardless.
     */
    default CompletionStage<Void> writesHeldUntil() {
        return null;
    }
}
