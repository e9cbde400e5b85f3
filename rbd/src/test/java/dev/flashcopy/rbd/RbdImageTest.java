package dev.flashcopy.rbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

class RbdImageTest {
    private static final long MIB = 1L << 20;
    private static final long SIZE = 64 * MIB;
    private static final int BLOCK = 64 * 1024;

    @RegisterExtension
    static final TestPool POOL = new TestPool();

    @RegisterExtension
    final TestImage testImage = new TestImage(POOL, "img", SIZE);

    private Arena arena;

    private static Pool pool() {
        return POOL.pool();
    }

    private RbdImage image() {
        return testImage.image();
    }

    private String name() {
        return testImage.name();
    }

    @BeforeEach
    void openArena() {
        arena = Arena.ofShared();
    }

    @AfterEach
    void closeArena() {
        arena.close();
    }

    @Test
    void newImageHasItsSizeAndReadsZero() throws CephException {
        assertEquals(SIZE, image().size());
        ImageInfo info = image().stat();
        assertEquals(SIZE, info.size());
        assertEquals(22, info.order(), "4 MiB objects by default");
        assertEquals(4 * MIB, info.objectSize());
        assertEquals(16, info.objectCount());
        MemorySegment buf = arena.allocate(BLOCK);
        buf.fill((byte) 0x55);
        assertEquals(BLOCK, image().read(SIZE - BLOCK, buf));
        assertZero(buf);
        assertEquals(List.of(), image().allocatedExtents(0, SIZE));
    }

    @Test
    void listNamesThePoolsImagesAndForgetsRemovedOnes() throws CephException {
        assertTrue(RbdImage.list(pool()).contains(name()));
        String other = TestCluster.unique("listed");
        RbdImage.create(pool(), other, MIB);
        try {
            List<String> names = RbdImage.list(pool());
            assertTrue(names.contains(name()) && names.contains(other), names.toString());
        } finally {
            RbdImage.remove(pool(), other);
        }
        assertFalse(RbdImage.list(pool()).contains(other));
    }

    @Test
    void synchronousWritesReadBackAtTheirOffsets() throws CephException {
        // Offsets inside an object, across an object boundary (4 MiB) and at the very end.
        long[] offsets = {0, MIB + 4096 * 3, 4 * MIB - 512, 40 * MIB + 7, SIZE - BLOCK};
        for (long offset : offsets) {
            image().write(offset, pattern(offset, BLOCK));
        }
        image().flush();
        for (long offset : offsets) {
            MemorySegment got = arena.allocate(BLOCK);
            assertEquals(BLOCK, image().read(offset, got));
            assertEquals(-1, got.mismatch(pattern(offset, BLOCK)), "data at " + offset);
        }
    }

    @Test
    void manyAsynchronousWritesAndReadsInFlight() throws Exception {
        int count = 256;
        Random random = new Random(19);
        long[] offsets = new long[count];
        List<CompletableFuture<Long>> writes = new ArrayList<>();
        int mostInFlight = 0;
        for (int i = 0; i < count; i++) {
            // Distinct 64 KiB slots, so the last write of a slot is the only one.
            offsets[i] = (long) i * (SIZE / count) + (random.nextInt((int) (SIZE / count - BLOCK)) & ~511);
            writes.add(image().writeAsync(offsets[i], pattern(offsets[i], BLOCK)));
            mostInFlight = Math.max(mostInFlight, AioCompletions.inFlight());
        }
        assertTrue(mostInFlight > 1, "submitting returns before completion: " + mostInFlight + " at most in flight");
        for (CompletableFuture<Long> write : writes) {
            assertEquals(0L, write.get(60, TimeUnit.SECONDS));
        }
        assertEquals(0L, image().flushAsync().get(60, TimeUnit.SECONDS));

        List<CompletableFuture<Long>> reads = new ArrayList<>();
        List<MemorySegment> buffers = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            MemorySegment buf = arena.allocate(BLOCK);
            buffers.add(buf);
            reads.add(image().readAsync(offsets[i], buf));
        }
        for (int i = 0; i < count; i++) {
            assertEquals(BLOCK, reads.get(i).get(60, TimeUnit.SECONDS));
            assertEquals(-1, buffers.get(i).mismatch(pattern(offsets[i], BLOCK)), "data at " + offsets[i]);
        }
        assertEquals(0, AioCompletions.inFlight());
    }

    @Test
    void asynchronousErrorsFailTheFutureWithTheErrno() {
        // A read past the end of the image: librbd answers through the completion.
        MemorySegment buf = arena.allocate(BLOCK);
        CompletableFuture<Long> read = image().readAsync(SIZE + MIB, buf);
        ExecutionException e = assertThrows(ExecutionException.class, () -> read.get(60, TimeUnit.SECONDS));
        CephException cause = (CephException) e.getCause();
        assertEquals(Errno.EINVAL, cause.errno(), cause.getMessage());
        assertEquals("rbd_aio_read2(rbd/" + name() + " at " + (SIZE + MIB) + "): EINVAL", cause.getMessage());
    }

    @Test
    void discardAndWriteZeroesReadBackAsZero() throws Exception {
        long[] offsets = {MIB, 8 * MIB, 20 * MIB, 30 * MIB};
        for (long offset : offsets) {
            image().write(offset, pattern(offset, 2 * BLOCK));
        }
        // Discard on librbd's granularity (64 KiB) and write-zeroes anywhere, down to a sector.
        image().discard(MIB + BLOCK, BLOCK);
        image().writeZeroes(MIB + 512, 4096 - 512);
        image().writeZeroes(8 * MIB, BLOCK);
        image().discardAsync(20 * MIB, 2 * BLOCK).get(60, TimeUnit.SECONDS);
        image().writeZeroesAsync(30 * MIB + BLOCK, BLOCK).get(60, TimeUnit.SECONDS);
        image().flush();

        MemorySegment buf = arena.allocate(2 * BLOCK);
        image().read(MIB, buf);
        MemorySegment written = pattern(MIB, 2 * BLOCK);
        assertEquals(-1, buf.asSlice(0, 512).mismatch(written.asSlice(0, 512)), "before the zeroed range");
        assertZero(buf.asSlice(512, 4096 - 512));
        assertEquals(-1, buf.asSlice(4096, BLOCK - 4096).mismatch(written.asSlice(4096, BLOCK - 4096)));
        assertZero(buf.asSlice(BLOCK, BLOCK));

        image().read(8 * MIB, buf);
        assertZero(buf.asSlice(0, BLOCK));
        assertEquals(-1, buf.asSlice(BLOCK).mismatch(pattern(8 * MIB, 2 * BLOCK).asSlice(BLOCK)));

        image().read(20 * MIB, buf);
        assertZero(buf);

        image().read(30 * MIB, buf);
        assertEquals(-1, buf.asSlice(0, BLOCK).mismatch(pattern(30 * MIB, BLOCK)));
        assertZero(buf.asSlice(BLOCK));
    }

    /**
     * A 16 TiB image with two writes far apart: the exact extents and the whole-object count come from the object map
     * first (the exact walk of every object took minutes, and a server's volume listing waited on it).
     */
    @Test
    @Timeout(value = 120, unit = TimeUnit.SECONDS) // a hang guard, not a speed check: it takes about a second
    void aHugeSparseImageMapsOnlyTheObjectsItHas() throws CephException {
        String big = TestCluster.unique("big");
        long size = 16L << 40;
        RbdImage.create(pool(), big, size);
        try (RbdImage image = RbdImage.open(pool(), big)) {
            image.write(4096, pattern(4096, BLOCK));
            image.write(size / 2 + 8192, pattern(size / 2, 4096));
            image.flush();
            List<Extent> extents = image.allocatedExtents(0, size);
            assertCovered(extents, 4096, BLOCK);
            assertCovered(extents, size / 2 + 8192, 4096);
            long bytes = extents.stream().mapToLong(Extent::length).sum();
            assertTrue(bytes <= 2 * (4096 + BLOCK), "only what was written: " + extents);
            assertEquals(2 * 4 * MIB, image.allocatedObjectBytes(), "two 4 MiB objects, as rbd du counts them");
        } finally {
            RbdImage.remove(pool(), big);
        }
    }

    /** A close waits for a call still running on the image (librbd asserts, and the JVM dies, if it does not). */
    @Test
    void closeWaitsForACallInProgress() throws Exception {
        String big = TestCluster.unique("closing");
        RbdImage.create(pool(), big, 16L << 40);
        RbdImage image = RbdImage.open(pool(), big);
        try {
            image.write(0, pattern(0, BLOCK));
            CountDownLatch running = new CountDownLatch(1);
            CompletableFuture<List<Extent>> walk = CompletableFuture.supplyAsync(() -> {
                running.countDown();
                try {
                    List<Extent> all = new ArrayList<>();
                    for (int i = 0;
                            i < 3;
                            i++) { // each walk takes about a second: the close comes in the middle of one
                        all.addAll(image.allocatedExtents(0, 16L << 40));
                    }
                    return all;
                } catch (CephException e) {
                    throw new CompletionException(e);
                } catch (IllegalStateException closed) {
                    return List.of(); // the close came between two calls: the next one was refused, as it should be
                }
            });
            running.await();
            Thread.sleep(50);
            image.close(); // without the wait: SIGSEGV in librbd (xlist assertion)
            walk.get(120, TimeUnit.SECONDS);
            assertThrows(IllegalStateException.class, () -> image.allocatedExtents(0, BLOCK), "closed");
        } finally {
            image.close();
            RbdImage.remove(pool(), big);
        }
    }

    @Test
    void allocatedExtentsCoverWhatWasWrittenAndNothingElse() throws CephException {
        image().write(4096, pattern(4096, BLOCK));
        image().write(12 * MIB + 8192, pattern(12 * MIB, 4096));
        image().write(40 * MIB, pattern(40 * MIB, BLOCK));
        image().discard(40 * MIB, 4 * MIB); // a whole object: deallocated again
        image().flush();

        List<Extent> extents = image().allocatedExtents(0, SIZE);
        assertCovered(extents, 4096, BLOCK);
        assertCovered(extents, 12 * MIB + 8192, 4096);
        for (Extent extent : extents) {
            assertFalse(overlaps(extent, 4 * MIB, 8 * MIB), "nothing written in [4, 12) MiB: " + extents);
            assertFalse(overlaps(extent, 40 * MIB, 4 * MIB), "the discarded object: " + extents);
        }
        // A window reports only what lies in it.
        List<Extent> window = image().allocatedExtents(12 * MIB, 4 * MIB);
        assertCovered(window, 12 * MIB + 8192, 4096);
        for (Extent extent : window) {
            assertTrue(extent.offset() >= 12 * MIB && extent.end() <= 16 * MIB, window.toString());
        }
    }

    @Test
    void resizeGrowsAndShrinks() throws CephException {
        image().write(SIZE - BLOCK, pattern(SIZE - BLOCK, BLOCK));
        image().resize(2 * SIZE);
        assertEquals(2 * SIZE, image().size());
        MemorySegment buf = arena.allocate(BLOCK);
        image().read(SIZE - BLOCK, buf);
        assertEquals(-1, buf.mismatch(pattern(SIZE - BLOCK, BLOCK)), "data kept across growth");
        image().read(2 * SIZE - BLOCK, buf);
        assertZero(buf);

        image().resize(SIZE / 2);
        assertEquals(SIZE / 2, image().size());
        image().resize(SIZE);
        image().read(SIZE - BLOCK, buf);
        assertZero(buf); // what lay past the shrunken end is gone
    }

    @Test
    void imageWithChosenObjectSizeIsRemovedOnlyWhenClosed() throws CephException {
        String other = TestCluster.unique("gone");
        RbdImage.create(pool(), other, 4 * MIB, RbdImage.FEATURE_LAYERING, 20);
        RbdImage opened = RbdImage.open(pool(), other);
        assertEquals(MIB, opened.stat().objectSize(), "order 20: 1 MiB objects");
        assertEquals(4, opened.stat().objectCount());
        CephException busy = assertThrows(CephException.class, () -> RbdImage.remove(pool(), other));
        assertEquals(Errno.EBUSY, busy.errno(), busy.getMessage());
        opened.close();
        RbdImage.remove(pool(), other);
        CephException e = assertThrows(CephException.class, () -> RbdImage.open(pool(), other));
        assertEquals(Errno.ENOENT, e.errno());
        assertEquals("rbd_open(rbd/" + other + "): ENOENT", e.getMessage());
        CephException exists = assertThrows(CephException.class, () -> RbdImage.create(pool(), name(), MIB));
        assertEquals(Errno.EEXIST, exists.errno());
    }

    @Test
    void closedImageRefusesRequests() throws CephException {
        RbdImage closed = image();
        closed.close();
        assertThrows(IllegalStateException.class, closed::size);
        assertThrows(IllegalStateException.class, closed::flushAsync);
        closed.close(); // idempotent
    }

    /** Bytes that differ per offset and position, so a block at the wrong place cannot match. */
    private MemorySegment pattern(long offset, int length) {
        MemorySegment buf = arena.allocate(length);
        Random random = new Random(offset);
        for (int i = 0; i < length; i += 8) {
            buf.set(ValueLayout.JAVA_LONG_UNALIGNED, i, random.nextLong());
        }
        return buf;
    }

    @Test
    void aSnapshotKeepsItsPointInTimeAndTellsWhatChangedSince() throws CephException {
        MemorySegment ones = arena.allocate(BLOCK).fill((byte) 1);
        MemorySegment twos = arena.allocate(BLOCK).fill((byte) 2);
        image().write(0, ones);
        image().write(4 * MIB, ones);
        image().createSnapshot("flashcopy.t0.1");
        CephException again = assertThrows(CephException.class, () -> image().createSnapshot("flashcopy.t0.1"));
        assertEquals(Errno.EEXIST, again.errno());
        image().write(BLOCK, twos);
        image().discard(4 * MIB, 4 * MIB);
        try (RbdImage at = RbdImage.openSnapshot(pool(), name(), "flashcopy.t0.1")) {
            MemorySegment got = arena.allocate(2 * BLOCK);
            at.read(0, got);
            for (long i = 0; i < BLOCK; i++) {
                assertEquals(1, got.get(ValueLayout.JAVA_BYTE, i));
                assertEquals(0, got.get(ValueLayout.JAVA_BYTE, BLOCK + i), "written after the snapshot");
            }
            MemorySegment old = arena.allocate(BLOCK);
            at.read(4 * MIB, old);
            assertEquals(1, old.get(ValueLayout.JAVA_BYTE, BLOCK - 1), "discarded after the snapshot");
            assertThrows(CephException.class, () -> at.write(0, twos), "a snapshot is read-only");
        }
        List<Extent> changed = image().changedSince("flashcopy.t0.1", 0, SIZE);
        assertCovered(changed, BLOCK, BLOCK);
        assertCovered(changed, 4 * MIB, BLOCK);
        assertTrue(changed.stream().noneMatch(e -> e.offset() < BLOCK), "the first block did not change: " + changed);
        assertEquals(List.of("flashcopy.t0.1"), image().snapshots());
        image().removeSnapshot("flashcopy.t0.1");
        assertEquals(List.of(), image().snapshots());
        assertEquals(
                Errno.ENOENT,
                assertThrows(CephException.class, () -> image().removeSnapshot("flashcopy.t0.1"))
                        .errno());
    }

    private static void assertZero(MemorySegment buf) {
        MemorySegment zeros = Arena.ofAuto().allocate(buf.byteSize());
        assertEquals(-1, buf.mismatch(zeros), "zero expected");
    }

    private static void assertCovered(List<Extent> extents, long offset, long length) {
        long covered = 0;
        for (Extent extent : extents) {
            long start = Math.max(offset, extent.offset());
            long end = Math.min(offset + length, extent.end());
            covered += Math.max(0, end - start);
        }
        assertEquals(length, covered, "[" + offset + ", +" + length + ") in " + extents);
    }

    private static boolean overlaps(Extent extent, long offset, long length) {
        return extent.offset() < offset + length && offset < extent.end();
    }
}
