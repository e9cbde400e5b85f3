package dev.flashcopy.rbd;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Advisory locks on a pool's objects ({@code cls_lock}): exclusive, with an expiry the OSD judges by its own clock,
 * renewable by their holder, listable and breakable by others. The ground {@code dev.flashcopy.rbd.lease} builds
 * ownership between servers on.
 *
 * <p>Thread-safe. Taking a lock holds the pool's monitor, as the pool's own object calls do, because the object
 * version it returns is read from the pool's I/O context.
 */
public final class ObjectLocks {
    private final Pool pool;

    public ObjectLocks(Pool pool) {
        this.pool = pool;
    }

    /**
     * Takes the exclusive advisory lock {@code lockName} on the object for {@code duration}, as this connection with
     * {@code cookie}, creating the object when absent; with {@code renew}, extends this connection's own lock
     * instead. The OSD judges the expiry by its clock: once {@code duration} passes without a renewal, the lock is
     * gone and anyone may take it. Returns the object's version after the lock. EBUSY: another client or cookie
     * holds it. EEXIST: this client and cookie hold it already. ENOENT on renew: the lock expired or was broken.
     * A fenced (blocklisted) client gets ESHUTDOWN ({@link Errno#EBLOCKLISTED}).
     */
    public long lockExclusive(
            String oid, String lockName, String cookie, String description, Duration duration, boolean renew)
            throws CephException {
        if (duration.isNegative() || duration.isZero()) {
            throw new IllegalArgumentException("duration: " + duration + " (expected: positive)");
        }
        // The pool's monitor: the version comes from the I/O context, which the pool's object calls also set.
        synchronized (pool) {
            return lock(oid, lockName, cookie, description, duration, renew);
        }
    }

    private long lock(String oid, String lockName, String cookie, String description, Duration duration, boolean renew)
            throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment timeval = arena.allocate(ValueLayout.JAVA_LONG, 2);
            timeval.setAtIndex(ValueLayout.JAVA_LONG, 0, duration.toSeconds());
            timeval.setAtIndex(ValueLayout.JAVA_LONG, 1, duration.toNanosPart() / 1000);
            CephException.check(
                    LibRadosLocks.lockExclusive(
                            pool.handle(),
                            arena.allocateFrom(oid),
                            arena.allocateFrom(lockName),
                            arena.allocateFrom(cookie),
                            arena.allocateFrom(description),
                            timeval,
                            renew ? LibRadosLocks.LOCK_FLAG_MUST_RENEW : 0),
                    renew ? "rados_lock_exclusive(renew)" : "rados_lock_exclusive",
                    subject(oid) + " lock " + lockName);
            return LibRados.lastVersion(pool.handle());
        }
    }

    /** Releases this connection's lock; ENOENT when it does not hold it (any more). */
    public void unlock(String oid, String lockName, String cookie) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            CephException.check(
                    LibRadosLocks.unlock(
                            pool.handle(),
                            arena.allocateFrom(oid),
                            arena.allocateFrom(lockName),
                            arena.allocateFrom(cookie)),
                    "rados_unlock",
                    subject(oid) + " lock " + lockName);
        }
    }

    /** The current (unexpired) holders of the lock; none when nobody holds it or the object does not exist. */
    public List<Locker> lockers(String oid, String lockName) throws CephException {
        long size = 256;
        while (true) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment[] buffers = new MemorySegment[4];
                MemorySegment[] lengths = new MemorySegment[4];
                for (int i = 0; i < 4; i++) {
                    buffers[i] = arena.allocate(size);
                    lengths[i] = arena.allocateFrom(ValueLayout.JAVA_LONG, size);
                }
                long rc = LibRadosLocks.listLockers(
                        pool.handle(),
                        arena.allocateFrom(oid),
                        arena.allocateFrom(lockName),
                        arena.allocate(ValueLayout.JAVA_INT),
                        buffers[0],
                        lengths[0],
                        buffers[1],
                        lengths[1],
                        buffers[2],
                        lengths[2],
                        buffers[3],
                        lengths[3]);
                if (rc == -Errno.ERANGE) {
                    for (MemorySegment length : lengths) {
                        size = Math.max(size, length.get(ValueLayout.JAVA_LONG, 0));
                    }
                    continue;
                }
                if (rc == -Errno.ENOENT) {
                    return List.of();
                }
                int count = (int) CephException.check(rc, "rados_list_lockers", subject(oid) + " lock " + lockName);
                List<String> clients = strings(buffers[1], count);
                List<String> cookies = strings(buffers[2], count);
                List<String> addresses = strings(buffers[3], count);
                List<Locker> lockers = new ArrayList<>(count);
                for (int i = 0; i < count; i++) {
                    lockers.add(new Locker(clients.get(i), cookies.get(i), addresses.get(i)));
                }
                return lockers;
            }
        }
    }

    /** Removes another client's lock; ENOENT when that client and cookie do not hold it (any more). */
    public void breakLock(String oid, String lockName, Locker locker) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            CephException.check(
                    LibRadosLocks.breakLock(
                            pool.handle(),
                            arena.allocateFrom(oid),
                            arena.allocateFrom(lockName),
                            arena.allocateFrom(locker.client()),
                            arena.allocateFrom(locker.cookie())),
                    "rados_break_lock",
                    subject(oid) + " lock " + lockName + " of " + locker.client());
        }
    }

    /** The first {@code count} NUL-terminated strings packed one after another in {@code buffer}. */
    private static List<String> strings(MemorySegment buffer, int count) {
        List<String> strings = new ArrayList<>(count);
        long offset = 0;
        for (int i = 0; i < count; i++) {
            String s = buffer.getString(offset);
            strings.add(s);
            offset += s.getBytes(UTF_8).length + 1;
        }
        return strings;
    }

    private String subject(String oid) {
        return pool.name() + "/" + oid;
    }
}
