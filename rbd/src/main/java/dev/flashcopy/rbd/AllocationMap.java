package dev.flashcopy.rbd;

import java.lang.foreign.Arena;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The allocated extents of an image through {@code rbd_diff_iterate2} (no start snapshot: everything written since
 * the image was created, discards excluded). librbd calls back once per extent, possibly from its own threads; the
 * callback argument is a number keying this call's list, and one upcall stub, made once, serves every call.
 *
 * <p>Thread-safe.
 */
final class AllocationMap {
    /** One walk's extents, and whether extents that no longer exist (discarded since the start snapshot) count. */
    private record Call(List<Extent> extents, boolean holesToo) {}

    private static final ConcurrentHashMap<Long, Call> CALLS = new ConcurrentHashMap<>();
    private static final AtomicLong NEXT_ID = new AtomicLong();
    private static final MemorySegment CALLBACK = callbackStub();

    private AllocationMap() {}

    private static MemorySegment callbackStub() {
        try {
            var target = MethodHandles.lookup()
                    .findStatic(
                            AllocationMap.class,
                            "onExtent",
                            MethodType.methodType(int.class, long.class, long.class, int.class, MemorySegment.class));
            return Linker.nativeLinker().upcallStub(target, LibRbd.DIFF_CALLBACK, Arena.global());
        } catch (ReflectiveOperationException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /**
     * The extents holding data within [offset, offset + length), sorted by offset: exact, or with {@code wholeObject}
     * the whole objects that exist there (from the object map: a second for 16 TiB, where the exact walk asks the OSD
     * about every object and took minutes).
     */
    static List<Extent> of(MemorySegment image, String subject, long offset, long length, boolean wholeObject)
            throws CephException {
        return walk(image, MemorySegment.NULL, subject, offset, length, wholeObject, false);
    }

    /**
     * The extents of [offset, offset + length) that changed since snapshot {@code fromSnap} (a C string), written,
     * discarded or zeroed alike, exact and sorted.
     */
    static List<Extent> changedSince(
            MemorySegment image, MemorySegment fromSnap, String subject, long offset, long length)
            throws CephException {
        return walk(image, fromSnap, subject, offset, length, false, true);
    }

    private static List<Extent> walk(
            MemorySegment image,
            MemorySegment fromSnap,
            String subject,
            long offset,
            long length,
            boolean wholeObject,
            boolean holesToo)
            throws CephException {
        long id = NEXT_ID.incrementAndGet();
        List<Extent> extents = new ArrayList<>();
        CALLS.put(id, new Call(extents, holesToo));
        try {
            CephException.check(
                    LibRbd.diffIterate2(
                            image, fromSnap, offset, length, wholeObject, CALLBACK, MemorySegment.ofAddress(id)),
                    "rbd_diff_iterate2",
                    subject);
        } finally {
            CALLS.remove(id);
        }
        synchronized (extents) {
            List<Extent> sorted = new ArrayList<>(extents);
            sorted.sort(Comparator.comparingLong(Extent::offset));
            return sorted;
        }
    }

    /** The upcall: records one extent; 0 tells librbd to go on. Nothing may be thrown back into librbd. */
    private static int onExtent(long offset, long length, int exists, MemorySegment arg) {
        try {
            Call call = CALLS.get(arg.address());
            if (call != null && (exists != 0 || call.holesToo())) {
                synchronized (call.extents()) {
                    call.extents().add(new Extent(offset, length));
                }
            }
            return 0;
        } catch (Throwable t) {
            return -Errno.EIO;
        }
    }
}
