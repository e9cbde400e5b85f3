package dev.flashcopy.engine.storage.rados;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.ending.EndingLog;
import dev.flashcopy.engine.ending.RelationshipEnding;
import dev.flashcopy.engine.journal.CheckpointFile;
import dev.flashcopy.engine.journal.JournalFile;
import dev.flashcopy.engine.journal.JournalRecord;
import dev.flashcopy.engine.recovery.Recovery;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.RelationshipCatalog;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import dev.flashcopy.engine.storage.DamagedMetadataException;
import dev.flashcopy.engine.volume.Disk;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The engine's metadata files that take a {@link Disk}, each round-tripped and damaged the same way on the file
 * system and on RADOS objects: the relationship catalog, the ending log, and recovery from checkpoint plus journal.
 */
class MetadataFilesTest {
    @TempDir
    Path dir;

    private MetadataStore store;
    private Disk disk;
    private Path flash;

    private void use(String name) throws IOException {
        store = MetadataStore.open(name, dir);
        disk = store.disk();
        flash = dir.resolve("flash");
        disk.createDirectories(flash);
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (store != null) {
            store.close();
        }
    }

    private static RelationshipRecord relationship(long id) {
        return new RelationshipRecord(
                id, "s", "t" + id, 0, CopyMode.COPY, false, false, 4096, 4096L * 5000, "2025-01-01T00:00:00Z", 0);
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void relationshipCatalogRoundTripsAndDamageIsRefused(String name) throws IOException {
        use(name);
        assertEquals(RelationshipCatalog.Content.empty(), RelationshipCatalog.load(disk, flash));
        RelationshipCatalog.save(disk, flash, 3, List.of(relationship(1), relationship(2)));
        RelationshipCatalog.Content c = RelationshipCatalog.load(disk, flash);
        assertEquals(3, c.nextId());
        assertEquals(List.of(relationship(1), relationship(2)), c.relationships());
        assertEquals(List.of(flash.resolve(RelationshipCatalog.FILE_NAME)), disk.list(flash), "no .tmp left");

        Path file = flash.resolve(RelationshipCatalog.FILE_NAME);
        byte[] bytes = store.read(file);
        bytes[bytes.length - 5] ^= 4;
        store.write(file, bytes);
        assertThrows(DamagedMetadataException.class, () -> RelationshipCatalog.load(disk, flash));
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void endingLogSurvivesReopenAndAnUnreadableOneIsSetAside(String name) throws IOException {
        use(name);
        Clock clock = Clock.fixed(Instant.parse("2026-01-02T03:04:05Z"), ZoneOffset.UTC);
        List<String> report = new ArrayList<>();
        EndingLog log = EndingLog.open(disk, flash, clock, report);
        log.record(7, "s", "t", RelationshipEnding.Kind.COMPLETED, "copied");
        assertEquals(1, EndingLog.open(disk, flash, clock, report).of("s", "t").size());
        assertEquals(List.of(), report);

        store.write(flash.resolve(EndingLog.FILE_NAME), "garbage".getBytes());
        EndingLog fresh = EndingLog.open(disk, flash, clock, report);
        assertEquals(List.of(), fresh.all());
        assertEquals(1, report.size(), report.toString());
        assertTrue(disk.isRegularFile(flash.resolve(EndingLog.FILE_NAME + ".unreadable")), "set aside by a rename");
        assertFalse(disk.exists(flash.resolve(EndingLog.FILE_NAME)));
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void recoveryRebuildsBitmapsFromCheckpointAndJournal(String name) throws IOException {
        use(name);
        CheckpointFile.write(
                disk, flash.resolve(Recovery.CHECKPOINT_FILE), 0, Map.of(1L, BitmapSet.of(GrainBitmap.allSet(5000))));
        try (JournalFile journal = JournalFile.open(disk, flash.resolve(Recovery.JOURNAL_FILE))) {
            for (int i = 0; i < 12; i++) {
                journal.append(List.of(new JournalRecord(i + 1, 1, i * 10L, 10)));
                journal.force();
            }
        }
        RelationshipCatalog.Content catalog =
                new RelationshipCatalog.Content(1, 3, List.of(relationship(1), relationship(2)));
        Recovery.Result r = Recovery.run(disk, flash, catalog);
        r.journal().close();
        assertEquals(5000 - 120, r.bitmaps().get(1L).toCopy().count(), "twelve replayed clears");
        assertEquals(5000, r.bitmaps().get(2L).toCopy().count(), "a relationship without records is all to copy");
        assertEquals(12, r.lastSeq());
    }
}
