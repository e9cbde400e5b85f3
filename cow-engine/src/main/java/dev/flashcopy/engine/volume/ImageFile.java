package dev.flashcopy.engine.volume;

import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.image.BufferCopy;
import dev.flashcopy.engine.image.ReadsFromCache;
import dev.flashcopy.engine.image.VolumeImage;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.file.Path;

/**
 * One open raw image file, addressed by byte offset. All I/O is positional ({@code pread},
 * {@code pwrite}) on one descriptor, so it is thread-safe and never moves a shared file position.
 * Reads and writes of direct buffers go straight between the kernel and that memory; heap buffers
 * pass through a temporary native copy (tests use them; the server does not). The file is a {@link DiskFile}
 * of the data directory's {@link Disk}: the real one in production, a simulated one in power-loss tests. As a
 * {@link VolumeImage} it also {@link ReadsFromCache reads from the page cache} without waiting, and a {@link Volume}
 * lends its file for sends ({@link ImageChannel}).
 */
public final class ImageFile implements VolumeImage, ReadsFromCache {
    /** iovecs per {@code pwritev} (Linux's IOV_MAX). */
    static final int MAX_IOV = 1024;
    /** preadv2 flag: fail with EAGAIN rather than wait for data not in the page cache. */
    private static final int RWF_NOWAIT = 0x08;
    /** Each I/O thread's iovec array, allocated once: a gathered write allocates nothing. */
    private static final ThreadLocal<MemorySegment> IOVECS =
            ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(16L * MAX_IOV, 8));

    private final Path path;
    private final DiskFile file;
    // The real file's descriptor (-1 on other disks): reads and writes call Posix with it directly, as before
    // the DiskFile seam, so the hot path's compiled code is unchanged (bench ImageReadBenchmark.ffmPread
    // allocates 0 B/op this way; through the interface C2 often left 72 B/op of segment slices). ImageChannel reads it.
    final int fd;
    private final long size;
    private final SyncGroup syncs = new SyncGroup();
    private volatile boolean closed;
    /**
     * {@link #readCached} skips its {@code SEEK_HOLE} at or above this offset: an earlier one found no hole from
     * there to the end of the file (a dense image answers every later cached read with one system call, not
     * two). Whatever here may make a hole (a punch, a zeroed range, a copy in) resets it. A stale value costs
     * nothing but words: a hole read as data reads as the zeroes it holds; only its description as a hole is lost.
     */
    private volatile long denseFrom = Long.MAX_VALUE;

    private final InlineWrite inlineWrite = new InlineWrite();

    private ImageFile(Path path, DiskFile file, long size) {
        this.path = path;
        this.file = file;
        this.fd = file instanceof PosixDisk.PosixFile real ? real.fd : -1;
        this.size = size;
    }

    /** Creates a new sparse image of {@code size} bytes; fails if the file exists. */
    public static ImageFile create(Path path, long size) throws IOException {
        return create(Disk.posix(), path, size);
    }

    /** Creates a new sparse image of {@code size} bytes on {@code disk}; fails if the file exists. */
    public static ImageFile create(Disk disk, Path path, long size) throws IOException {
        if (size < 0) {
            throw new IllegalArgumentException("size: " + size + " (expected: >= 0)");
        }
        DiskFile file = disk.open(path, Disk.OpenMode.CREATE_NEW);
        ImageFile image = new ImageFile(path, file, size);
        try {
            int r = file.ftruncate(size);
            if (r == -Posix.EFBIG) {
                throw FileSizeLimit.refusal(file, path, size);
            }
            if (r != 0) {
                throw Errnos.failure(-r, "set length of " + path + " to " + size);
            }
            // Durability: the new length must be on disk before the catalog names this file.
            image.datasync();
            return image;
        } catch (IOException | RuntimeException e) {
            image.close();
            disk.deleteIfExists(path);
            throw e;
        }
    }

    /** Opens an existing image; its size is the file's length. */
    public static ImageFile open(Path path, boolean writable) throws IOException {
        return open(Disk.posix(), path, writable);
    }

    /** Opens an existing image on {@code disk}; its size is the file's length. */
    public static ImageFile open(Disk disk, Path path, boolean writable) throws IOException {
        DiskFile file = disk.open(path, writable ? Disk.OpenMode.WRITE : Disk.OpenMode.READ);
        long end = file.lseek(0, DiskFile.SEEK_END);
        if (end < 0) {
            file.close();
            throw Errnos.failure((int) -end, "lseek " + path);
        }
        return new ImageFile(path, file, end);
    }

    public Path path() {
        return path;
    }

    @Override
    public String subject() {
        return path.toString();
    }

    @Override
    public long size() {
        return size;
    }

    /** Reads {@code dst.remaining()} bytes at {@code offset}; bytes past the end of file read as zero. */
    @Override
    public void read(long offset, ByteBuffer dst) throws BlockIoException {
        int length = dst.remaining();
        if (dst.isDirect()) {
            readInto(offset, MemorySegment.ofBuffer(dst), length);
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment tmp = arena.allocate(Math.max(1, length));
                readInto(offset, tmp, length);
                dst.duplicate().put(tmp.asSlice(0, length).asByteBuffer());
            }
        }
        dst.position(dst.limit());
    }

    /**
     * Fills {@code dst} (direct) at {@code offset} only if the range is all data (one {@code SEEK_HOLE}, none where
     * the file is known dense: holes are for the usual path, which can describe them) and every byte is in the page cache (one {@code
     * preadv2} with {@code RWF_NOWAIT}, which never waits for the disk). False when it could not, with {@code
     * dst}'s position unchanged (its bytes undefined): the caller reads the usual way, on a thread that may wait.
     */
    @Override
    public boolean readCached(long offset, ByteBuffer dst) {
        int length = dst.remaining();
        if (fd < 0 || !dst.isDirect() || offset + length > size) {
            return false;
        }
        if (offset < denseFrom) {
            long hole = file.lseek(offset, Posix.SEEK_HOLE);
            if (hole < offset + length) {
                return false;
            }
            if (hole >= size) {
                denseFrom = offset; // no hole from here on: at most a racing punch's reset is lost (see the field)
            }
        }
        MemorySegment iov = IOVECS.get();
        iov.set(ValueLayout.ADDRESS, 0, MemorySegment.ofBuffer(dst));
        iov.set(ValueLayout.JAVA_LONG, 8, length);
        if (Posix.preadv2(fd, iov, 1, offset, RWF_NOWAIT) != length) {
            return false; // EAGAIN, a partial read of what was cached, or EOF: the slow path sorts it out
        }
        dst.position(dst.limit());
        return true;
    }

    private void readInto(long offset, MemorySegment segment, long length) throws BlockIoException {
        long done = 0;
        while (done < length) {
            long n;
            if (fd >= 0) {
                n = Posix.pread(fd, segment.asSlice(done), length - done, offset + done);
                n = n >= 0 ? n : -Posix.errno();
            } else {
                n = file.pread(segment.asSlice(done), length - done, offset + done);
            }
            if (n > 0) {
                done += n;
            } else if (n == 0) {
                segment.asSlice(done, length - done).fill((byte) 0); // end of file: a shorter image reads as zeroes
                return;
            } else if (n != -Posix.EINTR) {
                throw Errnos.failure((int) -n, "read " + length + " bytes at " + offset + " of " + path);
            }
        }
    }

    /** Writes all of {@code src} at {@code offset}. */
    @Override
    public void write(long offset, ByteBuffer src) throws BlockIoException {
        int length = src.remaining();
        if (src.isDirect()) {
            writeFrom(offset, MemorySegment.ofBuffer(src), length);
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment tmp = arena.allocate(Math.max(1, length));
                tmp.asSlice(0, length).copyFrom(MemorySegment.ofBuffer(src));
                writeFrom(offset, tmp, length);
            }
        }
        src.position(src.limit());
    }

    private void writeFrom(long offset, MemorySegment segment, long length) throws BlockIoException {
        long done = 0;
        while (done < length) {
            long n;
            if (fd >= 0) { // the real file: straight through Posix, see the fd field
                n = Posix.pwrite(fd, segment.asSlice(done), length - done, offset + done);
                n = n >= 0 ? n : -Posix.errno();
            } else {
                n = file.pwrite(segment.asSlice(done), length - done, offset + done);
            }
            if (n > 0) {
                done += n;
            } else if (n < 0 && n != -Posix.EINTR) {
                throw Errnos.failure((int) -n, "write " + length + " bytes at " + offset + " of " + path);
            }
        }
    }

    /**
     * Writes {@code srcs} one after another from {@code offset}: direct buffers in one {@code pwritev} per
     * {@value #MAX_IOV} pieces (a payload that arrived in several socket reads goes down in one call, not
     * one per piece); anything else piece by piece.
     */
    @Override
    public void write(long offset, ByteBuffer[] srcs) throws BlockIoException {
        long pos = offset;
        int i = 0;
        while (i < srcs.length) {
            if (!srcs[i].isDirect()) {
                int n = srcs[i].remaining();
                write(pos, srcs[i]);
                pos += n;
                i++;
                continue;
            }
            MemorySegment iov = IOVECS.get();
            int count = 0;
            long total = 0;
            while (i + count < srcs.length && count < MAX_IOV && srcs[i + count].isDirect()) {
                ByteBuffer b = srcs[i + count];
                iov.set(
                        ValueLayout.JAVA_LONG,
                        16L * count,
                        MemorySegment.ofBuffer(b).address());
                iov.set(ValueLayout.JAVA_LONG, 16L * count + 8, b.remaining());
                total += b.remaining();
                count++;
            }
            long n = count == 1 ? 0 : Posix.pwritev(fd, iov, count, pos);
            if (n < 0 && Posix.errno() != Posix.EINTR) {
                throw Errnos.failure(Posix.errno(), "write " + total + " bytes at " + pos + " of " + path);
            }
            // Whatever pwritev left (a short write, EINTR, or a single piece) goes down piece by piece.
            long skip = Math.max(n, 0);
            for (int k = 0; k < count; k++) {
                ByteBuffer b = srcs[i + k];
                int len = b.remaining();
                if (skip >= len) {
                    skip -= len;
                    b.position(b.limit());
                } else {
                    b.position(b.position() + (int) skip);
                    writeFrom(pos + skip, MemorySegment.ofBuffer(b), b.remaining());
                    b.position(b.limit());
                    skip = 0;
                }
                pos += len;
            }
            i += count;
        }
    }

    /**
     * One buffered write for a caller that must not wait long (an event loop): see {@link InlineWrite}. False,
     * with nothing written and every position unchanged, when it could not; true when all of it is written.
     */
    public boolean writeInline(long offset, ByteBuffer[] srcs) throws BlockIoException {
        return fd >= 0 && inlineWrite.write(this, fd, offset, srcs);
    }

    /**
     * Copies {@code [offset, offset + length)} of this image to {@code destOffset} of {@code dest} (an extent
     * relationship's target range; {@code dest} may be this image when the ranges do not overlap). Between two
     * image files the copy runs inside the kernel ({@code copy_file_range}: no trip through user memory, as
     * {@code cp} does it), falling back to reads and writes through {@code buffer} where the file systems cannot;
     * to any other image it goes through {@code buffer}. Durability is the caller's.
     */
    @Override
    public void copyTo(VolumeImage to, long offset, long destOffset, long length, ByteBuffer buffer)
            throws BlockIoException {
        if (!(to instanceof ImageFile dest)) {
            BufferCopy.copy(this, offset, to, destOffset, length, buffer);
            return;
        }
        dest.denseFrom = Long.MAX_VALUE; // a copy may carry holes over
        long done = KernelCopy.copy(file, offset, dest.file, destOffset, length, () -> path + " to " + dest.path);
        BufferCopy.copy(this, offset + done, dest, destOffset + done, length - done, buffer);
    }

    /** Durability: every write that returned before this call is on stable storage when it returns. */
    @Override
    public void datasync() throws BlockIoException {
        // Durability: callers arriving together share one fdatasync, but only one that started after each
        // of them arrived (SyncGroup), so it still covers every write that returned before their call.
        syncs.sync(this::fdatasync);
    }

    private void fdatasync() throws BlockIoException {
        int r = file.fdatasync();
        if (r != 0) {
            throw Errnos.failure(-r, "fdatasync " + path);
        }
    }

    /** fdatasync calls made on this file so far; for tests. */
    long syncCount() {
        return syncs.syncs();
    }

    /** Deallocates the range; it reads back as zeroes. */
    @Override
    public void punchHole(long offset, long length) throws BlockIoException {
        fallocate(Posix.FALLOC_FL_PUNCH_HOLE | Posix.FALLOC_FL_KEEP_SIZE, offset, length, "punch hole");
    }

    /** Zeroes the range in place, keeping it allocated. */
    @Override
    public void zeroRange(long offset, long length) throws BlockIoException {
        fallocate(Posix.FALLOC_FL_ZERO_RANGE | Posix.FALLOC_FL_KEEP_SIZE, offset, length, "zero range");
    }

    private void fallocate(int mode, long offset, long length, String what) throws BlockIoException {
        if (length == 0) {
            return;
        }
        denseFrom = Long.MAX_VALUE; // before the hole exists, so no cached read misses it after
        int r;
        while ((r = file.fallocate(mode, offset, length)) != 0) {
            if (r != -Posix.EINTR) {
                throw Errnos.failure(-r, what + " at " + offset + "+" + length + " of " + path);
            }
        }
    }

    /** Asks the kernel to read the range ahead into its page cache. */
    @Override
    public void willNeed(long offset, long length) {
        file.fadviseWillNeed(offset, length); // advice only: a refusal changes nothing
    }

    /**
     * Walks {@code [offset, offset + length)} as data and hole extents from the file system's own
     * record ({@code SEEK_HOLE}/{@code SEEK_DATA}); one {@code lseek} per extent boundary.
     */
    @Override
    public void mapAllocation(long offset, long length, ExtentSink sink) throws BlockIoException {
        AllocationWalk.walk(file, path, offset, length, sink);
    }

    /** Bytes held by data extents: what the image really occupies, give or take block rounding. */
    @Override
    public long allocatedBytes() throws BlockIoException {
        return AllocationWalk.allocatedBytes(file, path, size);
    }

    @Override
    public synchronized void close() {
        if (!closed) {
            closed = true;
            file.close();
        }
    }
}
