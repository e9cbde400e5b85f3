package dev.flashcopy.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.storage.rados.MetadataStore;
import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.DiskFile;
import dev.flashcopy.engine.volume.SimulatedDisk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32C;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The journal's record format, its torn-tail scan, and the checkpoint file's validation, on the file system and on
 * RADOS objects ({@link MetadataStore}).
 */
class JournalFileTest {
    @TempDir
    Path dir;

    private MetadataStore store;
    private Disk disk;

    /** Runs the test on the store {@code name}, rooted at the temporary directory. */
    private void use(String name) throws IOException {
        store = MetadataStore.open(name, dir);
        disk = store.disk();
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (store != null) {
            store.close();
        }
    }

    private Path journalWith(int records) throws IOException {
        Path p = dir.resolve("journal");
        try (JournalFile f = JournalFile.open(disk, p)) {
            for (int i = 1; i <= records; i++) {
                f.append(List.of(new JournalRecord(i, 7, i * 10L, 3)));
            }
            f.force();
        }
        return p;
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void recordsRoundTrip(String name) throws IOException {
        use(name);
        Path p = journalWith(5);
        try (JournalFile f = JournalFile.open(disk, p)) {
            JournalFile.Scan scan = f.scan();
            assertEquals(5, scan.records().size());
            assertEquals(new JournalRecord(3, 7, 30, 3), scan.records().get(2));
            assertEquals(0, scan.truncatedBytes());
            assertNull(scan.tailProblem());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void tornTailIsReportedAndTruncated(String name) throws IOException {
        use(name);
        Path p = journalWith(12); // records 10 and 11 (from 0) at [506, 604): 506 to 512 in the first sector
        zero(p, 512, 92); // the second sector never reached the disk
        try (JournalFile f = JournalFile.open(disk, p)) {
            JournalFile.Scan scan = f.scan();
            assertFalse(scan.corrupt(), scan.corruption());
            assertEquals(10, scan.records().size());
            assertEquals(
                    JournalFile.RECORD_BYTES, scan.truncatedBytes(), "the zeroed record after it reads as free space");
            assertTrue(scan.tailProblem().contains("CRC mismatch at offset 506"), scan.tailProblem());
            f.truncate(scan.validEnd());
            f.append(List.of(new JournalRecord(11, 7, 0, 1)));
            f.force();
        }
        try (JournalFile f = JournalFile.open(disk, p)) {
            assertEquals(11, f.scan().records().size(), "appends continue after the cut");
            assertEquals(0, f.scan().truncatedBytes());
        }
    }

    @Test
    void appendTornByARealPowerLossIsATornTailNeverCorruption() throws IOException {
        int torn = 0;
        for (long seed = 1; seed <= 40; seed++) {
            SimulatedDisk disk = new SimulatedDisk(seed);
            Path p = Path.of("/simulated/journal");
            disk.createDirectories(p.getParent());
            try (JournalFile f = JournalFile.open(disk, p)) {
                f.append(records(1, 81)); // ends at 3985, forced
                f.force();
                f.append(records(82, 6)); // [3985, 4279): across the page boundary at 4096, never forced
            }
            disk.crash();
            try (JournalFile f = JournalFile.open(disk, p)) {
                JournalFile.Scan scan = f.scan();
                assertFalse(scan.corrupt(), "seed " + seed + ": " + scan.corruption());
                assertTrue(scan.records().size() >= 81, "seed " + seed + ": forced records kept");
                torn += scan.tailProblem() != null ? 1 : 0;
            }
        }
        assertTrue(torn > 0, "some power losses kept part of the last append");
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void fileCutToALengthThatIsNotWholeChunksIsCorruption(String name) throws IOException {
        use(name);
        Path p = journalWith(4);
        DiskFile cut = disk.open(p, Disk.OpenMode.WRITE);
        assertEquals(0, cut.ftruncate(JournalFile.HEADER_BYTES + 2L * JournalFile.RECORD_BYTES)); // 3, 4 were durable
        cut.close();
        try (JournalFile f = JournalFile.open(disk, p)) {
            JournalFile.Scan scan = f.scan();
            assertTrue(scan.corrupt(), "a truncated file is not a torn tail");
            assertTrue(scan.corruption().contains("cut short"), scan.corruption());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void flippedBitInTheLastRecordIsCorruptionNotATornTail(String name) throws IOException {
        use(name);
        Path p = journalWith(3);
        flip(p, JournalFile.HEADER_BYTES + 3L * JournalFile.RECORD_BYTES - 12);
        try (JournalFile f = JournalFile.open(disk, p)) {
            JournalFile.Scan scan = f.scan();
            assertTrue(scan.corrupt(), "a written page with a bad record is damage: " + scan);
            assertEquals(JournalFile.HEADER_BYTES + 2L * JournalFile.RECORD_BYTES, scan.corruptOffset());
            assertTrue(scan.corruption().contains("CRC mismatch at offset " + scan.corruptOffset()), scan.corruption());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void flippedBitInAnOldRecordFollowedByValidRecordsIsCorruptionAndNothingIsCut(String name) throws IOException {
        use(name);
        Path p = journalWith(20);
        long size = size(p);
        long offset = JournalFile.HEADER_BYTES + 4L * JournalFile.RECORD_BYTES;
        flip(p, offset + 20);
        try (JournalFile f = JournalFile.open(disk, p)) {
            JournalFile.Scan scan = f.scan();
            assertTrue(scan.corrupt(), scan.toString());
            assertEquals(offset, scan.corruptOffset());
            assertTrue(scan.corruption().contains("later append"), scan.corruption());
            assertEquals(4, scan.records().size(), "the valid records before the damage");
        }
        assertEquals(size, size(p), "a scan never changes the file");
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void lostPageOfAnOlderAppendIsCorruption(String name) throws IOException {
        use(name);
        Path p = dir.resolve("journal");
        try (JournalFile f = JournalFile.open(disk, p)) {
            f.append(records(1, 200)); // 9800 bytes: pages 0 to 2
            f.force();
            f.append(records(201, 10));
            f.force();
        }
        zero(p, 4096, 4096);
        try (JournalFile f = JournalFile.open(disk, p)) {
            JournalFile.Scan scan = f.scan();
            assertTrue(scan.corrupt(), "a lost page followed by a later append: " + scan.tailProblem());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void lostPageInsideTheLastAppendIsATornTailCutAtItsFirstBadRecord(String name) throws IOException {
        use(name);
        Path p = dir.resolve("journal");
        try (JournalFile f = JournalFile.open(disk, p)) {
            f.append(records(1, 10));
            f.force();
            f.append(records(11, 200)); // the last append, never forced: a power loss kept pages 0 and 2 only
        }
        zero(p, 4096, 4096);
        try (JournalFile f = JournalFile.open(disk, p)) {
            JournalFile.Scan scan = f.scan();
            assertFalse(scan.corrupt(), scan.corruption());
            long firstBad = (4096 - JournalFile.HEADER_BYTES) / JournalFile.RECORD_BYTES;
            assertEquals(firstBad, scan.records().size());
            assertEquals(JournalFile.HEADER_BYTES + firstBad * JournalFile.RECORD_BYTES, scan.validEnd());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void recordRepeatedAtAnotherOffsetIsCorruption(String name) throws IOException {
        use(name);
        Path p = journalWith(10);
        byte[] bytes = store.read(p);
        int r = JournalFile.RECORD_BYTES;
        int h = JournalFile.HEADER_BYTES;
        System.arraycopy(bytes, h + 2 * r, bytes, h + 6 * r, r); // a write that landed at the wrong offset
        store.write(p, bytes);
        try (JournalFile f = JournalFile.open(disk, p)) {
            JournalFile.Scan scan = f.scan();
            assertTrue(scan.corrupt(), scan.toString());
            assertTrue(scan.corruption().contains("misplaced"), scan.corruption());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void versionOneJournalIsReadOnceAndEmptiedAsVersionTwo(String name) throws IOException {
        use(name);
        Path p = dir.resolve("journal");
        ByteBuffer b = ByteBuffer.allocate(16 + 41).order(ByteOrder.LITTLE_ENDIAN);
        b.put(JournalFile.MAGIC).putInt(1).putInt(0);
        ByteBuffer body = ByteBuffer.allocate(33).order(ByteOrder.LITTLE_ENDIAN);
        body.put((byte) 1).putLong(5).putLong(7).putLong(2).putLong(3);
        CRC32C crc = new CRC32C();
        crc.update(body.array());
        b.putInt(33).putInt((int) crc.getValue()).put(body.array());
        store.write(p, b.array());
        try (JournalFile f = JournalFile.open(disk, p)) {
            assertEquals(List.of(new JournalRecord(5, 7, 2, 3)), f.scan().records());
            f.reset();
            f.append(List.of(new JournalRecord(6, 7, 0, 1)));
            f.force();
        }
        try (JournalFile f = JournalFile.open(disk, p)) {
            assertEquals(List.of(new JournalRecord(6, 7, 0, 1)), f.scan().records());
            assertEquals(JournalFile.CHUNK, size(p));
        }
    }

    private static List<JournalRecord> records(long firstSeq, int count) {
        List<JournalRecord> list = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            list.add(new JournalRecord(firstSeq + i, 7, i, 1));
        }
        return list;
    }

    private void flip(Path p, long offset) throws IOException {
        byte[] bytes = store.read(p);
        bytes[(int) offset] ^= 0x10;
        store.write(p, bytes);
    }

    private void zero(Path p, long offset, int length) throws IOException {
        byte[] bytes = store.read(p);
        Arrays.fill(bytes, (int) offset, (int) offset + length, (byte) 0);
        store.write(p, bytes);
    }

    private long size(Path p) throws IOException {
        return store.read(p).length;
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void badHeaderIsRefused(String name) throws IOException {
        use(name);
        Path p = dir.resolve("journal");
        byte[] garbage = new byte[32];
        Arrays.fill(garbage, (byte) 'x');
        store.write(p, garbage);
        IOException e = assertThrows(IOException.class, () -> JournalFile.open(disk, p));
        assertTrue(e.getMessage().contains("no valid header"), e.getMessage());
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void checkpointRoundTripsAndRejectsCorruption(String name) throws IOException {
        use(name);
        GrainBitmap a = GrainBitmap.allSet(100_000);
        a.clear(5, 70_000);
        Path p = dir.resolve("checkpoint");
        CheckpointFile.write(disk, p, 42, Map.of(3L, BitmapSet.of(a), 4L, BitmapSet.of(GrainBitmap.empty(10))));
        CheckpointFile.Content c = CheckpointFile.read(disk, p);
        assertEquals(42, c.lastSeq());
        assertEquals(a.count(), c.bitmaps().get(3L).toCopy().count());
        assertEquals(0, c.bitmaps().get(4L).toCopy().count());
        byte[] bytes = store.read(p);
        bytes[bytes.length / 2] ^= 1;
        store.write(p, bytes);
        IOException e = assertThrows(IOException.class, () -> CheckpointFile.read(disk, p));
        assertTrue(e.getMessage().contains("damaged"), e.getMessage());
    }
}
