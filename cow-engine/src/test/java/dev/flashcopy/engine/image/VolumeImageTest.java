package dev.flashcopy.engine.image;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.volume.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The behaviour the engine relies on from every {@link VolumeImage}, run over each store: what reads back after
 * writes, punches and zeroing (also off RBD's 64 KiB discard granularity), what the allocation map reports, copies
 * within and between stores, and what survives a close after {@code datasync}.
 */
class VolumeImageTest {
    private static final int KIB = 1 << 10;
    private static final int MIB = 1 << 20;
    /** Four RBD objects of librbd's default 4 MiB. */
    private static final long SIZE = 16L * MIB;

    private static byte[] random(int length, long seed) {
        byte[] bytes = new byte[length];
        new SplittableRandom(seed).nextBytes(bytes);
        return bytes;
    }

    private static ByteBuffer direct(byte[] bytes) {
        return ByteBuffer.allocateDirect(bytes.length).put(bytes).flip();
    }

    private static byte[] read(VolumeImage image, long offset, int length) throws BlockIoException {
        ByteBuffer b = ByteBuffer.allocateDirect(length);
        image.read(offset, b);
        assertEquals(length, b.position());
        byte[] out = new byte[length];
        b.flip().get(out);
        return out;
    }

    /** The map of {@code [offset, offset + length)} as {@code [start, end, hole ? 1 : 0]} extents. */
    private static List<long[]> map(VolumeImage image, long offset, long length) throws BlockIoException {
        List<long[]> extents = new ArrayList<>();
        long[] at = {offset};
        image.mapAllocation(offset, length, (len, hole) -> {
            extents.add(new long[] {at[0], at[0] + len, hole ? 1 : 0});
            at[0] += len;
            return true;
        });
        assertEquals(offset + length, at[0], "the map covers the whole range");
        return extents;
    }

    private static boolean allHole(VolumeImage image, long offset, long length) throws BlockIoException {
        return map(image, offset, length).stream().allMatch(e -> e[2] == 1);
    }

    private static boolean allData(VolumeImage image, long offset, long length) throws BlockIoException {
        return map(image, offset, length).stream().allMatch(e -> e[2] == 0);
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void writesReadBackFromDirectAndHeapBuffers(StoreKind store) throws IOException {
        try (StoreKind.Images images = store.images()) {
            VolumeImage image = images.create(SIZE);
            assertEquals(SIZE, image.size());
            assertArrayEquals(new byte[4096], read(image, 12345, 4096), "a new image reads as zeroes");
            byte[] a = random(64 * KIB, 1);
            ByteBuffer src = direct(a);
            image.write(MIB + 512, src);
            assertEquals(src.limit(), src.position(), "the write consumed the buffer");
            byte[] b = random(3000, 2);
            image.write(5 * MIB + 7, ByteBuffer.wrap(b));
            assertArrayEquals(a, read(image, MIB + 512, a.length));
            ByteBuffer heap = ByteBuffer.allocate(b.length);
            image.read(5 * MIB + 7, heap);
            assertArrayEquals(b, heap.array());
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void readsPastTheEndReadZeroes(StoreKind store) throws IOException {
        try (StoreKind.Images images = store.images()) {
            VolumeImage image = images.create(SIZE);
            byte[] tail = random(4096, 3);
            image.write(SIZE - 4096, direct(tail));
            byte[] got = read(image, SIZE - 4096, 8192);
            assertArrayEquals(tail, Arrays.copyOf(got, 4096));
            assertArrayEquals(new byte[4096], Arrays.copyOfRange(got, 4096, 8192));
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void gatheredWriteLandsInOrder(StoreKind store) throws IOException {
        try (StoreKind.Images images = store.images()) {
            VolumeImage image = images.create(SIZE);
            byte[] a = random(4096, 4);
            byte[] b = random(100, 5);
            byte[] c = random(8192, 6);
            ByteBuffer[] srcs = {direct(a), ByteBuffer.wrap(b), direct(c)};
            image.write(3 * MIB, srcs);
            for (ByteBuffer s : srcs) {
                assertFalse(s.hasRemaining(), "every piece consumed");
            }
            byte[] all = read(image, 3 * MIB, a.length + b.length + c.length);
            ByteBuffer want = ByteBuffer.allocate(all.length).put(a).put(b).put(c);
            assertArrayEquals(want.array(), all);
        }
    }

    /**
     * Pieces all in native memory, as the NBD server passes a payload received in parts (on RBD they go through
     * {@code rbd_aio_writev} as they are): one starts past its buffer's position 0, the write crosses a 4 MiB RBD
     * object boundary.
     */
    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void gatheredDirectWriteAcrossAnObjectBoundaryLandsInOrder(StoreKind store) throws IOException {
        try (StoreKind.Images images = store.images()) {
            VolumeImage image = images.create(SIZE);
            byte[] a = random(4096, 8);
            byte[] b = random(107, 9);
            byte[] c = random(MIB, 10);
            ByteBuffer middle = direct(b).position(7);
            ByteBuffer[] srcs = {direct(a), middle, direct(c)};
            long at = 4 * MIB - 4096 - 50;
            image.write(at, srcs);
            for (ByteBuffer s : srcs) {
                assertFalse(s.hasRemaining(), "every piece consumed");
            }
            byte[] all = read(image, at, a.length + b.length - 7 + c.length);
            ByteBuffer want = ByteBuffer.allocate(all.length)
                    .put(a)
                    .put(b, 7, b.length - 7)
                    .put(c);
            assertArrayEquals(want.array(), all);
        }
    }

    /** A punch off the 64 KiB grid: librbd's discard would keep those bytes, so the image must zero them. */
    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void punchAndZeroReadBackZeroesOffTheDiscardGrid(StoreKind store) throws IOException {
        try (StoreKind.Images images = store.images()) {
            VolumeImage image = images.create(SIZE);
            byte[] data = random(256 * KIB, 7);
            image.write(MIB, direct(data));
            image.punchHole(MIB + 4 * KIB, 8 * KIB);
            image.zeroRange(MIB + 68 * KIB, 4 * KIB);
            image.writeZeroBytes(MIB + 130 * KIB, 2 * KIB);
            image.punchHole(MIB, 0); // nothing at all
            byte[] want = data.clone();
            Arrays.fill(want, 4 * KIB, 12 * KIB, (byte) 0);
            Arrays.fill(want, 68 * KIB, 72 * KIB, (byte) 0);
            Arrays.fill(want, 130 * KIB, 132 * KIB, (byte) 0);
            assertArrayEquals(want, read(image, MIB, data.length));
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void allocationMapFollowsWritesAndPunches(StoreKind store) throws IOException {
        try (StoreKind.Images images = store.images()) {
            VolumeImage image = images.create(SIZE);
            assertTrue(allHole(image, 0, SIZE), "a new image is all hole");
            assertEquals(0, image.allocatedBytes());

            image.write(4 * MIB, direct(random(MIB, 8)));
            assertTrue(allData(image, 4 * MIB, MIB), "written bytes are data");
            assertTrue(allHole(image, 0, 4 * MIB), "before the written object: hole");
            assertTrue(allHole(image, 8 * MIB, 8 * MIB), "after the written object: hole");
            long allocated = image.allocatedBytes();
            // At least what was written, at most the one 4 MiB object that holds it (a file: exactly it).
            assertTrue(allocated >= MIB && allocated <= 4 * MIB, "allocated " + allocated);

            List<long[]> part = map(image, 4 * MIB + 4096, 8192); // a map that starts and ends inside data
            assertEquals(1, part.size());
            assertEquals(0, part.getFirst()[2]);

            image.punchHole(4 * MIB, 4 * MIB);
            assertTrue(allHole(image, 0, SIZE), "a punch of the whole object deallocates it");
            assertEquals(0, image.allocatedBytes());
            assertArrayEquals(new byte[4096], read(image, 4 * MIB, 4096));
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void allocationMapStopsWhenTheSinkHasEnough(StoreKind store) throws IOException {
        try (StoreKind.Images images = store.images()) {
            VolumeImage image = images.create(SIZE);
            image.write(8 * MIB, direct(random(4096, 9)));
            List<Boolean> seen = new ArrayList<>();
            image.mapAllocation(0, SIZE, (len, hole) -> {
                seen.add(hole);
                return false;
            });
            assertEquals(List.of(true), seen, "one extent, then the walk stops");
        }
    }

    static Stream<Arguments> storePairs() {
        return Stream.of(StoreKind.values())
                .flatMap(from -> Stream.of(StoreKind.values()).map(to -> Arguments.of(from, to)));
    }

    @ParameterizedTest
    @MethodSource("storePairs")
    void copyToAnotherImageAndWithinOne(StoreKind from, StoreKind to) throws IOException {
        try (StoreKind.Images sources = from.images();
                StoreKind.Images targets = to.images()) {
            VolumeImage source = sources.create(SIZE);
            VolumeImage target = targets.create(SIZE);
            byte[] data = random(3 * MIB + 512, 10);
            source.write(2 * MIB, direct(data));
            ByteBuffer buffer = ByteBuffer.allocateDirect(MIB);
            source.copyTo(target, 2 * MIB, data.length, buffer);
            assertArrayEquals(data, read(target, 2 * MIB, data.length), "same offsets");
            source.copyTo(target, 2 * MIB, 9 * MIB + 4096, data.length, buffer);
            assertArrayEquals(data, read(target, 9 * MIB + 4096, data.length), "another offset");
            source.copyTo(source, 2 * MIB, 12 * MIB, data.length, buffer);
            assertArrayEquals(data, read(source, 12 * MIB, data.length), "within one image");
        }
    }

    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void whatDatasyncCoveredSurvivesAReopen(StoreKind store) throws IOException {
        try (StoreKind.Images images = store.images()) {
            VolumeImage image = images.create(SIZE);
            byte[] data = random(128 * KIB, 11);
            image.write(7 * MIB, direct(data));
            image.punchHole(7 * MIB, 4096);
            image.datasync();
            VolumeImage again = images.reopen(image);
            assertEquals(SIZE, again.size());
            Arrays.fill(data, 0, 4096, (byte) 0);
            assertArrayEquals(data, read(again, 7 * MIB, data.length));
        }
    }

    /** Only a file answers from the page cache or lends itself for sendfile; an RBD image says no to both. */
    @ParameterizedTest
    @EnumSource(StoreKind.class)
    void optionalCapabilitiesAreTheFileStoresOnly(StoreKind store) throws IOException {
        try (StoreKind.Images images = store.images()) {
            VolumeImage image = images.create(SIZE);
            image.write(0, direct(random(64 * KIB, 12)));
            assertEquals(store == StoreKind.FILE, image instanceof ReadsFromCache);
            Volume volume = new Volume("v", image, false);
            ByteBuffer dst = ByteBuffer.allocateDirect(4096);
            boolean cached = volume.readCached(0, dst);
            if (store == StoreKind.RBD) {
                assertFalse(cached);
                assertEquals(0, dst.position(), "a refused cached read leaves the buffer alone");
                assertNull(volume.fileHolding(0, 4096));
                assertNull(volume.path());
            } else {
                assertTrue(cached, "just written, so in the page cache");
                assertEquals(image.subject(), volume.path().toString());
            }
        }
    }
}
