package dev.flashcopy.engine.volume;

import dev.flashcopy.engine.device.BlockIoException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * {@link ImageFile#writeInline}: {@code srcs} (direct buffers) one after another from an offset as one buffered
 * {@code pwritev2}, for a caller that must not wait long (an event loop). Where the file system honours
 * {@code RWF_NOWAIT} for buffered writes (XFS, btrfs), a write that would wait fails with {@code EAGAIN} instead;
 * where it does not (ext4 answers {@code EOPNOTSUPP}, remembered here after the first), a plain {@code pwritev}
 * follows, so the caller must already have judged that the page cache takes it without waiting (dirty memory
 * well below the kernel's limits). Nothing is written, and every position is left, when it declines:
 * {@code EAGAIN}, a heap buffer, more than {@link ImageFile#MAX_IOV} pieces, or any error, which the usual write
 * then meets and reports. Once some bytes are in, the rest follows here with the usual writes (a short write), so
 * the data is written exactly once either way.
 *
 * <p>Thread-safe: one per image; the flag is volatile and each thread has its own iovec array.
 */
final class InlineWrite {
    /** pwritev2 flag: fail with EAGAIN rather than wait (for a lock, a page read, writeback). */
    private static final int RWF_NOWAIT = 0x08;
    /** Each event loop's iovec array, allocated once. */
    private static final ThreadLocal<MemorySegment> IOVECS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16L * ImageFile.MAX_IOV, 8));

    /** False once the file system refused {@code RWF_NOWAIT} for a buffered write: asked once per file. */
    private volatile boolean nowait = true;

    /** Writes {@code srcs} at {@code offset} of {@code image} (descriptor {@code fd}); false with nothing written. */
    boolean write(ImageFile image, int fd, long offset, ByteBuffer[] srcs) throws BlockIoException {
        if (srcs.length > ImageFile.MAX_IOV) {
            return false;
        }
        MemorySegment iov = IOVECS.get();
        for (int k = 0; k < srcs.length; k++) {
            ByteBuffer b = srcs[k];
            if (!b.isDirect()) {
                return false;
            }
            iov.set(ValueLayout.JAVA_LONG, 16L * k, MemorySegment.ofBuffer(b).address());
            iov.set(ValueLayout.JAVA_LONG, 16L * k + 8, b.remaining());
        }
        long n = -1;
        if (nowait) {
            n = Posix.pwritev2(fd, iov, srcs.length, offset, RWF_NOWAIT);
            if (n < 0 && Posix.errno() == Posix.EOPNOTSUPP) {
                nowait = false;
            } else if (n <= 0) {
                return false; // EAGAIN (it would have waited), EINTR or an error: nothing written
            }
        }
        if (n < 0) {
            n = Posix.pwritev(fd, iov, srcs.length, offset);
            if (n <= 0) {
                return false;
            }
        }
        long skip = n;
        long pos = offset;
        for (ByteBuffer b : srcs) {
            int len = b.remaining();
            if (skip < len) { // what a short write left
                image.write(pos + skip, b.duplicate().position(b.position() + (int) skip));
            }
            skip = Math.max(0, skip - len);
            b.position(b.limit());
            pos += len;
        }
        return true;
    }
}
