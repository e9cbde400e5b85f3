package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.monitor.GrainMap;
import dev.flashcopy.engine.monitor.RelationshipStats;
import dev.flashcopy.engine.relationship.CopyMode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The monitoring view: counters move by exactly what host writes and copy steps did; grain maps add up. */
class FlashMonitorTest {
    private static final int G = 4096;
    private static final EstablishOptions NOCOPY =
            EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G);

    @TempDir
    Path dir;

    @Test
    void sourceWritesCountEveryGrainCopiedAndOneRecordAndCommitPerRun() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 16 * G);
            fx.fill("s", 0, 16 * G, 1);
            fx.establish("s", "t", NOCOPY);
            Journal.Stats before = fx.engine.monitor().journal();
            fx.fill("s", G / 2, 3 * G, 2); // grains 0..3
            fx.fill("s", 10 * G, 10, 3); // grain 10
            RelationshipStats st = fx.engine.monitor().relationships().getFirst();
            assertEquals("s", st.source());
            assertEquals("t", st.target());
            assertEquals(5, st.cowGrainCopies());
            assertEquals(11, st.outOfSyncGrains());
            assertEquals(0, st.backgroundCopiedBytes());
            Journal.Stats after = fx.engine.monitor().journal();
            assertEquals(2, after.commits() - before.commits(), "one group commit per write");
            assertEquals(2, after.committedRecords() - before.committedRecords(), "one record per run of grains");
            assertEquals(2, after.journalFsyncs() - before.journalFsyncs());
            assertEquals(2, after.imageSyncs() - before.imageSyncs(), "the target synced before each commit");
        }
    }

    @Test
    void backgroundCopyCountsDataBytesNotHoles() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 64 * G);
            fx.fill("s", 8 * G, 4 * G, 5); // 4 grains of data, the rest holes
            fx.establish("s", "t", NOCOPY.withMode(CopyMode.COPY).withPersistent(true));
            while (fx.engine.copies().step("s", "t", 1 << 20) > 0) {
                // copy everything
            }
            RelationshipStats st = fx.engine.monitor().relationships().getFirst();
            assertEquals(4L * G, st.backgroundCopiedBytes());
            assertEquals(0, st.outOfSyncGrains());
        }
    }

    @Test
    void grainMapBucketsAddUpToTheBitmaps() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 100 * G);
            fx.establish("s", "t", NOCOPY.withRecording(true));
            fx.fill("s", 0, 10 * G, 1); // grains 0..9: copied and changed on the source
            fx.fill("t", 99 * G, G, 2); // grain 99, whole: no longer to copy, changed on the target
            GrainMap map = fx.engine.monitor().grainMap("s", "t", 10).orElseThrow();
            assertEquals(10, map.buckets());
            assertEquals(100, map.totalGrains());
            assertArrayEquals(new long[] {0, 10, 10, 10, 10, 10, 10, 10, 10, 9}, map.toCopy());
            assertArrayEquals(new long[] {10, 0, 0, 0, 0, 0, 0, 0, 0, 0}, map.sourceChanged());
            assertArrayEquals(new long[] {0, 0, 0, 0, 0, 0, 0, 0, 0, 1}, map.targetChanged());
            long grains = 0;
            for (int i = 0; i < map.buckets(); i++) {
                grains += map.bucketGrains(i);
            }
            assertEquals(100, grains);
        }
    }

    @Test
    void grainMapNeverHasMoreBucketsThanGrains() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 3 * G);
            fx.establish("s", "t", NOCOPY);
            GrainMap map = fx.engine.monitor().grainMap("s", "t", 512).orElseThrow();
            assertEquals(3, map.buckets());
            assertArrayEquals(new long[] {1, 1, 1}, map.toCopy());
            assertTrue(fx.engine.monitor().grainMap("s", "nope", 8).isEmpty());
            assertThrows(
                    IllegalArgumentException.class, () -> fx.engine.monitor().grainMap("s", "t", 0));
        }
    }
}
