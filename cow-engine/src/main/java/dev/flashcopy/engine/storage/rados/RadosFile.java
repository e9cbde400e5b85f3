package dev.flashcopy.engine.storage.rados;

import dev.flashcopy.engine.volume.DiskFile;
import dev.flashcopy.rbd.CephException;
import dev.flashcopy.rbd.Pool;
import java.lang.foreign.MemorySegment;

/**
 * One RADOS object used as an open file. Each call is one synchronous object operation and answers as the system
 * call would (a count, an offset, 0, or {@code -errno}): the engine's callers branch on the kernel's numbers, and
 * librados reports failures with the same Linux errno values (EFBIG past {@code osd_max_object_size}, ENOSPC when
 * the cluster is full, ENOENT when the object is gone).
 *
 * <p>Thread-safe: all I/O is positional and the {@link Pool} is thread-safe.
 */
final class RadosFile implements DiskFile {
    private static final int EBADF = 9;
    private static final int EINVAL = 22;
    private static final int EOPNOTSUPP = 95;
    /**
     * The most one {@link #pwrite} sends: well under the OSDs' {@code osd_max_write_size} (90 MiB by default), which
     * refuses a larger message whole. A larger write returns this short count, as pwrite(2) may, and the callers
     * (which loop until done, as they must on a file) send the rest.
     */
    static final long MAX_WRITE = 16L << 20;

    private final Pool pool;
    private final String oid;
    private final boolean readOnly;
    private volatile boolean closed;

    RadosFile(Pool pool, String oid, boolean readOnly) {
        this.pool = pool;
        this.oid = oid;
        this.readOnly = readOnly;
    }

    @Override
    public long pread(MemorySegment dst, long count, long offset) {
        if (closed) {
            return -EBADF;
        }
        try {
            return pool.read(oid, dst, count, offset);
        } catch (CephException e) {
            return -e.errno();
        }
    }

    @Override
    public long pwrite(MemorySegment src, long count, long offset) {
        if (closed || readOnly) {
            return -EBADF;
        }
        long n = Math.min(count, MAX_WRITE);
        try {
            pool.write(oid, src, n, offset);
            return n; // one RADOS write is applied whole or not at all
        } catch (CephException e) {
            return -e.errno();
        }
    }

    /**
     * Durability: nothing to force. RADOS acknowledges a write only once every replica of the object's placement
     * group has it durably (journaled or committed by BlueStore), so a write that returned is already as durable
     * as a file's write after fdatasync; this is the basis of the engine's durability rule on this store.
     */
    @Override
    public int fdatasync() {
        return closed ? -EBADF : 0;
    }

    /** Durability: as {@link #fdatasync}; an object has no metadata that a later force would add. */
    @Override
    public int fsync() {
        return fdatasync();
    }

    @Override
    public int ftruncate(long length) {
        if (closed || readOnly) {
            return -EBADF;
        }
        if (length < 0) {
            return -EINVAL;
        }
        try {
            pool.truncate(oid, length);
            return 0;
        } catch (CephException e) {
            return -e.errno();
        }
    }

    /**
     * Punch hole and zero range both zero the bytes (an object has no holes the engine could tell apart); the size
     * follows the flags as on Linux: with {@code FALLOC_FL_KEEP_SIZE} it stays, without it a range past the end
     * extends the object. The zeroing and the size are set in one operation, so the object never shows a size the
     * flags did not ask for. Plain allocation (mode 0) only extends the size.
     */
    @Override
    public int fallocate(int mode, long offset, long length) {
        if (closed || readOnly) {
            return -EBADF;
        }
        if (offset < 0 || length <= 0) {
            return -EINVAL;
        }
        boolean punch = (mode & FALLOC_FL_PUNCH_HOLE) != 0;
        boolean zero = (mode & FALLOC_FL_ZERO_RANGE) != 0;
        boolean keepSize = (mode & FALLOC_FL_KEEP_SIZE) != 0;
        if ((mode & ~(FALLOC_FL_PUNCH_HOLE | FALLOC_FL_ZERO_RANGE | FALLOC_FL_KEEP_SIZE)) != 0
                || (punch && (zero || !keepSize))) {
            return -EOPNOTSUPP; // Linux refuses a hole punch that does not keep the size
        }
        try {
            long size = pool.stat(oid).size();
            long end = offset + length;
            long newSize = keepSize ? size : Math.max(size, end);
            long zeroEnd = punch || zero ? Math.min(end, size) : offset;
            pool.zero(oid, offset, Math.max(0, zeroEnd - offset), newSize);
            return 0;
        } catch (CephException e) {
            return -e.errno();
        }
    }

    /** SEEK_END is the object's size; the whole object is data, so SEEK_DATA stays and SEEK_HOLE is the end. */
    @Override
    public long lseek(long offset, int whence) {
        if (closed) {
            return -EBADF;
        }
        try {
            long size = pool.stat(oid).size();
            return switch (whence) {
                case SEEK_END -> size + offset;
                case SEEK_DATA -> offset < size ? offset : -ENXIO;
                case SEEK_HOLE -> offset < size ? size : -ENXIO;
                default -> -EINVAL;
            };
        } catch (CephException e) {
            return -e.errno();
        }
    }

    /** Never in the cluster: the caller copies by hand, as between two file systems. */
    @Override
    public long copyFileRange(long offset, DiskFile dest, long destOffset, long length) {
        return -EXDEV;
    }

    @Override
    public void fadviseWillNeed(long offset, long length) {
        // advice only, and there is no page cache to warm
    }

    /** Nothing to release: an object has no descriptor; later calls fail with EBADF, as on a closed descriptor. */
    @Override
    public int close() {
        closed = true;
        return 0;
    }
}
