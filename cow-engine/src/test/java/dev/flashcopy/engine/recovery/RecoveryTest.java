package dev.flashcopy.engine.recovery;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.journal.CheckpointFile;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.journal.JournalFile;
import dev.flashcopy.engine.journal.RecordType;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.GenerationChange;
import dev.flashcopy.engine.relationship.RelationshipCatalog;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import dev.flashcopy.engine.storage.DamagedMetadataException;
import dev.flashcopy.engine.volume.ImageFile;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Checkpoint plus replay rebuilds exactly the live bitmaps; a torn tail is cut and reported. */
class RecoveryTest {
    @TempDir
    Path dir;

    private static RelationshipCatalog.Content catalog(long... ids) {
        return new RelationshipCatalog.Content(
                1,
                100,
                Arrays.stream(ids)
                        .mapToObj(id -> new RelationshipRecord(
                                id,
                                "s",
                                "t" + id,
                                0,
                                CopyMode.COPY,
                                false,
                                false,
                                4096,
                                4096L * 5000,
                                "2025-01-01T00:00:00Z",
                                0))
                        .toList());
    }

    @Test
    void checkpointPlusReplayEqualsLiveBitmap() throws Exception {
        ImageFile image = ImageFile.create(dir.resolve("t.img"), 4096);
        GrainBitmap live = GrainBitmap.allSet(5000);
        Random rnd = new Random(5);
        try (Journal journal = new Journal(
                JournalFile.open(dir.resolve(Recovery.JOURNAL_FILE)),
                dir.resolve(Recovery.CHECKPOINT_FILE),
                0,
                1 << 20)) {
            for (int i = 0; i < 400; i++) {
                long from = rnd.nextInt(5000);
                journal.clear(1, live, from, Math.min(5000, from + 1 + rnd.nextInt(20)), image);
                if (i == 150) {
                    journal.checkpoint(() -> Map.of(1L, BitmapSet.of(live)));
                }
                if (i % 37 == 0) {
                    journal.commitAll();
                }
            }
            journal.commitAll();
        }
        Recovery.Result r = Recovery.run(dir, catalog(1));
        r.journal().close();
        GrainBitmap rebuilt = r.bitmaps().get(1L).toCopy();
        assertEquals(live.count(), rebuilt.count());
        assertEquals(
                GrainBitmap.andNot(live, rebuilt).count()
                        + GrainBitmap.andNot(rebuilt, live).count(),
                0);
        assertTrue(r.report().get(3).contains("applied"), r.report().toString());
        image.close();
    }

    @Test
    void tornTailIsTruncatedAndItsGrainsStayToCopy() throws Exception {
        ImageFile image = ImageFile.create(dir.resolve("t.img"), 4096);
        GrainBitmap live = GrainBitmap.allSet(5000);
        try (Journal journal = new Journal(
                JournalFile.open(dir.resolve(Recovery.JOURNAL_FILE)),
                dir.resolve(Recovery.CHECKPOINT_FILE),
                0,
                1 << 20)) {
            for (int i = 0; i < 12; i++) {
                journal.commit(journal.clear(1, live, i * 10L, i * 10L + 10, image));
            }
        }
        Path jf = dir.resolve(Recovery.JOURNAL_FILE);
        try (RandomAccessFile raf = new RandomAccessFile(jf.toFile(), "rw")) {
            raf.seek(512);
            raf.write(new byte[92]); // records 10 and 11 end in a sector that never reached the disk
        }
        Recovery.Result r = Recovery.run(dir, catalog(1, 2));
        r.journal().close();
        assertEquals(4900, r.bitmaps().get(1L).toCopy().count(), "only the first ten records survived");
        assertEquals(5000, r.bitmaps().get(2L).toCopy().count(), "a relationship without records is all to copy");
        assertTrue(
                r.report().get(2).contains("truncated 49 byte(s)"), r.report().get(2));
        Recovery.Result again = Recovery.run(dir, catalog(1));
        again.journal().close();
        assertTrue(
                again.report().get(2).contains("no torn tail"), again.report().get(2));
        image.close();
    }

    @Test
    void flippedBitInAnOldRecordRefusesTheDirectoryAndCutsNothing() throws Exception {
        ImageFile image = ImageFile.create(dir.resolve("t.img"), 4096);
        GrainBitmap live = GrainBitmap.allSet(5000);
        try (Journal journal = new Journal(
                JournalFile.open(dir.resolve(Recovery.JOURNAL_FILE)),
                dir.resolve(Recovery.CHECKPOINT_FILE),
                0,
                1 << 20)) {
            for (int i = 0; i < 10; i++) {
                journal.commit(journal.clear(1, live, i * 10L, i * 10L + 10, image));
            }
        }
        Path jf = dir.resolve(Recovery.JOURNAL_FILE);
        byte[] before = Files.readAllBytes(jf);
        byte[] damaged = before.clone();
        damaged[16 + 2 * 49 + 30] ^= 4; // the third record's grain range: a durable clear, followed by seven more
        Files.write(jf, damaged);
        DamagedMetadataException e = assertThrows(DamagedMetadataException.class, () -> Recovery.run(dir, catalog(1)));
        assertEquals(16 + 2 * 49, e.offset());
        assertTrue(
                e.getMessage().contains(jf.toString())
                        && e.getMessage().contains("offset " + (16 + 2 * 49))
                        && e.getMessage().contains("flashcopy fsck --data"),
                e.getMessage());
        assertFalse(e.getMessage().contains("\n"), "one line");
        assertArrayEquals(damaged, Files.readAllBytes(jf), "nothing is cut");
        image.close();
    }

    @Test
    void recordsOfWithdrawnRelationshipsAreIgnored() throws Exception {
        ImageFile image = ImageFile.create(dir.resolve("t.img"), 4096);
        try (Journal journal = new Journal(
                JournalFile.open(dir.resolve(Recovery.JOURNAL_FILE)),
                dir.resolve(Recovery.CHECKPOINT_FILE),
                0,
                1 << 20)) {
            journal.commit(journal.clear(9, GrainBitmap.allSet(5000), 0, 10, image));
        }
        CheckpointFile.write(dir.resolve(Recovery.CHECKPOINT_FILE), 0, Map.of());
        Recovery.Result r = Recovery.run(dir, catalog(1));
        r.journal().close();
        assertEquals(List.of(1L), List.copyOf(r.bitmaps().keySet()));
        assertEquals(1, r.lastSeq());
        image.close();
    }

    @Test
    void changeRecordsReplayAndAResyncTheCheckpointMissedIsApplied() throws Exception {
        ImageFile image = ImageFile.create(dir.resolve("t.img"), 4096);
        BitmapSet live = BitmapSet.established(5000);
        try (Journal journal = new Journal(
                JournalFile.open(dir.resolve(Recovery.JOURNAL_FILE)),
                dir.resolve(Recovery.CHECKPOINT_FILE),
                0,
                1 << 20)) {
            journal.clear(1, live.toCopy(), 0, 100, image);
            journal.checkpoint(() -> Map.of(1L, live));
            journal.mark(RecordType.SOURCE_CHANGED, 1, live.sourceChanged(), 10, 20);
            journal.mark(RecordType.TARGET_CHANGED, 1, live.targetChanged(), 30, 31);
            journal.commitAll();
        }
        RelationshipRecord r0 = catalog(1).relationships().get(0);
        RelationshipRecord resynced = new RelationshipRecord(
                1,
                "s",
                "t1",
                0,
                CopyMode.COPY,
                true,
                false,
                4096,
                4096L * 5000,
                r0.establishedAt(),
                0,
                true,
                1,
                GenerationChange.RESYNC,
                "2025-01-02T00:00:00Z",
                7);
        Recovery.Result r = Recovery.run(dir, new RelationshipCatalog.Content(1, 100, List.of(resynced)));
        r.journal().close();
        BitmapSet got = r.bitmaps().get(1L);
        assertEquals(1, got.generation());
        assertEquals(5000 - 100 + 11, got.toCopy().count(), "grains 10..19 and 30 are to copy again");
        assertTrue(got.sourceChanged().isEmpty() && got.targetChanged().isEmpty(), "recording starts afresh");
        assertTrue(
                r.report().get(3).contains("resync/reverse applied"), r.report().toString());
        image.close();
    }
}
