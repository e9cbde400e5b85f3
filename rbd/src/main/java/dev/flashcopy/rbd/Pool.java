package dev.flashcopy.rbd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.time.Instant;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * An I/O context on one pool ({@code rados_ioctx_t}): whole-object reads and writes for metadata, and the object
 * version that makes a read-modify-write safe between two writers ({@link #writeFullIfVersion}); positional
 * reads, writes, zeroing and truncation of an object, and its omap (a sorted key-value map kept with the object)
 * for objects used as files and directories. RBD images in the
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
            MemorySegment buf = bytes(arena, data);
            MemorySegment op = LibRados.createWriteOp();
            LibRados.writeOpWriteFull(op, buf, data.length);
            operate(arena, op, oid, " write full");
            return LibRados.lastVersion(ioctx);
        }
    }

    /** Appends {@code data} to the object, creating it when absent; returns its new version. */
    public synchronized long append(String oid, byte[] data) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = bytes(arena, data);
            MemorySegment op = LibRados.createWriteOp();
            LibRados.writeOpAppend(op, buf, data.length);
            operate(arena, op, oid, " append");
            return LibRados.lastVersion(ioctx);
        }
    }

    /** Runs and releases the compound write {@code op} on the object (see {@link LibRados#writeOpOperate}). */
    private void operate(Arena arena, MemorySegment op, String oid, String what) throws CephException {
        try {
            CephException.check(
                    LibRados.writeOpOperate(op, handle(), arena.allocateFrom(oid)),
                    "rados_write_op_operate",
                    subject(oid) + what);
        } finally {
            LibRados.releaseWriteOp(op);
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

    /**
     * Writes {@code length} bytes of {@code src} (a native segment) at {@code offset}, creating the object when
     * absent. A write reaching past the OSDs' {@code osd_max_object_size} fails whole with EFBIG.
     */
    public synchronized void write(String oid, MemorySegment src, long length, long offset) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment op = LibRados.createWriteOp();
            LibRados.writeOpWrite(op, src, length, offset);
            operate(arena, op, oid, " write at " + offset);
        }
    }

    /**
     * Reads up to {@code length} bytes (at most 1 GiB a call) from {@code offset} into {@code dst} (a native
     * segment); returns the count, short at the object's end. One read is atomic: it sees one version of the object.
     */
    public synchronized long read(String oid, MemorySegment dst, long length, long offset) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            return CephException.check(
                    LibRados.read(handle(), arena.allocateFrom(oid), dst, Math.min(length, 1L << 30), offset),
                    "rados_read",
                    subject(oid) + " at " + offset);
        }
    }

    /** Cuts or extends (with zeroes) the object to {@code size}, creating it when absent. */
    public synchronized void truncate(String oid, long size) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment op = LibRados.createWriteOp();
            LibRados.writeOpTruncate(op, size);
            operate(arena, op, oid, " truncate to " + size);
        }
    }

    /**
     * Zeroes {@code length} bytes from {@code offset} of an existing object (ENOENT otherwise), then, when {@code
     * newSize} is not negative, sets its size; one operation, applied whole or not at all.
     */
    public synchronized void zero(String oid, long offset, long length, long newSize) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment op = LibRados.createWriteOp();
            try {
                LibRados.writeOpAssertExists(op);
                if (length > 0) {
                    LibRados.writeOpZero(op, offset, length);
                }
                if (newSize >= 0) {
                    LibRados.writeOpTruncate(op, newSize);
                }
                CephException.check(
                        LibRados.writeOpOperate(op, handle(), arena.allocateFrom(oid)),
                        "rados_write_op_operate",
                        subject(oid) + " zero " + length + " at " + offset);
            } finally {
                LibRados.releaseWriteOp(op);
            }
        }
    }

    /** Creates the object, empty, when it does not exist; an existing one is left as it is. */
    public synchronized void touch(String oid) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment op = LibRados.createWriteOp();
            try {
                LibRados.writeOpCreate(op, LibRados.CREATE_IDEMPOTENT);
                CephException.check(
                        LibRados.writeOpOperate(op, handle(), arena.allocateFrom(oid)),
                        "rados_write_op_operate",
                        subject(oid) + " create");
            } finally {
                LibRados.releaseWriteOp(op);
            }
        }
    }

    /**
     * Sets omap entry {@code key} of the object to {@code value}. With {@code create} the object is created when
     * absent; without, an absent object fails the whole operation with ENOENT and nothing is set.
     */
    public synchronized void omapSet(String oid, String key, byte[] value, boolean create) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment op = LibRados.createWriteOp();
            try {
                if (create) {
                    LibRados.writeOpCreate(op, LibRados.CREATE_IDEMPOTENT);
                } else {
                    LibRados.writeOpAssertExists(op);
                }
                MemorySegment keys = arena.allocate(ValueLayout.ADDRESS);
                keys.set(ValueLayout.ADDRESS, 0, arena.allocateFrom(key));
                MemorySegment vals = arena.allocate(ValueLayout.ADDRESS);
                vals.set(ValueLayout.ADDRESS, 0, bytes(arena, value));
                MemorySegment lens = arena.allocate(ValueLayout.JAVA_LONG);
                lens.set(ValueLayout.JAVA_LONG, 0, value.length);
                LibRados.writeOpOmapSet(op, keys, vals, lens, 1);
                CephException.check(
                        LibRados.writeOpOperate(op, handle(), arena.allocateFrom(oid)),
                        "rados_write_op_operate",
                        subject(oid) + " omap set " + key);
            } finally {
                LibRados.releaseWriteOp(op);
            }
        }
    }

    /** Removes omap entry {@code key} of an existing object (ENOENT otherwise); an absent key is no error. */
    public synchronized void omapRemove(String oid, String key) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment op = LibRados.createWriteOp();
            try {
                LibRados.writeOpAssertExists(op);
                MemorySegment keys = arena.allocate(ValueLayout.ADDRESS);
                keys.set(ValueLayout.ADDRESS, 0, arena.allocateFrom(key));
                LibRados.writeOpOmapRmKeys(op, keys, 1);
                CephException.check(
                        LibRados.writeOpOperate(op, handle(), arena.allocateFrom(oid)),
                        "rados_write_op_operate",
                        subject(oid) + " omap remove " + key);
            } finally {
                LibRados.releaseWriteOp(op);
            }
        }
    }

    /** Every omap entry of the object, in key order, read a page at a time; ENOENT when it does not exist. */
    public synchronized SortedMap<String, byte[]> omap(String oid) throws CephException {
        SortedMap<String, byte[]> entries = new TreeMap<>();
        String after = "";
        boolean more = true;
        while (more) {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment op = LibRados.createReadOp();
                try {
                    MemorySegment iter = arena.allocate(ValueLayout.ADDRESS);
                    MemorySegment moreOut = arena.allocate(ValueLayout.JAVA_LONG);
                    MemorySegment rval = arena.allocate(ValueLayout.JAVA_INT);
                    LibRados.readOpOmapGetVals2(op, arena.allocateFrom(after), OMAP_PAGE, iter, moreOut, rval);
                    String what = subject(oid) + " omap after '" + after + "'";
                    CephException.check(
                            LibRados.readOpOperate(op, handle(), arena.allocateFrom(oid)),
                            "rados_read_op_operate",
                            what);
                    CephException.check(rval.get(ValueLayout.JAVA_INT, 0), "rados_read_op_omap_get_vals2", what);
                    after = drain(iter.get(ValueLayout.ADDRESS, 0), arena, entries, after);
                    more = moreOut.get(ValueLayout.JAVA_BYTE, 0) != 0;
                } finally {
                    LibRados.releaseReadOp(op);
                }
            }
        }
        return entries;
    }

    private static final long OMAP_PAGE = 512;

    /** Copies the iterator's entries into {@code into} and ends it; returns the last key seen. */
    private static String drain(MemorySegment iter, Arena arena, SortedMap<String, byte[]> into, String last) {
        MemorySegment key = arena.allocate(ValueLayout.ADDRESS);
        MemorySegment val = arena.allocate(ValueLayout.ADDRESS);
        MemorySegment len = arena.allocate(ValueLayout.JAVA_LONG);
        try {
            while (LibRados.omapGetNext(iter, key, val, len) == 0) {
                MemorySegment k = key.get(ValueLayout.ADDRESS, 0);
                if (k.equals(MemorySegment.NULL)) {
                    break;
                }
                last = k.reinterpret(Long.MAX_VALUE).getString(0);
                long n = len.get(ValueLayout.JAVA_LONG, 0);
                into.put(last, val.get(ValueLayout.ADDRESS, 0).reinterpret(n).toArray(ValueLayout.JAVA_BYTE));
            }
        } finally {
            LibRados.omapGetEnd(iter);
        }
        return last;
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
