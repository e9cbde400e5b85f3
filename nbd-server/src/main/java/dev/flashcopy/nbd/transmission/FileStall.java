package dev.flashcopy.nbd.transmission;

import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The stall breaker of one file (by the identity of its {@code serialWriteKey}): an inline write to it that held
 * the event loop longer than {@link #STALL_NANOS} (the disk stalled: a journal commit, writeback, reclaim; or the
 * loop's thread was only preempted, which on a busy machine looks the same) sends the file's writes to its serial
 * lane for a backoff: {@link #BASE_BACKOFF_NANOS} after a lone stall, doubling up to {@link #MAX_BACKOFF_NANOS}
 * while stalls follow one another (a stall within twice the last backoff after it ended). So a disk that keeps
 * stalling holds a loop less and less often, and a preempted thread costs 100 ms of lane writes, not seconds.
 * While the lane is busy (its own writes stalled on the disk) nothing is tried inline either. It also lets one
 * loop at a time write the file inline ({@link #enter}): a second loop would only queue on the file's inode lock,
 * holding its own connections meanwhile; its write goes to the lane instead. Shared by every connection to the
 * file, on every loop.
 *
 * <p>Thread-safe: its fields are volatile; two loops tripping it at once may lose one doubling, nothing more.
 */
final class FileStall {
    /** An inline write that held the loop longer than this trips the breaker. */
    static final long STALL_NANOS = 10_000_000L;
    /** The backoff after a lone stall. */
    static final long BASE_BACKOFF_NANOS = 100_000_000L;
    /** The longest backoff, reached after about seven stalls in a row. */
    static final long MAX_BACKOFF_NANOS = 10_000_000_000L;

    private static final Map<Object, FileStall> BY_FILE = new WeakHashMap<>();

    private volatile long offUntil = System.nanoTime() - 1;
    private volatile long backoff = BASE_BACKOFF_NANOS / 2;
    private final AtomicBoolean writing = new AtomicBoolean();

    private FileStall() {}

    /** The breaker of the file {@code key} names, made on first use and forgotten with the key. */
    static synchronized FileStall of(Object key) {
        return BY_FILE.computeIfAbsent(key, k -> new FileStall());
    }

    /** True unless a stall tripped the breaker and its backoff has not run out at {@code now}. */
    boolean allows(long now) {
        return now - offUntil >= 0;
    }

    /** True when no other loop writes the file inline now; the caller then writes and calls {@link #exit}. */
    boolean enter() {
        return writing.compareAndSet(false, true);
    }

    void exit() {
        writing.set(false);
    }

    /** An inline write ended at {@code now} after holding the loop for {@code nanos}. */
    void held(long nanos, long now) {
        if (nanos <= STALL_NANOS) {
            return;
        }
        long last = backoff;
        // Another stall soon after the last backoff ran out: the disk is still slow, wait longer this time.
        long next = now - offUntil < 2 * last ? Math.min(2 * last, MAX_BACKOFF_NANOS) : BASE_BACKOFF_NANOS;
        backoff = next;
        offUntil = now + next;
    }

    /** The backoff the last stall set; for tests. */
    long backoffNanos() {
        return backoff;
    }
}
