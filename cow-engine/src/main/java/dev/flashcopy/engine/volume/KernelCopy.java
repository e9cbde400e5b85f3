package dev.flashcopy.engine.volume;

import dev.flashcopy.engine.device.BlockIoException;
import java.util.function.Supplier;

/**
 * A copy between two files inside the kernel ({@code copy_file_range}: no trip through user memory, as {@code cp}
 * does it), for as far as the file systems allow; the caller copies the rest through a buffer. Stateless.
 */
final class KernelCopy {
    private KernelCopy() {}

    /**
     * Copies from {@code offset} of {@code from} to {@code destOffset} of {@code to} until {@code length} bytes are
     * done, the source ends, or the file systems cannot copy in the kernel (different file systems, no support).
     * Returns the bytes copied; a real error (an I/O error, no space) is thrown, naming {@code what}.
     */
    static long copy(DiskFile from, long offset, DiskFile to, long destOffset, long length, Supplier<String> what)
            throws BlockIoException {
        long done = 0;
        while (done < length) {
            long n = from.copyFileRange(offset + done, to, destOffset + done, length - done);
            if (n > 0) {
                done += n;
                continue;
            }
            int errno = (int) -n;
            if (errno == Posix.EINTR) {
                continue;
            }
            if (n == 0
                    || errno == Posix.EXDEV
                    || errno == Posix.ENOSYS
                    || errno == Posix.EOPNOTSUPP
                    || errno == Posix.EINVAL) {
                return done; // end of file, or no in-kernel copy here: the rest goes through user memory
            }
            throw Errnos.failure(
                    errno,
                    "copy " + (length - done) + " bytes at " + (offset + done) + " to " + (destOffset + done) + " ("
                            + what.get() + ")");
        }
        return done;
    }
}
