package dev.flashcopy.engine.image.rbd;

import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.image.BufferCopy;
import dev.flashcopy.engine.image.PointInTimeViews;
import dev.flashcopy.engine.image.VolumeImage;
import dev.flashcopy.rbd.CephException;
import dev.flashcopy.rbd.Errno;
import dev.flashcopy.rbd.Extent;
import dev.flashcopy.rbd.Pool;
import dev.flashcopy.rbd.RbdImage;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * One open RBD image as a volume's bytes. Every call is one synchronous librbd call on one image handle, which
 * librbd allows from many threads at once; direct buffers go to librbd as they are, heap buffers through a
 * temporary native copy (tests use them; the server does not). The size is read once at open: a volume's size does
 * not change while it is served.
 *
 * <p>Punches and zeroing are {@code rbd_write_zeroes}, never {@code rbd_discard}: librbd skips the parts of a discard
 * not aligned to its granularity ({@code rbd_discard_granularity_bytes}, 64 KiB), and every caller in the engine
 * needs the range to read back as zeroes (a copy that punches a zero grain of a target, a TRIM or WRITE_ZEROES a
 * client reads back, a revert area's reset). Write-zeroes still deallocates the whole objects it covers.
 *
 * <p>The head of an image keeps points in time as RBD snapshots ({@link PointInTimeViews}): taking one is one
 * call, and afterwards the OSD clones an object on its first write, instead of the engine reading and writing a
 * grain per source write. A view opened at a snapshot is read-only and has no views of its own.
 *
 * <p>Thread-safe.
 */
public final class RbdVolumeImage implements VolumeImage, PointInTimeViews {
    private final Pool pool;
    private final String name;
    /** The snapshot this handle is open at, or null for the writable head. */
    private final String snapshot;

    private final RbdImage image;
    private final String subject;
    private final long size;

    private RbdVolumeImage(Pool pool, String name, String snapshot, RbdImage image, long size) {
        this.pool = pool;
        this.name = name;
        this.snapshot = snapshot;
        this.image = image;
        this.subject = image.subject();
        this.size = size;
    }

    /** Creates the image {@code name} of {@code size} bytes in {@code pool} and opens it; fails if it exists. */
    public static RbdVolumeImage create(Pool pool, String name, long size) throws CephException {
        if (size < 0) {
            throw new IllegalArgumentException("size: " + size + " (expected: >= 0)");
        }
        RbdImage.create(pool, name, size);
        try {
            return open(pool, name);
        } catch (CephException | RuntimeException e) {
            try {
                RbdImage.remove(pool, name);
            } catch (CephException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** Opens an existing image; its size is the image's. */
    public static RbdVolumeImage open(Pool pool, String name) throws CephException {
        RbdImage image = RbdImage.open(pool, name);
        try {
            return new RbdVolumeImage(pool, name, null, image, image.size());
        } catch (CephException | RuntimeException e) {
            image.close();
            throw e;
        }
    }

    @Override
    public String subject() {
        return subject;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws BlockIoException {
        int length = dst.remaining();
        if (dst.isDirect()) {
            readInto(offset, MemorySegment.ofBuffer(dst));
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment tmp = arena.allocate(Math.max(1, length)).asSlice(0, length);
                readInto(offset, tmp);
                dst.duplicate().put(tmp.asByteBuffer());
            }
        }
        dst.position(dst.limit());
    }

    private void readInto(long offset, MemorySegment dst) throws BlockIoException {
        long length = dst.byteSize();
        // Past the end reads as zeroes, as a shorter file does (librbd refuses a read that starts there).
        long inside = Math.max(0, Math.min(length, size - offset));
        long done = 0;
        try {
            while (done < inside) {
                long n = image.read(offset + done, dst.asSlice(done, inside - done));
                if (n <= 0) {
                    break;
                }
                done += n;
            }
        } catch (CephException e) {
            throw RbdErrors.failure(e, "read " + length + " bytes at " + offset + " of " + subject);
        }
        dst.asSlice(done).fill((byte) 0);
    }

    @Override
    public void write(long offset, ByteBuffer src) throws BlockIoException {
        int length = src.remaining();
        if (src.isDirect()) {
            writeFrom(offset, MemorySegment.ofBuffer(src));
        } else {
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment tmp = arena.allocate(Math.max(1, length)).asSlice(0, length);
                tmp.copyFrom(MemorySegment.ofBuffer(src));
                writeFrom(offset, tmp);
            }
        }
        src.position(src.limit());
    }

    private void writeFrom(long offset, MemorySegment src) throws BlockIoException {
        try {
            image.write(offset, src);
        } catch (CephException e) {
            throw RbdErrors.failure(e, "write " + src.byteSize() + " bytes at " + offset + " of " + subject);
        }
    }

    /**
     * One librbd write for all the pieces: each librbd write is a round trip to the OSDs, so one write of the whole
     * payload beats one per piece. Pieces in native memory (a payload the NBD server received in parts) go as they
     * are, through {@code rbd_aio_writev}; others are gathered into one native buffer first.
     */
    @Override
    public void write(long offset, ByteBuffer[] srcs) throws BlockIoException {
        if (srcs.length == 1) {
            write(offset, srcs[0]);
            return;
        }
        if (allDirect(srcs)) {
            List<MemorySegment> pieces = new ArrayList<>(srcs.length);
            long total = 0;
            for (ByteBuffer b : srcs) {
                pieces.add(MemorySegment.ofBuffer(b));
                total += b.remaining();
            }
            try {
                image.writev(offset, pieces);
            } catch (CephException e) {
                throw RbdErrors.failure(e, "write " + total + " bytes at " + offset + " of " + subject);
            }
            for (ByteBuffer b : srcs) {
                b.position(b.limit());
            }
            return;
        }
        long total = 0;
        for (ByteBuffer b : srcs) {
            total += b.remaining();
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment all = arena.allocate(Math.max(1, total)).asSlice(0, total);
            long at = 0;
            for (ByteBuffer b : srcs) {
                int n = b.remaining();
                all.asSlice(at, n).copyFrom(MemorySegment.ofBuffer(b));
                at += n;
            }
            writeFrom(offset, all);
        }
        for (ByteBuffer b : srcs) {
            b.position(b.limit());
        }
    }

    private static boolean allDirect(ByteBuffer[] srcs) {
        for (ByteBuffer b : srcs) {
            if (!b.isDirect()) {
                return false;
            }
        }
        return true;
    }

    /** Through {@code buffer}: librbd has no copy between two images' ranges (its deep copy is of whole images). */
    @Override
    public void copyTo(VolumeImage dest, long offset, long destOffset, long length, ByteBuffer buffer)
            throws BlockIoException {
        BufferCopy.copy(this, offset, dest, destOffset, length, buffer);
    }

    /** {@code rbd_flush}: every write completed before the call is durable in the cluster. */
    @Override
    public void datasync() throws BlockIoException {
        try {
            image.flush();
        } catch (CephException e) {
            throw RbdErrors.failure(e, "flush " + subject);
        }
    }

    /** Write-zeroes (see the class comment): reads back as zeroes, deallocating the whole objects it covers. */
    @Override
    public void punchHole(long offset, long length) throws BlockIoException {
        zero(offset, length, "punch hole");
    }

    @Override
    public void zeroRange(long offset, long length) throws BlockIoException {
        zero(offset, length, "zero range");
    }

    private void zero(long offset, long length, String what) throws BlockIoException {
        if (length == 0) {
            return;
        }
        try {
            image.writeZeroes(offset, length);
        } catch (CephException e) {
            throw RbdErrors.failure(e, what + " at " + offset + "+" + length + " of " + subject);
        }
    }

    /** No read-ahead to ask for: librbd's own cache reads ahead sequential reads by itself. */
    @Override
    public void willNeed(long offset, long length) {}

    /**
     * The extents {@code rbd_diff_iterate2} reports as written since the image was created (whole objects when
     * the image has the object map and fast-diff, librbd's default); everything between them is a hole.
     */
    @Override
    public void mapAllocation(long offset, long length, ExtentSink sink) throws BlockIoException {
        long end = Math.min(offset + length, size);
        long at = offset;
        for (Extent e : extents(offset, end - offset)) {
            long from = Math.max(e.offset(), at);
            long to = Math.min(e.end(), end);
            if (to <= from) {
                continue;
            }
            if (from > at && !sink.extent(from - at, true)) {
                return;
            }
            if (!sink.extent(to - from, false)) {
                return;
            }
            at = to;
        }
        if (at < end) {
            sink.extent(end - at, true);
        }
    }

    /** Whole objects, as {@code rbd du} counts them, from the object map: exact extents took minutes for 16 TiB. */
    @Override
    public long allocatedBytes() throws BlockIoException {
        try {
            return image.allocatedObjectBytes();
        } catch (CephException e) {
            throw RbdErrors.failure(e, "count the allocated objects of " + subject);
        }
    }

    private List<Extent> extents(long offset, long length) throws BlockIoException {
        if (length <= 0) {
            return List.of();
        }
        try {
            return image.allocatedExtents(offset, length);
        } catch (CephException e) {
            throw RbdErrors.failure(e, "map allocation at " + offset + "+" + length + " of " + subject);
        }
    }

    @Override
    public VolumeImage take(String view) throws BlockIoException {
        checkView(view);
        try {
            try {
                image.createSnapshot(view);
            } catch (CephException e) {
                if (e.errno() != Errno.EEXIST) {
                    throw e;
                }
                // Left by a crash between taking it and recording it: it is no one's point in time.
                image.removeSnapshot(view);
                image.createSnapshot(view);
            }
        } catch (CephException e) {
            throw RbdErrors.failure(e, "take snapshot " + view + " of " + subject);
        }
        return open(view);
    }

    @Override
    public VolumeImage open(String view) throws BlockIoException {
        checkView(view);
        RbdImage at;
        try {
            at = RbdImage.openSnapshot(pool, name, view);
        } catch (CephException e) {
            throw RbdErrors.failure(e, "open snapshot " + view + " of " + subject);
        }
        try {
            return new RbdVolumeImage(pool, name, view, at, at.size());
        } catch (CephException e) {
            closeQuietly(at);
            throw RbdErrors.failure(e, "read the size of snapshot " + view + " of " + subject);
        }
    }

    @Override
    public void remove(String view) throws BlockIoException {
        checkView(view);
        try {
            image.removeSnapshot(view);
        } catch (CephException e) {
            if (e.errno() != Errno.ENOENT) {
                throw RbdErrors.failure(e, "remove snapshot " + view + " of " + subject);
            }
        }
    }

    @Override
    public List<String> views() throws BlockIoException {
        try {
            return image.snapshots().stream().filter(s -> s.startsWith(PREFIX)).toList();
        } catch (CephException e) {
            throw RbdErrors.failure(e, "list the snapshots of " + subject);
        }
    }

    @Override
    public List<long[]> changedSince(String view, long offset, long length) throws BlockIoException {
        checkView(view);
        try {
            List<long[]> out = new ArrayList<>();
            for (Extent e : image.changedSince(view, offset, length)) {
                out.add(new long[] {e.offset(), e.length()});
            }
            return out;
        } catch (CephException e) {
            throw RbdErrors.failure(e, "list what changed in " + subject + " since snapshot " + view);
        }
    }

    private void checkView(String view) {
        if (snapshot != null) {
            throw new IllegalStateException(subject + " is a snapshot: it has no views of its own");
        }
        if (!view.startsWith(PREFIX)) {
            throw new IllegalArgumentException("view: " + view + " (expected: a name starting with " + PREFIX + ")");
        }
    }

    private static void closeQuietly(RbdImage at) {
        try {
            at.close();
        } catch (CephException ignored) {
            // nothing was done on it
        }
    }

    /** Closes the handle (librbd flushes its cache first); a failure is logged, since no caller could act on it. */
    @Override
    public void close() {
        try {
            image.close();
        } catch (CephException e) {
            System.getLogger(RbdVolumeImage.class.getName())
                    .log(System.Logger.Level.WARNING, "closing " + subject + " failed: " + e.getMessage());
        }
    }
}
