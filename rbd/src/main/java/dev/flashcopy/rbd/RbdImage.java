package dev.flashcopy.rbd;

import java.lang.foreign.Arena;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * One open RBD image (the writable head): positional reads and writes, synchronous or asynchronous, discard,
 * write-zeroes, flush, size and resize, and the allocation map. Buffers are native {@link MemorySegment}s (librbd
 * reads from and writes into them directly); an asynchronous request keeps its buffer reachable until its future
 * completes, but the caller must not reuse it before then. Durability: a write is durable once a later
 * {@link #flush()} (or {@link #flushAsync()}) covering it has returned.
 *
 * <p>Thread-safe: librbd allows concurrent I/O on one handle. {@link #close()} must follow the last request's
 * completion.
 */
public final class RbdImage implements AutoCloseable {
    /** RBD feature bits ({@code rbd/features.h}). */
    public static final long FEATURE_LAYERING = 1L;

    public static final long FEATURE_EXCLUSIVE_LOCK = 1L << 2;
    public static final long FEATURE_OBJECT_MAP = 1L << 3;
    public static final long FEATURE_FAST_DIFF = 1L << 4;
    public static final long FEATURE_DEEP_FLATTEN = 1L << 5;
    /** librbd's default set: the object map and fast-diff keep the allocation map cheap. */
    public static final long DEFAULT_FEATURES =
            FEATURE_LAYERING | FEATURE_EXCLUSIVE_LOCK | FEATURE_OBJECT_MAP | FEATURE_FAST_DIFF | FEATURE_DEEP_FLATTEN;

    private final MemorySegment image;
    private final String subject;
    private final AtomicBoolean closed = new AtomicBoolean();
    /** Held shared by every call on the handle, exclusively by {@link #close}. */
    private final ReentrantReadWriteLock inUse = new ReentrantReadWriteLock();

    private RbdImage(MemorySegment image, String subject) {
        this.image = image;
        this.subject = subject;
    }

    /** Creates the image {@code name} of {@code size} bytes with the default features and 4 MiB objects. */
    public static void create(Pool pool, String name, long size) throws CephException {
        create(pool, name, size, DEFAULT_FEATURES, 0);
    }

    /** Creates an image; {@code order} 0 means librbd's default object size, else objects of {@code 1 << order}. */
    public static void create(Pool pool, String name, long size, long features, int order) throws CephException {
        if (size < 0) {
            throw new IllegalArgumentException("size: " + size + " (expected: >= 0)");
        }
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment orderCell = arena.allocateFrom(ValueLayout.JAVA_INT, order);
            CephException.check(
                    LibRbd.create2(pool.handle(), arena.allocateFrom(name), size, features, orderCell),
                    "rbd_create2",
                    pool.name() + "/" + name);
        }
    }

    /** Removes the image and its data; ENOENT when there is none, EBUSY while a client has it open. */
    public static void remove(Pool pool, String name) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            CephException.check(
                    LibRbd.remove(pool.handle(), arena.allocateFrom(name)), "rbd_remove", pool.name() + "/" + name);
        }
    }

    /** The names of the pool's images, in no particular order. */
    public static List<String> list(Pool pool) throws CephException {
        long size = 4096;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment sizeCell = arena.allocate(ValueLayout.JAVA_LONG);
            while (true) {
                MemorySegment names = arena.allocate(size);
                sizeCell.set(ValueLayout.JAVA_LONG, 0, size);
                int rc = LibRbd.list(pool.handle(), names, sizeCell);
                if (rc == -Errno.ERANGE) {
                    // Images were added since the size was asked for, or the first guess was short: ask again.
                    size = Math.max(size * 2, sizeCell.get(ValueLayout.JAVA_LONG, 0));
                    continue;
                }
                CephException.check(rc, "rbd_list", pool.name());
                List<String> out = new ArrayList<>();
                long start = 0;
                for (long i = 0; i < rc; i++) {
                    if (names.get(ValueLayout.JAVA_BYTE, i) == 0) {
                        if (i > start) {
                            out.add(names.getString(start));
                        }
                        start = i + 1;
                    }
                }
                return out;
            }
        }
    }

    /** Opens the image's writable head; ENOENT when there is no such image. */
    public static RbdImage open(Pool pool, String name) throws CephException {
        String subject = pool.name() + "/" + name;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CephException.check(LibRbd.open(pool.handle(), arena.allocateFrom(name), out), "rbd_open", subject);
            return new RbdImage(out.get(ValueLayout.ADDRESS, 0), subject);
        }
    }

    /**
     * Opens snapshot {@code snapshot} of image {@code name}, read-only: the image's bytes as they were when the
     * snapshot was taken. ENOENT when either is missing.
     */
    public static RbdImage openSnapshot(Pool pool, String name, String snapshot) throws CephException {
        String subject = pool.name() + "/" + name + "@" + snapshot;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment out = arena.allocate(ValueLayout.ADDRESS);
            CephException.check(
                    LibRbd.openReadOnly(pool.handle(), arena.allocateFrom(name), out, arena.allocateFrom(snapshot)),
                    "rbd_open_read_only",
                    subject);
            return new RbdImage(out.get(ValueLayout.ADDRESS, 0), subject);
        }
    }

    /**
     * Takes snapshot {@code snapshot} of the head: durable in the cluster when this returns (EEXIST when one of that
     * name exists). Writes completed before the call are in it, later ones are not; writes in flight meanwhile may
     * land on either side, so a caller that needs a point in time drains them first.
     */
    public void createSnapshot(String snapshot) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment snap = arena.allocateFrom(snapshot);
            call(image ->
                    CephException.check(LibRbd.snapCreate(image, snap), "rbd_snap_create", subject + "@" + snapshot));
        }
    }

    /** Removes snapshot {@code snapshot}; ENOENT when there is none. Handles open at it must be closed first. */
    public void removeSnapshot(String snapshot) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment snap = arena.allocateFrom(snapshot);
            call(image ->
                    CephException.check(LibRbd.snapRemove(image, snap), "rbd_snap_remove", subject + "@" + snapshot));
        }
    }

    /** The names of the image's snapshots. */
    public List<String> snapshots() throws CephException {
        return call(image -> {
            int max = 16;
            try (Arena arena = Arena.ofConfined()) {
                MemorySegment maxCell = arena.allocate(ValueLayout.JAVA_INT);
                while (true) {
                    // librbd writes one terminating entry past the snapshots.
                    MemorySegment snaps = arena.allocate(LibRbd.SNAP_INFO, max + 1L);
                    maxCell.set(ValueLayout.JAVA_INT, 0, max);
                    int rc = LibRbd.snapList(image, snaps, maxCell);
                    if (rc == -Errno.ERANGE) {
                        max = Math.max(max * 2, maxCell.get(ValueLayout.JAVA_INT, 0));
                        continue;
                    }
                    CephException.check(rc, "rbd_snap_list", subject);
                    List<String> names = new ArrayList<>();
                    long nameAt = LibRbd.SNAP_INFO.byteOffset(MemoryLayout.PathElement.groupElement("name"));
                    for (int i = 0; i < rc; i++) {
                        MemorySegment name = snaps.get(ValueLayout.ADDRESS, i * LibRbd.SNAP_INFO.byteSize() + nameAt);
                        names.add(name.reinterpret(Long.MAX_VALUE).getString(0));
                    }
                    LibRbd.snapListEnd(snaps);
                    return names;
                }
            }
        });
    }

    /**
     * The extents of [offset, offset + length) of the head that changed since snapshot {@code snapshot} (written,
     * discarded or zeroed), exact and sorted.
     */
    public List<Extent> changedSince(String snapshot, long offset, long length) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment snap = arena.allocateFrom(snapshot);
            return call(image -> AllocationMap.changedSince(image, snap, subject, offset, length));
        }
    }

    /** {@code pool/name}, as error messages say it. */
    public String subject() {
        return subject;
    }

    public long size() throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment size = arena.allocate(ValueLayout.JAVA_LONG);
            call(image -> CephException.check(LibRbd.getSize(image, size), "rbd_get_size", subject));
            return size.get(ValueLayout.JAVA_LONG, 0);
        }
    }

    public ImageInfo stat() throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment info = arena.allocate(LibRbd.IMAGE_INFO);
            call(image -> CephException.check(LibRbd.stat(image, info), "rbd_stat", subject));
            return new ImageInfo(
                    info.get(ValueLayout.JAVA_LONG, offset("size")),
                    info.get(ValueLayout.JAVA_LONG, offset("obj_size")),
                    info.get(ValueLayout.JAVA_LONG, offset("num_objs")),
                    info.get(ValueLayout.JAVA_INT, offset("order")));
        }
    }

    private static long offset(String field) {
        return LibRbd.IMAGE_INFO.byteOffset(MemoryLayout.PathElement.groupElement(field));
    }

    /** Grows or shrinks the image; shrinking discards what lies past the new end. */
    public void resize(long size) throws CephException {
        call(image -> CephException.check(LibRbd.resize(image, size), "rbd_resize", subject));
    }

    /** Reads {@code dst.byteSize()} bytes at {@code offset}; returns the count read (less only past the end). */
    public long read(long offset, MemorySegment dst) throws CephException {
        return call(image ->
                CephException.check(LibRbd.read2(image, offset, dst.byteSize(), dst, 0), "rbd_read2", at(offset)));
    }

    /** Writes all of {@code src} at {@code offset}. */
    public void write(long offset, MemorySegment src) throws CephException {
        long written = call(image ->
                CephException.check(LibRbd.write2(image, offset, src.byteSize(), src, 0), "rbd_write2", at(offset)));
        if (written != src.byteSize()) {
            throw new CephException(
                    "rbd_write2", at(offset) + " wrote " + written + " of " + src.byteSize(), Errno.EIO);
        }
    }

    /**
     * Writes {@code pieces} one after the other from {@code offset}, as one write, and returns when it completed.
     * {@code rbd_aio_writev} gathers the pieces into librbd's own buffers (it copies what it is given, as for every
     * write), so a payload that arrived in pieces is not first copied into one buffer of ours; librbd has no
     * synchronous vectored write, hence the completion waited for here.
     */
    public void writev(long offset, List<MemorySegment> pieces) throws CephException {
        call(image -> {
            writev(image, offset, pieces);
            return null;
        });
    }

    private void writev(MemorySegment image, long offset, List<MemorySegment> pieces) throws CephException {
        try (Arena arena = Arena.ofConfined()) {
            // struct iovec { void *iov_base; size_t iov_len; }: 16 bytes on x86-64, the only platform we bind.
            MemorySegment iov = arena.allocate(16L * pieces.size(), 8);
            for (int i = 0; i < pieces.size(); i++) {
                MemorySegment piece = pieces.get(i);
                if (!piece.isNative()) {
                    throw new IllegalArgumentException("rbd_aio_writev: piece " + i + " is not native memory");
                }
                iov.set(ValueLayout.ADDRESS, 16L * i, piece);
                iov.set(ValueLayout.JAVA_LONG, 16L * i + 8, piece.byteSize());
            }
            CompletableFuture<Long> done = AioCompletions.submit(
                    "rbd_aio_writev", at(offset), iov, c -> LibRbd.aioWritev(image, iov, pieces.size(), offset, c));
            try {
                done.join(); // the iovec and the pieces stay alive until librbd is done with them
            } catch (CompletionException e) {
                if (e.getCause() instanceof CephException ce) {
                    throw ce;
                }
                throw e;
            }
        }
    }

    /**
     * Deallocates the range where librbd can: parts not aligned to its discard granularity
     * ({@code rbd_discard_granularity_bytes}, 64 KiB by default) may keep their data. Use {@link #writeZeroes} where
     * the range must read back as zeroes.
     */
    public void discard(long offset, long length) throws CephException {
        call(image -> CephException.check(LibRbd.discard(image, offset, length), "rbd_discard", at(offset)));
    }

    /** Zeroes the range, deallocating whole objects where it can. */
    public void writeZeroes(long offset, long length) throws CephException {
        call(image -> CephException.check(LibRbd.writeZeroes(image, offset, length), "rbd_write_zeroes", at(offset)));
    }

    /** Returns once every write completed before the call is durable in the cluster. */
    public void flush() throws CephException {
        call(image -> CephException.check(LibRbd.flush(image), "rbd_flush", subject));
    }

    /** Reads into {@code dst}; the future completes with the byte count. */
    public CompletableFuture<Long> readAsync(long offset, MemorySegment dst) {
        return submitting(image -> AioCompletions.submit(
                "rbd_aio_read2", at(offset), dst, c -> LibRbd.aioRead2(image, offset, dst.byteSize(), dst, c)));
    }

    /** Writes {@code src}; the future completes with 0 (librbd reports no byte count for writes). */
    public CompletableFuture<Long> writeAsync(long offset, MemorySegment src) {
        return submitting(image -> AioCompletions.submit(
                "rbd_aio_write2", at(offset), src, c -> LibRbd.aioWrite2(image, offset, src.byteSize(), src, c)));
    }

    /** As {@link #discard}; the future completes with 0. */
    public CompletableFuture<Long> discardAsync(long offset, long length) {
        return submitting(image -> AioCompletions.submit(
                "rbd_aio_discard", at(offset), null, c -> LibRbd.aioDiscard(image, offset, length, c)));
    }

    /** As {@link #writeZeroes}; the future completes with 0. */
    public CompletableFuture<Long> writeZeroesAsync(long offset, long length) {
        return submitting(image -> AioCompletions.submit(
                "rbd_aio_write_zeroes", at(offset), null, c -> LibRbd.aioWriteZeroes(image, offset, length, c)));
    }

    /** Completes (with 0) once every write completed before the call is durable. */
    public CompletableFuture<Long> flushAsync() {
        return submitting(
                image -> AioCompletions.submit("rbd_aio_flush", subject, null, c -> LibRbd.aioFlush(image, c)));
    }

    /**
     * The extents holding data in [offset, offset + length), sorted; unwritten and discarded ranges are absent. The
     * objects that exist come first from the object map, and only their ranges are walked exactly: the exact walk
     * asks the OSDs about every object of the range, existing or not.
     */
    public List<Extent> allocatedExtents(long offset, long length) throws CephException {
        return call(image -> {
            List<Extent> exact = new ArrayList<>();
            for (Extent run : merged(AllocationMap.of(image, subject, offset, length, true))) {
                long from = Math.max(offset, run.offset());
                long to = Math.min(offset + length, run.offset() + run.length());
                if (from < to) {
                    exact.addAll(AllocationMap.of(image, subject, from, to - from, false));
                }
            }
            return exact;
        });
    }

    /**
     * Bytes of the image's objects that exist, whole objects counted (as {@code rbd du} counts them), from the object
     * map: what a volume listing shows, in about a second even for 16 TiB.
     */
    public long allocatedObjectBytes() throws CephException {
        return call(image -> {
            long bytes = 0;
            for (Extent e : AllocationMap.of(image, subject, 0, size(), true)) {
                bytes += e.length();
            }
            return bytes;
        });
    }

    /** Neighbouring extents joined, so that the exact walk runs once per run of objects. */
    private static List<Extent> merged(List<Extent> sorted) {
        List<Extent> runs = new ArrayList<>();
        for (Extent e : sorted) {
            Extent last = runs.isEmpty() ? null : runs.getLast();
            if (last != null && last.offset() + last.length() >= e.offset()) {
                long end = Math.max(last.offset() + last.length(), e.offset() + e.length());
                runs.set(runs.size() - 1, new Extent(last.offset(), end - last.offset()));
            } else {
                runs.add(e);
            }
        }
        return runs;
    }

    /** Submits an aio request on the open handle (rbd_close waits for those in flight). */
    private CompletableFuture<Long> submitting(Function<MemorySegment, CompletableFuture<Long>> s) {
        inUse.readLock().lock();
        try {
            return s.apply(handle());
        } finally {
            inUse.readLock().unlock();
        }
    }

    /** One librbd call on the open handle; {@link #close} waits for the calls in progress. */
    @FunctionalInterface
    private interface Call<T> {
        T run(MemorySegment image) throws CephException;
    }

    /**
     * Runs {@code c} with the handle, which cannot close meanwhile: librbd asserts (and the JVM dies) when an image
     * closes under a call still running on it, as a server stopping during a slow listing showed.
     */
    private <T> T call(Call<T> c) throws CephException {
        inUse.readLock().lock();
        try {
            return c.run(handle());
        } finally {
            inUse.readLock().unlock();
        }
    }

    private MemorySegment handle() {
        if (closed.get()) {
            throw new IllegalStateException("image " + subject + " is closed");
        }
        return image;
    }

    private String at(long offset) {
        return subject + " at " + offset;
    }

    /** Closes the handle (librbd flushes its cache first); call after the last request completed. */
    @Override
    public void close() throws CephException {
        if (closed.compareAndSet(false, true)) {
            // New calls fail from here on; those in progress finish first (rbd_close itself waits for the aio ones).
            inUse.writeLock().lock();
            try {
                CephException.check(LibRbd.close(image), "rbd_close", subject);
            } finally {
                inUse.writeLock().unlock();
            }
        }
    }
}
