package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.refresh.ReverseOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.RelationshipState;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Space-efficient (NOCOPY) targets stay space-efficient: a NOCOPY target's file holds at most the grains
 * written on its source or on itself since its T0, whatever the other relationships of the family do, and a
 * reverse of a NOCOPY pair moves only the grains changed since T0. Measured as allocated bytes of the image
 * files (SEEK_DATA, what {@code lsvol} reports), besides the content.
 */
class SpaceEfficientCopyTest {
    private static final int G = 64 * 1024;
    private static final int N = 64;
    private static final EstablishOptions NOCOPY =
            EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G);
    private static final EstablishOptions COPY = NOCOPY.withMode(CopyMode.COPY);

    @TempDir
    Path dir;

    private static long allocated(EngineFixture fx, String volume) throws Exception {
        return fx.store.get(volume).image().allocatedBytes();
    }

    private static byte[] lettered(int grains) {
        byte[] b = new byte[grains * G];
        for (int g = 0; g < grains; g++) {
            Arrays.fill(b, g * G, (g + 1) * G, (byte) ('a' + g));
        }
        return b;
    }

    /** Copy steps until nothing is left, and one more, which ends a non-persistent COPY relationship. */
    private static void copyToEnd(EngineFixture fx, String source, String target) throws Exception {
        long left = Long.MAX_VALUE;
        for (int i = 0; i < 1000 && left > 0; i++) {
            left = fx.engine.copies().step(source, target, 8L * G);
        }
        if (fx.engine.relationships().list().stream()
                .anyMatch(v -> v.source().equals(source) && v.target().equals(target))) {
            fx.engine.copies().step(source, target, 8L * G);
        }
    }

    @Test
    void reverseOfNocopyRecordPairMovesOnlyTheChangedGrainAndStaysNocopy() throws Exception {
        try (EngineFixture fx = EngineFixture.withLetteredVolume(dir, "s", N, G)) {
            byte[] t0 = lettered(N);
            fx.establish("s", "t", NOCOPY.withRecording(true).withPersistent(true));
            fx.fill("s", 5L * G, G, 'X'); // one grain changed: the target's file gets its T0 data
            assertEquals(G, allocated(fx, "t"));

            RelationshipView reversed = fx.engine.reverse("s", "t", new ReverseOptions(true, true, true));

            assertEquals(CopyMode.NOCOPY, reversed.mode());
            assertEquals(RelationshipState.NOCOPY, reversed.state());
            assertArrayEquals(t0, fx.read("s", 0, N * G), "the source reads the target's point in time");
            assertArrayEquals(t0, fx.read("t", 0, N * G));
            assertEquals(G, allocated(fx, "t"), "the old target's file got nothing");
            assertEquals((long) N * G, allocated(fx, "s"));
            // A step of background copy (as the copier would, were the pair COPY) is not run for NOCOPY pairs;
            // a restart brings the same picture back from the journal.
            fx.crashAndReopen();
            assertArrayEquals(t0, fx.read("s", 0, N * G));
            assertEquals(G, allocated(fx, "t"));
            // Writes to the restored source keep the old target's point in time by copy-on-write, grain by grain.
            fx.fill("s", 9L * G, 100, 'Y');
            assertEquals(2L * G, allocated(fx, "t"));
            assertArrayEquals(t0, fx.read("t", 0, N * G));
        }
    }

    @Test
    void sourceWriteInALongChainCopiesToAndMarksOnlyTheNewest() throws Exception {
        try (EngineFixture fx = EngineFixture.withLetteredVolume(dir, "s", N, G)) {
            for (int i = 0; i < 8; i++) {
                fx.establish("s", "t" + i, NOCOPY);
            }
            fx.fill("s", 3L * G, 100, 'X');
            for (int i = 0; i < 8; i++) {
                var bits = fx.engine.relationships().bitmaps("s", "t" + i).orElseThrow();
                boolean newest = i == 7;
                assertEquals(newest ? N - 1 : N, bits.toCopy().count(), "t" + i + " to copy");
                assertEquals(newest ? 1 : 0, bits.sourceChanged().count(), "t" + i + " marked");
                assertEquals(newest ? G : 0, allocated(fx, "t" + i), "t" + i + " allocated");
            }
            assertEquals(0, view(fx, "s", "t7").changedSourceGrains(), "a mark of a non-recording pair is not shown");
        }
    }

    private static RelationshipView view(EngineFixture fx, String s, String t) {
        return fx.engine.relationships().list(s + ":" + t).get(0);
    }

    @Test
    void reverseOfCopyPairStillCopiesBackInTheBackground() throws Exception {
        try (EngineFixture fx = EngineFixture.withLetteredVolume(dir, "s", N, G)) {
            fx.establish("s", "t", COPY.withRecording(true).withPersistent(true));
            fx.fill("s", 5L * G, G, 'X');
            RelationshipView reversed = fx.engine.reverse("s", "t", new ReverseOptions(true, true, true));
            assertEquals(CopyMode.COPY, reversed.mode());
        }
    }

    @Test
    void olderNocopyTargetStaysSparseWhenNewerCopyTargetCompletesAndEnds() throws Exception {
        try (EngineFixture fx = EngineFixture.withLetteredVolume(dir, "s", N, G)) {
            byte[] t0 = lettered(N);
            fx.establish("s", "n", NOCOPY);
            fx.fill("s", 0, G, 'A'); // before the COPY target: into n
            fx.establish("s", "c", COPY); // non-persistent: ends at 100 %
            fx.fill("s", 3L * G + 10, 10, 'B'); // after: into c, n reads it through c
            while (fx.engine.relationships().toCopy("s", "c").orElseThrow().isSet(7)) {
                fx.engine.copies().step("s", "c", 8L * G);
            }
            fx.fill("s", 7L * G, G, 'C'); // after c copied grain 7: nothing copied, n reads it through c

            copyToEnd(fx, "s", "c");
            assertTrue(
                    fx.engine.relationships().list().stream()
                            .noneMatch(v -> v.target().equals("c")),
                    "c ended at 100 %");

            assertArrayEquals(t0, fx.read("n", 0, N * G), "n still reads its T0");
            assertEquals(3L * G, allocated(fx, "n"), "n holds the three grains the source changed since its T0");
            assertEquals((long) N * G, allocated(fx, "c"));
            // n reads the other grains from the source again: the next source write still copies into it.
            fx.fill("s", 20L * G, 100, 'D');
            assertEquals(4L * G, allocated(fx, "n"));
            fx.crashAndReopen();
            assertArrayEquals(t0, fx.read("n", 0, N * G));
        }
    }

    @Test
    void marksOfAWithdrawnNewerTargetStillProtectOlderOnes() throws Exception {
        try (EngineFixture fx = EngineFixture.withLetteredVolume(dir, "s", N, G)) {
            byte[] t0 = lettered(N);
            fx.establish("s", "n", NOCOPY);
            fx.establish("s", "c", COPY.withPersistent(true));
            copyToEnd(fx, "s", "c");
            fx.establish("s", "m", NOCOPY);
            fx.fill("s", 4L * G, G, 'X'); // into m only: n reads grain 4 through c, which holds the T0 data
            fx.engine.withdraw("s", "m", false, true, OptionalLong.empty()); // m's mark goes to c
            fx.fill("s", 6L * G, G, 'Y'); // c is the newest again: marked there
            fx.engine.withdraw("s", "c", false, false, OptionalLong.empty());

            assertArrayEquals(t0, fx.read("n", 0, N * G));
            assertEquals(2L * G, allocated(fx, "n"), "n got exactly the two grains the source changed");
        }
    }

    @Test
    void newerNocopyTargetThatWasWrittenStillGivesItsGrainsToTheOlderOne() throws Exception {
        try (EngineFixture fx = EngineFixture.withLetteredVolume(dir, "s", N, G)) {
            byte[] t0 = lettered(N);
            fx.establish("s", "n", NOCOPY);
            fx.establish("s", "c", COPY.withPersistent(true));
            copyToEnd(fx, "s", "c");
            fx.establish("s", "m", NOCOPY);
            fx.fill("m", 2L * G, G, 'Z'); // a whole-grain write: m holds grain 2, n reads it through c
            fx.engine.withdraw("s", "c", false, false, OptionalLong.empty());

            assertArrayEquals(t0, fx.read("n", 0, N * G), "n does not read m's own data");
            assertEquals(G, allocated(fx, "n"));
        }
    }
}
