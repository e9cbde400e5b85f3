package dev.flashcopy.rbd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An I/O context on one pool ({@code rados_ioctx_t}): whole-object reads and writes for metadata, and the object
 * version that makes a read-modify-write safe between two writers ({@link #writeFullIfVersion}). RBD images in the
 * pool are opened through {@link RbdImage}.
 *
 * <p>Thread-safe. Object calls are serialised on this pool, because librados reports an object's version through
 * the I/O context ({@code rados_get_last_version}) and two threads would read each other's; image I/O does not
 * go through here and is not serialised.
 */
public final class Pool implements AutoCloseable {
    private final MemorySegment ioctx;
    private final String name;
    private final AtomicBoolean closed = new AtomicBoolean();

    Pool(MemorySegment ioctx, String name) {
        this.ioctx = ioctx;
        this.name = name;
    }

    public String name() {
        return name;
    }

    /** Replaces the object's content with {@code data}, creating it when absent; returns its new version. */
    public synchronized long writeFull(String oid, byte[] data) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            CephException.check(
                    LibRados.writeFull(handle(), arena.allocateFrom(oid), bytes(arena, data), data.length),
                    "rados_write_full",
                    subject(oid));
            return LibRados.lastVersion(ioctx);
        }
    }

    /** Appends {@code data} to the object, creating it when absent; returns its new version. */
    public synchronized long append(String oid, byte[] data) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            CephException.check(
                    LibRados.append(handle(), arena.allocateFrom(oid), bytes(arena, data), data.length),
                    "rados_append",
                    subject(oid));
            return LibRados.lastVersion(ioctx);
        }
    }

    /** Up to {@code length} bytes from {@code offset}; fewer at the object's end. ENOENT when it does not exist. */
    public synchronized byte[] read(String oid, long offset, int length) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, length));
            int read = (int) CephException.check(
                    LibRados.read(handle(), arena.allocateFrom(oid), buf, length, offset), "rados_read", subject(oid));
            return buf.asSlice(0, read).toArray(ValueLayout.JAVA_BYTE);
        }
    }

    /** The whole object (metadata objects are small). ENOENT when it does not exist. */
    public synchronized byte[] readAll(String oid) throws CephException {
        long size = stat(oid).size();
        if (size > Integer.MAX_VALUE - 8) {
            throw new CephException("rados_read", subject(oid), Errno.EFBIG);
        }
        return read(oid, 0, (int) size);
    }

    /** Size, modification time and version; ENOENT when the object does not exist. */
    public synchronized ObjectStat stat(String oid) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
            MemorySegment mtime = arena.allocate(ValueLayout.JAVA_LONG);
            CephException.check(
                    LibRados.stat(handle(), arena.allocateFrom(oid), size, mtime), "rados_stat", subject(oid));
            return new ObjectStat(
                    size.get(ValueLayout.JAVA_LONG, 0),
                    Instant.ofEpochSecond(mtime.get(ValueLayout.JAVA_LONG, 0)),
                    LibRados.lastVersion(ioctx));
        }
    }

    /** Removes the object; ENOENT when it does not exist. */
    public synchronized void remove(String oid) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            CephException.check(LibRados.remove(handle(), arena.allocateFrom(oid)), "rados_remove", subject(oid));
        }
    }

    /**
     * Replaces the object's content only while its version is still {@code expectedVersion} (from {@link #stat} or
     * a previous write); returns the new version. Someone else wrote in between: ERANGE (the object moved on;
     * EOVERFLOW would mean a version from the future). The object is gone: ENOENT. Nothing is written on failure.
     */
    public synchronized long writeFullIfVersion(String oid, byte[] data, long expectedVersion) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment op = LibRados.createWriteOp();
            try {
                // Existence first: a removed object would otherwise fail the version check as EOVERFLOW (version 0).
                LibRados.writeOpAssertExists(op);
                LibRados.writeOpAssertVersion(op, expectedVersion);
                LibRados.writeOpWriteFull(op, bytes(arena, data), data.length);
                CephException.check(
                        LibRados.writeOpOperate(op, handle(), arena.allocateFrom(oid)),
                        "rados_write_op_operate",
                        subject(oid) + " if version " + expectedVersion);
            } finally {
                LibRados.releaseWriteOp(op);
            }
            return LibRados.lastVersion(ioctx);
        }
    }

    /** Creates the object with {@code data} only if it does not exist yet (EEXIST otherwise); returns its version. */
    public synchronized long create(String oid, byte[] data) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment op = LibRados.createWriteOp();
            try {
                LibRados.writeOpCreate(op, LibRados.CREATE_EXCLUSIVE);
                LibRados.writeOpWriteFull(op, bytes(arena, data), data.length);
                CephException.check(
                        LibRados.writeOpOperate(op, handle(), arena.allocateFrom(oid)),
                        "rados_write_op_operate",
                        subject(oid) + " exclusive create");
            } finally {
                LibRados.releaseWriteOp(op);
            }
            return LibRados.lastVersion(ioctx);
        }
    }

    MemorySegment handle() {
        if (closed.get()) {
            throw new IllegalStateException("pool " + name + " is closed");
        }
        return ioctx;
    }

    private String subject(String oid) {
        return name + "/" + oid;
    }

    private static MemorySegment bytes(Arena arena, byte[] data) {
        return data.length == 0 ? arena.allocate(1) : arena.allocateFrom(ValueLayout.JAVA_BYTE, data);
    }

    /** Destroys the I/O context; close the pool's images first. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            LibRados.ioctxDestroy(ioctx);
        }
    }
}
