package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.tuning.FlashSettings;
import dev.flashcopy.engine.volume.CountingDisk;
import dev.flashcopy.engine.volume.Disk;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * How many I/Os a copy-on-write costs, counted at the {@link Disk} seam: a write needing several grains
 * copies them as one run (one read, one write, one journal record), grains of zeroes are punched rather than
 * written, and the background copier does not read the source's holes.
 */
class CopyOnWriteBatchingTest {
    private static final int G = 64 * 1024;
    private static final int MIB = 1 << 20;
    private static final EstablishOptions NOCOPY =
            EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G);

    @TempDir
    Path dir;

    private static byte[] random(int length, long seed) {
        byte[] b = new byte[length];
        new Random(seed).nextBytes(b);
        return b;
    }

    private static long records(EngineFixture fx) {
        Journal.Stats s = fx.engine.journal().stats();
        return s.committedRecords();
    }

    @Test
    void oneMibSourceWriteOverSixteenGrainsCopiesThemWithOneReadAndOneWrite() throws Exception {
        CountingDisk disk = new CountingDisk(Disk.posix());
        try (EngineFixture fx = new EngineFixture(dir, FlashSettings.defaults().withBackgroundCopy(false), disk)) {
            fx.store.create("s", 4L * MIB);
            byte[] t0 = random(4 * MIB, 1);
            fx.write("s", 0, t0);
            fx.establish("s", "t", NOCOPY);
            fx.engine.journal().commitAll();
            long recordsBefore = records(fx);
            disk.reset();
            fx.write("s", MIB, random(MIB, 2)); // grains 16..31, all still to copy
            assertEquals(1, disk.of("s.img").reads.sum(), "the 16 grains are read from the source in one pread");
            assertEquals(MIB, disk.of("s.img").readBytes.sum());
            assertEquals(1, disk.of("t.img").writes.sum(), "and written to the target in one pwrite");
            assertEquals(1, records(fx) - recordsBefore, "their bits clear in one journal record");
            assertEquals(16, fx.engine.familyOf("s").grainCopies());
            assertEquals(
                    48, fx.engine.relationships().toCopy("s", "t").orElseThrow().count());
            assertArrayEquals(t0, fx.read("t", 0, 4 * MIB));
        }
    }

    @Test
    void unalignedSourceWriteCopiesItsGrainsAsOneRun() throws Exception {
        CountingDisk disk = new CountingDisk(Disk.posix());
        try (EngineFixture fx = new EngineFixture(dir, FlashSettings.defaults().withBackgroundCopy(false), disk)) {
            fx.store.create("s", 2L * MIB);
            byte[] t0 = random(2 * MIB, 3);
            fx.write("s", 0, t0);
            fx.establish("s", "t", NOCOPY);
            fx.write("s", 3 * G, random(G, 4)); // grain 3 copied alone first
            disk.reset();
            fx.write("s", G + 100, random(4 * G, 5)); // grains 1..5; 3 is copied already: runs 1..2 and 4..5
            assertEquals(2, disk.of("s.img").reads.sum(), "one read per run of grains still to copy");
            assertEquals(2, disk.of("t.img").writes.sum());
            assertArrayEquals(t0, fx.read("t", 0, 2 * MIB));
        }
    }

    @Test
    void zeroGrainsInsideARunArePunchedNotWritten() throws Exception {
        CountingDisk disk = new CountingDisk(Disk.posix());
        try (EngineFixture fx = new EngineFixture(dir, FlashSettings.defaults().withBackgroundCopy(false), disk)) {
            fx.store.create("s", 2L * MIB);
            byte[] t0 = new byte[2 * MIB];
            byte[] data = random(4 * G, 6);
            System.arraycopy(data, 0, t0, 0, 4 * G); // grains 0..3 data, 4..7 zeroes, 8..15 data
            System.arraycopy(random(8 * G, 7), 0, t0, 8 * G, 8 * G);
            fx.write("s", 0, t0);
            fx.establish("s", "t", NOCOPY);
            disk.reset();
            fx.write("s", 0, random(MIB, 8));
            assertEquals(1, disk.of("s.img").reads.sum());
            assertEquals(2, disk.of("t.img").writes.sum(), "two stretches of data, the zeroes between punched");
            assertEquals(12L * G, disk.of("t.img").writeBytes.sum());
            assertArrayEquals(t0, fx.read("t", 0, 2 * MIB));
        }
    }

    @Test
    void partialTargetWriteAcrossTwoGrainsCopiesBothInOneRun() throws Exception {
        CountingDisk disk = new CountingDisk(Disk.posix());
        try (EngineFixture fx = new EngineFixture(dir, FlashSettings.defaults().withBackgroundCopy(false), disk)) {
            fx.store.create("s", MIB);
            byte[] t0 = random(MIB, 9);
            fx.write("s", 0, t0);
            fx.establish("s", "t", NOCOPY);
            disk.reset();
            byte[] small = random(4096, 10);
            fx.write("t", 2L * G - 2048, small); // the end of grain 1 and the start of grain 2
            assertEquals(1, disk.of("s.img").reads.sum(), "both partial grains in one read");
            byte[] want = t0.clone();
            System.arraycopy(small, 0, want, 2 * G - 2048, 4096);
            assertArrayEquals(want, fx.read("t", 0, MIB));
            assertEquals(
                    14, fx.engine.relationships().toCopy("s", "t").orElseThrow().count());
        }
    }

    @Test
    void backgroundCopyDoesNotReadTheSourcesHoles() throws Exception {
        CountingDisk disk = new CountingDisk(Disk.posix());
        try (EngineFixture fx = new EngineFixture(dir, FlashSettings.defaults().withBackgroundCopy(false), disk)) {
            fx.store.create("s", 16L * MIB); // sparse: only what is written below is data
            byte[] a = random(G, 11);
            byte[] b = random(2 * G, 12);
            fx.write("s", 3L * MIB, a);
            fx.write("s", 9L * MIB + G, b);
            fx.establish(
                    "s",
                    "t",
                    EstablishOptions.defaults().withMode(CopyMode.COPY).withGrainSize(G));
            disk.reset();
            long left = Long.MAX_VALUE;
            for (int i = 0; i < 100 && left > 0; i++) {
                left = fx.engine.copies().step("s", "t", 8L * MIB);
            }
            assertEquals(0, left);
            CountingDisk.Counts src = disk.of("s.img");
            long moved = src.readBytes.sum() + src.copiedBytes.sum();
            assertEquals(3L * G, moved, "only the three data grains leave the source; its holes are not read");
            byte[] t = fx.read("t", 0, 16 * MIB);
            byte[] want = new byte[16 * MIB];
            System.arraycopy(a, 0, want, 3 * MIB, G);
            System.arraycopy(b, 0, want, 9 * MIB + G, 2 * G);
            assertArrayEquals(want, t);
            assertTrue(Arrays.equals(want, fx.read("s", 0, 16 * MIB)));
        }
    }

    @Test
    void sourceWriteToAGrainCopiedEarlierWaitsForNoCommitOfOtherGrains() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 4L * MIB);
            fx.write("s", 0, random(4 * MIB, 1));
            fx.establish("s", "t", NOCOPY);
            fx.write("s", 0, random(G, 2)); // copies grain 0 and commits
            fx.write("t", 5L * G, random(G, 3)); // clears grain 5's bit: queued, not committed
            long commits = fx.engine.journal().stats().commits();
            fx.write("s", 100, random(4096, 4)); // grain 0 again: its record is durable already
            assertEquals(commits, fx.engine.journal().stats().commits(), "no commit for grain 5's record");
            fx.write("s", 5L * G + 100, random(4096, 5)); // grain 5: relies on that record
            assertEquals(commits + 1, fx.engine.journal().stats().commits(), "grain 5's record committed first");
        }
    }
}
