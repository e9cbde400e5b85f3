package dev.flashcopy.engine.journal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The journal's record format, its torn-tail scan, and the checkpoint file's validation. */
class JournalFileTest {
    @TempDir
    Path dir;

    private Path journalWith(int records) throws IOException {
        Path p = dir.resolve("journal");
        try (JournalFile f = JournalFile.open(p)) {
            for (int i = 1; i <= records; i++) {
                f.append(List.of(new JournalRecord(i, 7, i * 10L, 3)));
            }
            f.force();
        }
        return p;
    }

    @Test
    void recordsRoundTrip() throws IOException {
        Path p = journalWith(5);
        try (JournalFile f = JournalFile.open(p)) {
            JournalFile.Scan scan = f.scan();
            assertEquals(5, scan.records().size());
            assertEquals(new JournalRecord(3, 7, 30, 3), scan.records().get(2));
            assertEquals(0, scan.truncatedBytes());
            assertNull(scan.tailProblem());
        }
    }

    @Test
    void tornTailIsReportedAndTruncated() throws IOException {
        Path p = journalWith(4);
        long full = Files.size(p);
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.setLength(full - 10); // the last record was cut short by a crash
        }
        try (JournalFile f = JournalFile.open(p)) {
            JournalFile.Scan scan = f.scan();
            assertEquals(3, scan.records().size());
            assertEquals(JournalFile.RECORD_BYTES - 10, scan.truncatedBytes());
            assertTrue(scan.tailProblem().contains("short record"), scan.tailProblem());
            f.truncate(scan.validEnd());
            f.append(List.of(new JournalRecord(9, 7, 0, 1)));
            f.force();
        }
        try (JournalFile f = JournalFile.open(p)) {
            assertEquals(4, f.scan().records().size(), "appends continue after the cut");
        }
    }

    @Test
    void corruptedLastRecordFailsItsCrc() throws IOException {
        Path p = journalWith(3);
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "rw")) {
            raf.seek(Files.size(p) - 3);
            raf.write(0x5A);
        }
        try (JournalFile f = JournalFile.open(p)) {
            JournalFile.Scan scan = f.scan();
            assertEquals(2, scan.records().size());
            assertEquals(JournalFile.RECORD_BYTES, scan.truncatedBytes());
            assertTrue(scan.tailProblem().contains("CRC"), scan.tailProblem());
        }
    }

    @Test
    void badHeaderIsRefused() throws IOException {
        Path p = dir.resolve("journal");
        Files.write(p, new byte[32]);
        IOException e = assertThrows(IOException.class, () -> JournalFile.open(p));
        assertTrue(e.getMessage().contains("no valid header"), e.getMessage());
    }

    @Test
    void checkpointRoundTripsAndRejectsCorruption() throws IOException {
        GrainBitmap a = GrainBitmap.allSet(100_000);
        a.clear(5, 70_000);
        Path p = dir.resolve("checkpoint");
        CheckpointFile.writeToCopy(p, 42, Map.of(3L, a, 4L, GrainBitmap.empty(10)));
        CheckpointFile.Content c = CheckpointFile.read(p);
        assertEquals(42, c.lastSeq());
        assertEquals(a.count(), c.bitmaps().get(3L).toCopy().count());
        assertEquals(0, c.bitmaps().get(4L).toCopy().count());
        byte[] bytes = Files.readAllBytes(p);
        bytes[bytes.length / 2] ^= 1;
        Files.write(p, bytes);
        IOException e = assertThrows(IOException.class, () -> CheckpointFile.read(p));
        assertTrue(e.getMessage().contains("corrupt"), e.getMessage());
    }
}
