package dev.flashcopy.engine.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ImageFileTest {
    private static final int MIB = 1 << 20;

    @TempDir
    Path dir;

    private static ByteBuffer filled(int length, int value) {
        ByteBuffer b = ByteBuffer.allocateDirect(length);
        for (int i = 0; i < length; i++) {
            b.put((byte) value);
        }
        return b.flip();
    }

    private static byte[] read(ImageFile f, long offset, int length) throws BlockIoException {
        ByteBuffer b = ByteBuffer.allocateDirect(length);
        f.read(offset, b);
        byte[] out = new byte[length];
        b.flip().get(out);
        return out;
    }

    private static List<String> map(ImageFile f) throws BlockIoException {
        List<String> extents = new ArrayList<>();
        f.mapAllocation(0, f.size(), (len, hole) -> extents.add((hole ? "hole:" : "data:") + len));
        return extents;
    }

    @Test
    void createdImageIsSparseAndReadsZeroes() throws IOException {
        try (ImageFile f = ImageFile.create(dir.resolve("a.img"), 8L * MIB)) {
            assertEquals(8L * MIB, f.size());
            assertEquals(8L * MIB, Files.size(dir.resolve("a.img")));
            assertEquals(0, f.allocatedBytes());
            assertArrayEquals(new byte[4096], read(f, 12345, 4096));
            assertEquals(List.of("hole:" + 8 * MIB), map(f));
        }
    }

    @Test
    void gatheredWriteLandsAsTheConcatenationOfItsPieces() throws IOException {
        // More pieces than one pwritev takes, of odd sizes, with a heap piece in the middle and
        // buffers whose position is not zero: every byte must land where the concatenation puts it.
        SplittableRandom random = new SplittableRandom(42);
        int pieces = ImageFile.MAX_IOV + 300;
        ByteBuffer[] srcs = new ByteBuffer[pieces];
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        for (int i = 0; i < pieces; i++) {
            int len = 1 + random.nextInt(700);
            byte[] bytes = new byte[len + 3];
            random.nextBytes(bytes);
            ByteBuffer b = i == 500 ? ByteBuffer.allocate(bytes.length) : ByteBuffer.allocateDirect(bytes.length);
            b.put(bytes).flip().position(3);
            expected.write(bytes, 3, len);
            srcs[i] = b;
        }
        try (ImageFile f = ImageFile.create(dir.resolve("g.img"), 8L * MIB)) {
            f.write(4093, srcs);
            byte[] want = expected.toByteArray();
            assertArrayEquals(want, read(f, 4093, want.length));
            for (ByteBuffer b : srcs) {
                assertEquals(0, b.remaining(), "every piece is consumed");
            }
        }
    }

    @Test
    void writesReadBackAndShowAsDataExtents() throws IOException {
        try (ImageFile f = ImageFile.create(dir.resolve("a.img"), 8L * MIB)) {
            f.write(MIB, filled(MIB, 0x5a));
            byte[] expected = new byte[MIB];
            Arrays.fill(expected, (byte) 0x5a);
            assertArrayEquals(expected, read(f, MIB, MIB));
            assertEquals(List.of("hole:" + MIB, "data:" + MIB, "hole:" + 6 * MIB), map(f));
            assertEquals(MIB, f.allocatedBytes());
        }
    }

    @Test
    void heapBuffersWorkToo() throws IOException {
        try (ImageFile f = ImageFile.create(dir.resolve("a.img"), MIB)) {
            f.write(100, ByteBuffer.wrap(new byte[] {1, 2, 3}));
            ByteBuffer dst = ByteBuffer.allocate(5);
            f.read(99, dst);
            assertArrayEquals(new byte[] {0, 1, 2, 3, 0}, dst.array());
        }
    }

    @Test
    void punchHoleDeallocatesAndReadsZeroes() throws IOException {
        try (ImageFile f = ImageFile.create(dir.resolve("a.img"), 4L * MIB)) {
            f.write(0, filled(4 * MIB, 0x77));
            f.punchHole(MIB, MIB);
            assertArrayEquals(new byte[MIB], read(f, MIB, MIB));
            assertEquals(List.of("data:" + MIB, "hole:" + MIB, "data:" + 2 * MIB), map(f));
        }
    }

    @Test
    void zeroRangeReadsZeroes() throws IOException {
        try (ImageFile f = ImageFile.create(dir.resolve("a.img"), 4L * MIB)) {
            f.write(0, filled(4 * MIB, 0x77));
            f.zeroRange(1000, 5000);
            assertArrayEquals(new byte[5000], read(f, 1000, 5000));
            assertEquals(0x77, read(f, 999, 1)[0]);
            assertEquals(0x77, read(f, 6000, 1)[0]);
        }
    }

    @Test
    void mapOfASubrangeStopsWhenTheSinkSaysSo() throws IOException {
        try (ImageFile f = ImageFile.create(dir.resolve("a.img"), 4L * MIB)) {
            f.write(2L * MIB, filled(4096, 1));
            List<String> seen = new ArrayList<>();
            f.mapAllocation(MIB, 3L * MIB, (len, hole) -> {
                seen.add((hole ? "hole:" : "data:") + len);
                return seen.size() < 2;
            });
            assertEquals(List.of("hole:" + MIB, "data:4096"), seen);
        }
    }

    @Test
    void copyToCopiesTheRangeAndNothingElse() throws IOException {
        try (ImageFile a = ImageFile.create(dir.resolve("a.img"), 4L * MIB);
                ImageFile b = ImageFile.create(dir.resolve("b.img"), 4L * MIB)) {
            a.write(0, filled(4 * MIB, 0x31));
            b.write(0, filled(4 * MIB, 0x07));
            a.copyTo(b, MIB + 100, 2 * MIB, ByteBuffer.allocateDirect(64 << 10));
            assertEquals(0x07, read(b, MIB + 99, 1)[0]);
            byte[] expected = new byte[2 * MIB];
            Arrays.fill(expected, (byte) 0x31);
            assertArrayEquals(expected, read(b, MIB + 100, 2 * MIB));
            assertEquals(0x07, read(b, 3 * MIB + 100, 1)[0]);
        }
    }

    @Test
    void createRefusesAnExistingFile() throws IOException {
        Files.writeString(dir.resolve("a.img"), "keep me");
        assertThrows(IOException.class, () -> ImageFile.create(dir.resolve("a.img"), MIB));
        assertEquals("keep me", Files.readString(dir.resolve("a.img")));
    }

    @Test
    void writeToAReadOnlyVolumeIsRefused() throws IOException {
        ImageFile.create(dir.resolve("a.img"), MIB).close();
        try (Volume v = new Volume("a", ImageFile.open(dir.resolve("a.img"), false), true)) {
            BlockIoException e = assertThrows(BlockIoException.class, () -> v.write(0, filled(10, 1), false));
            assertEquals(BlockError.PERMISSION, e.error());
        }
    }

    @Test
    void cachedReadServesOnlyWholeDataRangesInsideTheImage() throws IOException {
        try (ImageFile f = ImageFile.create(dir.resolve("a.img"), 2L * MIB)) {
            f.write(0, filled(64 * 1024, 0x33)); // just written: in the page cache
            ByteBuffer dst = ByteBuffer.allocateDirect(64 * 1024);
            assertTrue(f.readCached(0, dst));
            assertEquals(dst.limit(), dst.position());
            assertEquals(0x33, dst.get(100));
            ByteBuffer overHole = ByteBuffer.allocateDirect(128 * 1024);
            assertFalse(f.readCached(0, overHole), "a range with a hole goes the usual way");
            assertEquals(0, overHole.position());
            assertFalse(f.readCached(2L * MIB - 4096, ByteBuffer.allocateDirect(8192)), "past the end");
            assertFalse(f.readCached(0, ByteBuffer.allocate(4096)), "heap buffers are not read into natively");
        }
    }

    @Test
    void cachedReadOfADenseImageStillSeesAHolePunchedLater() throws IOException {
        try (ImageFile f = ImageFile.create(dir.resolve("a.img"), 2L * MIB)) {
            f.write(0, filled((int) (2L * MIB), 0x44)); // dense: the first cached read learns it
            assertTrue(f.readCached(MIB, ByteBuffer.allocateDirect(4096)));
            assertTrue(f.readCached(MIB + 8192, ByteBuffer.allocateDirect(4096)), "dense from an earlier offset");
            f.punchHole(MIB + 65536, 65536);
            assertFalse(
                    f.readCached(MIB + 65536, ByteBuffer.allocateDirect(4096)),
                    "the punched range goes the usual way, which describes the hole");
            ByteBuffer copied = ByteBuffer.allocateDirect(4096);
            assertTrue(f.readCached(MIB + 8192, copied), "data before the hole is still read at once");
            assertEquals(0x44, copied.get(0));
        }
    }

    @Test
    void inlineWriteGathersDirectBuffersAndRefusesWhatItCannotWriteAtOnce() throws IOException {
        try (ImageFile f = ImageFile.create(dir.resolve("a.img"), 2L * MIB)) {
            ByteBuffer[] parts = {filled(4096, 0x11), filled(8192, 0x22)};
            assertTrue(f.writeInline(MIB, parts));
            assertEquals(parts[1].limit(), parts[1].position(), "consumed");
            ByteBuffer back = ByteBuffer.allocateDirect(12288);
            f.read(MIB, back);
            assertEquals(0x11, back.get(4095));
            assertEquals(0x22, back.get(4096));
            assertEquals(0x22, back.get(12287));
            ByteBuffer heap = ByteBuffer.allocate(4096);
            assertFalse(f.writeInline(0, new ByteBuffer[] {filled(4096, 0x33), heap}), "heap buffers go the usual way");
            assertEquals(0, heap.position());
            ByteBuffer untouched = ByteBuffer.allocateDirect(4096);
            f.read(0, untouched);
            assertEquals(0, untouched.get(0), "nothing written when refused");
        }
        try (ImageFile sim = ImageFile.create(new SimulatedDisk(1), dir.resolve("s.img"), MIB)) {
            assertFalse(sim.writeInline(0, new ByteBuffer[] {filled(4096, 1)}), "only the real disk, by descriptor");
        }
    }
}
