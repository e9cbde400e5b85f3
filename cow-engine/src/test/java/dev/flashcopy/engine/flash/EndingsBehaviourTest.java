package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.ending.EndingLog;
import dev.flashcopy.engine.ending.RelationshipEnding;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.refresh.ReverseOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.volume.Disk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How relationships ended, as {@code wait} reads it: one behaviour per test. */
class EndingsBehaviourTest {
    private static final int G = 4096;
    private static final int N = 16;

    @TempDir
    Path dir;

    @Test
    void forcedWithdrawOfAnIncompleteCopyIsRecordedAsWithdrawnAcrossARestart() throws Exception {
        try (EngineFixture fx = EngineFixture.withLetteredVolume(dir, "s", N, G)) {
            fx.establish(
                    "s",
                    "t",
                    EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G));
            fx.engine.withdraw("s", "t", false, true, OptionalLong.empty());
            fx.reopen();
            List<RelationshipEnding> e = fx.engine.endings().of("s", "t");
            assertEquals(1, e.size(), e.toString());
            assertEquals(RelationshipEnding.Kind.WITHDRAWN, e.get(0).kind());
            assertTrue(
                    e.get(0).reason().contains("of " + N + " grains still to copy"),
                    e.get(0).reason());
        }
    }

    @Test
    void aCopyThatEndsItselfAt100PercentIsRecordedAsCompleted() throws Exception {
        try (EngineFixture fx = EngineFixture.withLetteredVolume(dir, "s", N, G)) {
            fx.establish("s", "t", EstablishOptions.defaults().withGrainSize(G));
            while (!fx.engine.relationships().list().isEmpty()) {
                fx.engine.copies().step("s", "t", G); // the step that finds nothing left ends the relationship
            }
            List<RelationshipEnding> e = fx.engine.endings().of("s", "t");
            assertEquals(
                    List.of(RelationshipEnding.Kind.COMPLETED),
                    e.stream().map(RelationshipEnding::kind).toList());
        }
    }

    @Test
    void withdrawAfterTheCopyCompletedIsRecordedAsCompleted() throws Exception {
        try (EngineFixture fx = EngineFixture.withLetteredVolume(dir, "s", N, G)) {
            fx.establish("s", "t", EstablishOptions.defaults().withGrainSize(G).withPersistent(true));
            while (fx.engine.copies().step("s", "t", 1 << 20) > 0) {
                // background copy to completion
            }
            fx.engine.withdraw("s", "t", false, false, OptionalLong.empty());
            assertEquals(
                    RelationshipEnding.Kind.COMPLETED,
                    fx.engine.endings().of("s", "t").get(0).kind());
        }
    }

    @Test
    void withdrawingAFailedRelationshipIsRecordedAsFailedWithItsReason() throws Exception {
        try (EngineFixture fx = EngineFixture.withLetteredVolume(dir, "s", N, G)) {
            fx.establish(
                    "s",
                    "t",
                    EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G));
            fx.engine.registry().findLive("s", "t").orElseThrow().markFailed("target write failed: I/O error");
            fx.engine.withdraw("s", "t", false, false, OptionalLong.empty());
            RelationshipEnding e = fx.engine.endings().of("s", "t").get(0);
            assertEquals(RelationshipEnding.Kind.FAILED, e.kind());
            assertTrue(e.reason().startsWith("target write failed: I/O error"), e.reason());
        }
    }

    @Test
    void reverseflashRecordsThePairAsReversedNamingTheWayItRunsNowAcrossARestart() throws Exception {
        try (EngineFixture fx = EngineFixture.withLetteredVolume(dir, "s", N, G)) {
            fx.establish(
                    "s",
                    "t",
                    EstablishOptions.defaults()
                            .withMode(CopyMode.NOCOPY)
                            .withGrainSize(G)
                            .withRecording(true));
            long id = fx.engine.relationships().list().getFirst().id();
            fx.engine.reverse("s", "t", new ReverseOptions(true, true, true));
            fx.reopen();
            List<RelationshipEnding> e = fx.engine.endings().of("s", "t");
            assertEquals(1, e.size(), e.toString());
            assertEquals(RelationshipEnding.Kind.REVERSED, e.get(0).kind());
            assertEquals(id, e.get(0).id(), "the id the pair goes on under, the other way");
            assertEquals(
                    "reversed by reverseflash with " + N + " grains still to copy; it runs t:s now",
                    e.get(0).reason());
            assertEquals(List.of(), fx.engine.endings().of("t", "s"), "the reversed pair has not ended");
            assertEquals("t", fx.engine.relationships().list().getFirst().source());
        }
    }

    @Test
    void theLogKeepsTheLastThousandEndingsOfTheLastDay() throws Exception {
        Files.createDirectories(dir);
        MutableClock clock = new MutableClock(Instant.parse("2026-01-01T00:00:00Z"));
        EndingLog log = EndingLog.open(Disk.posix(), dir, clock, new ArrayList<>());
        for (int i = 0; i < EndingLog.MAX_ENTRIES + 5; i++) {
            log.record(i, "s", "t" + i, RelationshipEnding.Kind.COMPLETED, "done");
        }
        assertEquals(EndingLog.MAX_ENTRIES, log.all().size());
        assertEquals(5, log.all().get(0).id(), "the oldest go first");
        clock.now = clock.now.plus(Duration.ofHours(25));
        log.record(9999, "s", "u", RelationshipEnding.Kind.FAILED, "EIO");
        EndingLog reread = EndingLog.open(Disk.posix(), dir, clock, new ArrayList<>());
        assertEquals(
                List.of(9999L),
                reread.all().stream().map(RelationshipEnding::id).toList(),
                "endings older than a day are dropped");
    }

    @Test
    void anUnreadableLogIsSetAsideAndReported() throws Exception {
        Files.writeString(dir.resolve(EndingLog.FILE_NAME), "{not json");
        List<String> report = new ArrayList<>();
        EndingLog log = EndingLog.open(Disk.posix(), dir, Clock.systemUTC(), report);
        assertTrue(log.all().isEmpty());
        assertTrue(Files.exists(dir.resolve(EndingLog.FILE_NAME + ".unreadable")));
        assertTrue(report.get(0).contains("set aside"), report.toString());
    }

    @Test
    void aLogWhoseChecksumFailsIsSetAsideNotBelieved() throws Exception {
        List<String> report = new ArrayList<>();
        EndingLog log = EndingLog.open(Disk.posix(), dir, Clock.systemUTC(), report);
        log.record(7, "s", "t", RelationshipEnding.Kind.WITHDRAWN, "withdrawn with 3 of 16 grains still to copy");
        Path file = dir.resolve(EndingLog.FILE_NAME);
        String text = Files.readString(file);
        assertTrue(text.startsWith("FCMETA1 "), "written with the checksum line: " + text);
        // One letter of the reason changed: still valid JSON, so only the checksum can tell.
        Files.writeString(file, text.replace("3 of 16", "2 of 16"));
        EndingLog reread = EndingLog.open(Disk.posix(), dir, Clock.systemUTC(), report);
        assertTrue(reread.all().isEmpty(), reread.all().toString());
        assertTrue(Files.exists(dir.resolve(EndingLog.FILE_NAME + ".unreadable")));
        assertTrue(report.get(0).contains("set aside"), report.toString());
    }

    /** A clock the test moves by hand. */
    private static final class MutableClock extends Clock {
        Instant now;

        MutableClock(Instant now) {
            this.now = now;
        }

        @Override
        public ZoneOffset getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(ZoneId zone) {
            return this;
        }

        @Override
        public Instant instant() {
            return now;
        }
    }
}
