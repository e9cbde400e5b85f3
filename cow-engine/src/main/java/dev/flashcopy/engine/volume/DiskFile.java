package dev.flashcopy.engine.volume;

import java.lang.foreign.MemorySegment;

/**
 * One open file of a {@link Disk}, addressed by byte offset, in the kernel's terms: each call returns what
 * the system call would (a count, an offset or 0) or {@code -errno} on failure, so the hot path allocates
 * nothing and the caller keeps the kernel's reason. Memory segments are native (or the caller copies).
 * The production implementation is one final class, so calls through this interface stay monomorphic.
 *
 * <p>Implementations are thread-safe: all I/O is positional.
 */
public interface DiskFile {
    // Linux values shared by every implementation (errno numbers, lseek whence, fallocate modes).
    int EIO = 5;
    int ENXIO = 6;
    int EXDEV = 18;
    int ENOSPC = 28;
    int SEEK_END = 2;
    int SEEK_DATA = 3;
    int SEEK_HOLE = 4;
    int FALLOC_FL_KEEP_SIZE = 0x01;
    int FALLOC_FL_PUNCH_HOLE = 0x02;
    int FALLOC_FL_ZERO_RANGE = 0x10;

    /** pread: bytes read (0 at end of file) or -errno. */
    long pread(MemorySegment dst, long count, long offset);

    /** pwrite: bytes written or -errno. */
    long pwrite(MemorySegment src, long count, long offset);

    /** fdatasync: 0 or -errno. */
    int fdatasync();

    /** fsync (data and metadata): 0 or -errno. */
    int fsync();

    /** ftruncate: 0 or -errno. */
    int ftruncate(long length);

    /** fallocate with {@code FALLOC_FL_*} flags: 0 or -errno. */
    int fallocate(int mode, long offset, long length);

    /** lseek ({@code SEEK_END}, {@code SEEK_DATA}, {@code SEEK_HOLE}): the offset or -errno. */
    long lseek(long offset, int whence);

    /**
     * copy_file_range from {@code offset} of this file to {@code destOffset} of {@code dest}: bytes copied (0 at
     * end of file) or -errno; {@code -EXDEV} when {@code dest} is not of the same kind, and the caller copies by
     * hand.
     */
    long copyFileRange(long offset, DiskFile dest, long destOffset, long length);

    /** posix_fadvise; advice only. */
    void fadviseWillNeed(long offset, long length);

    /** close: 0 or -errno. */
    int close();
}
