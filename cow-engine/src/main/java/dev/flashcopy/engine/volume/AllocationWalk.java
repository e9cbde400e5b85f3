package dev.flashcopy.engine.volume;

import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ExtentSink;
import java.nio.file.Path;

/**
 * An image's data and hole extents, from the file system's own record ({@code SEEK_HOLE}/{@code SEEK_DATA}):
 * one {@code lseek} per extent boundary. Stateless; as thread-safe as the file's {@code lseek}, which moves the
 * shared file position but is only used here for its answer.
 */
final class AllocationWalk {
    private AllocationWalk() {}

    /** Walks {@code [offset, offset + length)} of {@code file} as consecutive extents, until the sink says stop. */
    static void walk(DiskFile file, Path path, long offset, long length, ExtentSink sink) throws BlockIoException {
        long end = offset + length;
        long pos = offset;
        while (pos < end) {
            long hole = seek(file, path, pos, Posix.SEEK_HOLE);
            if (hole > pos) {
                long stop = Math.min(hole, end);
                if (!sink.extent(stop - pos, false)) {
                    return;
                }
                pos = stop;
            } else {
                long data = seek(file, path, pos, Posix.SEEK_DATA);
                long stop = Math.min(data, end);
                if (!sink.extent(stop - pos, true)) {
                    return;
                }
                pos = stop;
            }
        }
    }

    /** Bytes held by data extents in the first {@code size} bytes. */
    static long allocatedBytes(DiskFile file, Path path, long size) throws BlockIoException {
        long[] total = new long[1];
        walk(file, path, 0, size, (len, hole) -> {
            if (!hole) {
                total[0] += len;
            }
            return true;
        });
        return total[0];
    }

    /** lseek for data or hole; past the last data extent (ENXIO) the answer is the end of file. */
    private static long seek(DiskFile file, Path path, long pos, int whence) throws BlockIoException {
        long r = file.lseek(pos, whence);
        if (r >= 0) {
            return r;
        }
        int errno = (int) -r;
        if (errno == Posix.ENXIO) {
            return whence == Posix.SEEK_DATA ? Long.MAX_VALUE : pos;
        }
        throw Errnos.failure(errno, "lseek " + pos + " of " + path);
    }
}
