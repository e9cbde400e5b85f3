package dev.flashcopy.engine.image;

import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ExtentSink;
import java.nio.ByteBuffer;

/**
 * The bytes of one volume, addressed by offset: everything the FlashCopy code needs of the store under it
 * (positional reads and writes, deallocation, zeroing, an allocation map, a durability barrier, a copy between
 * images). Its size is fixed while it is open. Failures are {@link BlockIoException}s whose {@code BlockError}
 * says what a client should hear (no space, permission, not supported, I/O), and whose message names the image.
 * Optional capabilities are separate interfaces ({@link ReadsFromCache}).
 *
 * <p>Implementations are thread-safe: every access is positional, so many threads share one image.
 */
public interface VolumeImage extends AutoCloseable {
    /** What messages call this image: a file's path, an RBD image's {@code pool/name}. */
    String subject();

    long size();

    /** Reads {@code dst.remaining()} bytes at {@code offset}; bytes past the end read as zero. */
    void read(long offset, ByteBuffer dst) throws BlockIoException;

    /** Writes all of {@code src} at {@code offset}. */
    void write(long offset, ByteBuffer src) throws BlockIoException;

    /** Writes {@code srcs} one after another from {@code offset}. */
    void write(long offset, ByteBuffer[] srcs) throws BlockIoException;

    /**
     * Copies {@code [offset, offset + length)} of this image to {@code destOffset} of {@code dest} ({@code dest}
     * may be this image when the ranges do not overlap), by the store's own means where it has one for that pair,
     * else through {@code buffer}. Durability is the caller's.
     */
    void copyTo(VolumeImage dest, long offset, long destOffset, long length, ByteBuffer buffer) throws BlockIoException;

    /** As {@link #copyTo(VolumeImage, long, long, long, ByteBuffer)} to the same offsets of {@code dest}. */
    default void copyTo(VolumeImage dest, long offset, long length, ByteBuffer buffer) throws BlockIoException {
        copyTo(dest, offset, offset, length, buffer);
    }

    /** Durability: every write that returned before this call is on stable storage when it returns. */
    void datasync() throws BlockIoException;

    /**
     * Deallocates the range where the store can; it reads back as zeroes in every case. NOT_SUPPORTED when the
     * store can do neither (callers then {@link #writeZeroBytes}).
     */
    void punchHole(long offset, long length) throws BlockIoException;

    /** Zeroes the range in place (a file keeps it allocated). NOT_SUPPORTED when the store cannot do it fast. */
    void zeroRange(long offset, long length) throws BlockIoException;

    /** Writes zero bytes over the range, 1 MiB a write: the slow way that always works, on any store. */
    default void writeZeroBytes(long offset, long length) throws BlockIoException {
        int chunk = (int) Math.min(length, 1 << 20);
        ByteBuffer zeros = ByteBuffer.allocateDirect(Math.max(chunk, 1));
        long done = 0;
        while (done < length) {
            int n = (int) Math.min(chunk, length - done);
            write(offset + done, zeros.clear().limit(n));
            done += n;
        }
    }

    /** Advice that the range will be read soon; a store may ignore it. */
    void willNeed(long offset, long length);

    /**
     * Walks {@code [offset, offset + length)} as data and hole extents, in order. A hole reads as zeroes; data may
     * read as zeroes too (a store records allocation at its own granularity: a file system's block, an RBD
     * object).
     */
    void mapAllocation(long offset, long length, ExtentSink sink) throws BlockIoException;

    /** Bytes held by data extents: what the image really occupies, give or take the store's granularity. */
    long allocatedBytes() throws BlockIoException;

    /** Releases the image; idempotent. */
    @Override
    void close();
}
