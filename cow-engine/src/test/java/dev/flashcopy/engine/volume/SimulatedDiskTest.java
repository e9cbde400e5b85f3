package dev.flashcopy.engine.volume;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.storage.AtomicFile;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The simulated disk loses what a power loss loses and keeps what was forced; its faults reach the caller. */
class SimulatedDiskTest {
    private static final Path DIR = Path.of("/sim");

    private static ImageFile image(SimulatedDisk disk, String name) throws Exception {
        ImageFile image = ImageFile.create(disk, DIR.resolve(name), 1 << 20);
        disk.syncDirectory(DIR);
        return image;
    }

    private static byte[] pattern(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static byte[] read(SimulatedDisk disk, String name, long offset, int length) throws Exception {
        try (ImageFile image = ImageFile.open(disk, DIR.resolve(name), false)) {
            ByteBuffer buf = ByteBuffer.allocate(length);
            image.read(offset, buf);
            return buf.array();
        }
    }

    @Test
    void syncedWritesSurviveAndUnsyncedOnesAreTornAtPages() throws Exception {
        SimulatedDisk disk = new SimulatedDisk(1);
        ImageFile image = image(disk, "a.img");
        image.write(0, ByteBuffer.wrap(pattern(8192, 1)));
        image.datasync();
        image.write(65536, ByteBuffer.wrap(pattern(64 * 4096, 2))); // 64 pages, never synced
        SimulatedDisk.CrashReport report = disk.crash();
        assertArrayEquals(pattern(8192, 1), read(disk, "a.img", 0, 8192));
        assertTrue(report.pagesKept() > 0 && report.pagesDropped() > 0, report.toString());
        assertEquals(1, report.tornWrites(), report.toString());
        byte[] after = read(disk, "a.img", 65536, 64 * 4096);
        for (int page = 0; page < 64; page++) {
            byte first = after[page * 4096];
            assertTrue(first == 0 || first == 2, "page " + page + " reads " + first);
            for (int i = 1; i < 4096; i++) {
                assertEquals(first, after[page * 4096 + i], "a page survives whole or not at all");
            }
        }
        assertEquals(
                BlockError.IO,
                assertThrows(BlockIoException.class, () -> image.read(0, ByteBuffer.allocate(1)))
                        .error(),
                "descriptors die with the machine");
    }

    @Test
    void renameWithoutDirectoryFsyncMayVanishAndAtomicReplaceDoesNot() throws Exception {
        int vanished = 0;
        for (long seed = 0; seed < 20; seed++) {
            SimulatedDisk disk = new SimulatedDisk(seed);
            AtomicFile.replace(disk, DIR.resolve("catalog.json"), new byte[] {1});
            var tmp = disk.open(DIR.resolve("other.tmp"), Disk.OpenMode.CREATE_NEW);
            tmp.fsync();
            disk.rename(DIR.resolve("other.tmp"), DIR.resolve("other"));
            disk.crash();
            assertArrayEquals(new byte[] {1}, disk.readAll(DIR.resolve("catalog.json")));
            vanished += disk.exists(DIR.resolve("other")) ? 0 : 1;
        }
        assertTrue(vanished > 0 && vanished < 20, "renames lost without a directory fsync: " + vanished + " of 20");
    }

    @Test
    void listingShowsTheDirectoryAsTheLastCrashLeftIt() throws Exception {
        SimulatedDisk disk = new SimulatedDisk(5);
        image(disk, "b.img").close();
        image(disk, "a.img").close();
        disk.open(DIR.resolve("c.log"), Disk.OpenMode.CREATE_NEW).close(); // its entry never synced
        disk.open(Path.of("/elsewhere/d.img"), Disk.OpenMode.CREATE_NEW).close();
        assertEquals(
                List.of(DIR.resolve("a.img"), DIR.resolve("b.img"), DIR.resolve("c.log")),
                disk.list(DIR),
                "every entry of this directory, in name order");
        disk.crashAtSync(1);
        disk.syncDirectory(DIR); // the power fails before this sync: c.log's entry may go
        disk.crash();
        assertEquals(
                List.of(DIR.resolve("a.img"), DIR.resolve("b.img")),
                disk.list(DIR).stream().filter(p -> !p.endsWith("c.log")).toList());
        assertEquals(disk.exists(DIR.resolve("c.log")), disk.list(DIR).contains(DIR.resolve("c.log")));
    }

    @Test
    void powerFailsAtTheChosenSyncAndLaterWritesAreLost() throws Exception {
        SimulatedDisk disk = new SimulatedDisk(3);
        ImageFile image = image(disk, "b.img");
        disk.crashAtSync(2);
        image.write(0, ByteBuffer.wrap(pattern(4096, 7)));
        image.datasync(); // the first sync: durable
        assertFalse(disk.powerFailed());
        image.write(4096, ByteBuffer.wrap(pattern(4096, 8)));
        image.datasync(); // the power fails here, before this sync
        assertTrue(disk.powerFailed());
        image.write(8192, ByteBuffer.wrap(pattern(4096, 9)));
        image.datasync(); // after the power failed: nothing of it counts
        disk.crash();
        assertArrayEquals(pattern(4096, 7), read(disk, "b.img", 0, 4096));
        assertArrayEquals(new byte[4096], read(disk, "b.img", 8192, 4096));
    }

    @Test
    void injectedErrorsReachTheCallerWithTheirErrno() throws Exception {
        SimulatedDisk disk = new SimulatedDisk(4);
        ImageFile image = image(disk, "c.img");
        disk.fail(p -> p.endsWith("c.img"), SimulatedDisk.Op.WRITE, 28);
        BlockIoException full = assertThrows(BlockIoException.class, () -> image.write(0, ByteBuffer.allocate(512)));
        assertEquals(BlockError.NO_SPACE, full.error());
        disk.clearFaults();
        disk.fail(p -> p.endsWith("c.img"), SimulatedDisk.Op.SYNC, 5);
        assertEquals(
                BlockError.IO,
                assertThrows(BlockIoException.class, image::datasync).error());
    }
}
