package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.refresh.ResyncOptions;
import dev.flashcopy.engine.refresh.ReverseOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Change recording, resyncflash and reverseflash, one behaviour per test. */
class IncrementalBehaviourTest {
    private static final int G = 4096;
    private static final int N = 16;
    private static final EstablishOptions RECORD_NOCOPY = EstablishOptions.defaults()
            .withMode(CopyMode.NOCOPY)
            .withGrainSize(G)
            .withRecording(true);
    private static final ReverseOptions FAST = new ReverseOptions(true, true, true);

    @TempDir
    Path dir;

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static PairSpec pair(String s, String t) {
        return new PairSpec(s, t);
    }

    private static EngineFixture sourceWithData(Path dir) throws Exception {
        return EngineFixture.withLetteredVolume(dir, "s", N, G);
    }

    private RelationshipView view(EngineFixture fx, String s, String t) {
        return fx.engine.relationships().list(s + ":" + t).get(0);
    }

    @Test
    void recordingCountsChangedGrainsOnBothSides() throws Exception {
        try (EngineFixture fx = sourceWithData(dir)) {
            fx.establish("s", "t", RECORD_NOCOPY);
            RelationshipView v = view(fx, "s", "t");
            assertTrue(v.recording() && v.persistent() && !v.revertible(), v.toString());
            fx.fill("s", 1 * G + 5, 10, 'X');
            fx.fill("s", 2 * G, 2 * G, 'X'); // grains 2, 3
            fx.fill("t", 3 * G + 1, 10, 'Y');
            fx.fill("t", 9 * G, G, 'Y');
            v = view(fx, "s", "t");
            assertEquals(3, v.changedSourceGrains());
            assertEquals(2, v.changedTargetGrains());
        }
    }

    @Test
    void resyncCopiesOnlyChangedGrains() throws Exception {
        try (EngineFixture fx = sourceWithData(dir)) {
            fx.establish("s", "t", RECORD_NOCOPY.withMode(CopyMode.COPY));
            while (fx.engine.copies().step("s", "t", 1 << 20) > 0) {
                // background copy to completion
            }
            fx.fill("s", 1 * G, 10, 'X');
            fx.fill("s", 4 * G, G, 'X');
            fx.fill("t", 4 * G + 7, 3, 'Y');
            fx.fill("t", 12 * G, 2 * G, 'Y'); // grains 12, 13
            List<RelationshipView> after = fx.engine.resync(List.of(pair("s", "t")), ResyncOptions.recordAgain());
            assertEquals(4, after.get(0).outOfSyncGrains(), "grains 1, 4, 12, 13: the union of changed");
            assertEquals(0, after.get(0).changedSourceGrains() + after.get(0).changedTargetGrains());
            assertArrayEquals(fx.read("s", 0, N * G), fx.read("t", 0, N * G), "target is the source at the new T0");
            int copied = 0;
            while (fx.engine.copies().step("s", "t", G) > 0) {
                copied++;
            }
            assertEquals(3, copied + 0, "the background copy restarted for just those grains (three runs)");
        }
    }

    @Test
    void resyncBacksOutTargetWrites() throws Exception {
        try (EngineFixture fx = sourceWithData(dir)) {
            fx.establish("s", "t", RECORD_NOCOPY);
            fx.fill("t", 5 * G, G, 'Y');
            fx.fill("t", 6 * G + 100, 1, 'Y');
            fx.fill("s", 7 * G, G, 'X');
            fx.engine.resync(List.of(pair("s", "t")), ResyncOptions.recordAgain());
            assertArrayEquals(fx.read("s", 0, N * G), fx.read("t", 0, N * G));
            fx.fill("s", 5 * G, N * G - 5 * G, 'Z'); // the new T0 holds under source writes
            byte[] t = fx.read("t", 5 * G, 3 * G);
            assertEquals('a' + 5, t[0]);
            assertEquals('a' + 6, t[G + 100]);
            assertEquals('X', t[2 * G]);
        }
    }

    @Test
    void resyncRefusedWithoutRecord() throws Exception {
        try (EngineFixture fx = sourceWithData(dir)) {
            fx.establish("s", "t", RECORD_NOCOPY.withRecording(false));
            Exception e = assertThrows(
                    IllegalStateException.class,
                    () -> fx.engine.resync(List.of(pair("s", "t")), ResyncOptions.recordAgain()));
            assertTrue(e.getMessage().contains("does not record changes"), e.getMessage());
            // Without --record the resync works once, and then the pair cannot be resynced again.
            fx.engine.establish(List.of(pair("s", "u")), RECORD_NOCOPY);
            fx.engine.resync(List.of(pair("s", "u")), new ResyncOptions(false, false, false, OptionalLong.of(5)));
            assertEquals(5, view(fx, "s", "u").seqnum());
            assertThrows(
                    IllegalStateException.class,
                    () -> fx.engine.resync(List.of(pair("s", "u")), ResyncOptions.recordAgain()));
        }
    }

    @Test
    void resyncOfAnOlderTargetKeepsTheOthersPointsInTime() throws Exception {
        try (EngineFixture fx = sourceWithData(dir)) {
            fx.establish("s", "t1", RECORD_NOCOPY);
            byte[] t1At = fx.read("s", 0, N * G);
            fx.fill("s", 0, G, 'P'); // t1 gets grain 0
            fx.establish("s", "t2", RECORD_NOCOPY);
            byte[] t2At = fx.read("s", 0, N * G);
            fx.fill("s", 2 * G, G, 'Q'); // copied to t2 only; t1 reads grain 2 through t2
            fx.engine.resync(List.of(pair("s", "t1")), ResyncOptions.recordAgain());
            byte[] t1New = fx.read("s", 0, N * G);
            fx.fill("s", 0, N * G, 'R');
            assertArrayEquals(t2At, fx.read("t2", 0, N * G), "t2 keeps its point in time");
            assertArrayEquals(t1New, fx.read("t1", 0, N * G), "t1 is the source at its new T0");
            assertFalse(Arrays.equals(t1At, t1New));
            fx.reopen();
            assertArrayEquals(t2At, fx.read("t2", 0, N * G));
            assertArrayEquals(t1New, fx.read("t1", 0, N * G));
        }
    }

    @Test
    void reverseRestoresTargetPointInTimeToSource() throws Exception {
        try (EngineFixture fx = sourceWithData(dir)) {
            fx.establish("s", "t", RECORD_NOCOPY.withMode(CopyMode.COPY));
            while (fx.engine.copies().step("s", "t", 1 << 20) > 0) {
                // full copy first: a plain reverse needs it
            }
            fx.fill("t", 11 * G, 10, 'Y');
            byte[] want = fx.read("t", 0, N * G);
            fx.fill("s", 0, 8 * G, 'X');
            RelationshipView r = fx.engine.reverse("s", "t", new ReverseOptions(true, true, false));
            assertEquals("t", r.source());
            assertEquals("s", r.target());
            assertEquals(9, r.outOfSyncGrains(), "grains 0..7 changed on the source, 11 on the target");
            assertArrayEquals(want, fx.read("s", 0, N * G), "the source reads the restored data at once");
            assertThrows(
                    NoSuchElementException.class,
                    () -> fx.engine.reverse("s", "t", new ReverseOptions(true, true, false)));
            while (fx.engine.copies().step("t", "s", G) > 0) {
                // copy back
            }
            assertArrayEquals(want, fx.read("s", 0, N * G));
            fx.crashAndReopen();
            assertArrayEquals(want, fx.read("s", 0, N * G));
            assertArrayEquals(want, fx.read("t", 0, N * G));
        }
    }

    @Test
    void reverseRefusedUntilCopiedWithoutFast() throws Exception {
        try (EngineFixture fx = sourceWithData(dir)) {
            fx.establish("s", "t", RECORD_NOCOPY);
            Exception e = assertThrows(
                    IllegalStateException.class,
                    () -> fx.engine.reverse("s", "t", new ReverseOptions(true, true, false)));
            assertTrue(e.getMessage().contains("--fast"), e.getMessage());
            fx.store.create("v", N * G);
            fx.establish("v", "w", RECORD_NOCOPY.withRecording(false));
            e = assertThrows(IllegalStateException.class, () -> fx.engine.reverse("v", "w", FAST));
            assertTrue(e.getMessage().contains("does not record"), e.getMessage());
        }
    }

    @Test
    void fastReverseWorksBeforeCopyCompletes() throws Exception {
        try (EngineFixture fx = sourceWithData(dir)) {
            byte[] t0 = fx.read("s", 0, N * G);
            fx.establish("s", "t", RECORD_NOCOPY);
            fx.fill("s", 2 * G, 3 * G, 'X');
            fx.fill("t", 10 * G + 3, 3, 'Y');
            byte[] want = fx.read("t", 0, N * G);
            byte[] tWant = want.clone();
            fx.engine.reverse("s", "t", FAST);
            assertArrayEquals(want, fx.read("s", 0, N * G), "source has the target's point in time");
            assertArrayEquals(tWant, fx.read("t", 0, N * G), "the new source reads grains it never copied");
            assertFalse(Arrays.equals(t0, want));
            fx.fill("t", 0, 10, 'T'); // new source: its borrowed grain comes home first
            fx.fill("s", G + 1, 10, 'S'); // new target: copies its view first
            System.arraycopy(filled(10, 'T'), 0, tWant, 0, 10);
            byte[] sWant = want.clone();
            System.arraycopy(filled(10, 'S'), 0, sWant, G + 1, 10);
            assertArrayEquals(tWant, fx.read("t", 0, N * G));
            assertArrayEquals(sWant, fx.read("s", 0, N * G));
            Exception e = assertThrows(IllegalStateException.class, () -> fx.establish("t", "u", RECORD_NOCOPY));
            assertTrue(e.getMessage().contains("fast reverse"), e.getMessage());
            fx.crashAndReopen();
            assertArrayEquals(tWant, fx.read("t", 0, N * G));
            assertArrayEquals(sWant, fx.read("s", 0, N * G));
            fx.engine.withdraw("t", "s", false, true, OptionalLong.empty()); // borrowed grains go home first
            assertArrayEquals(tWant, fx.read("t", 0, N * G));
        }
    }

    @Test
    void changeBitmapsSurviveRestart() throws Exception {
        try (EngineFixture fx = sourceWithData(dir)) {
            fx.establish("s", "t", RECORD_NOCOPY);
            fx.fill("s", 3 * G, 10, 'X');
            fx.fill("t", 5 * G, 10, 'Y');
            fx.dev("s").flush();
            fx.crashAndReopen();
            BitmapSet b = fx.engine.relationships().bitmaps("s", "t").orElseThrow();
            assertTrue(b.sourceChanged().isSet(3) && b.sourceChanged().count() == 1, b.toString());
            assertTrue(b.targetChanged().isSet(5) && b.targetChanged().count() == 1, b.toString());
            fx.fill("s", 7 * G, 10, 'X');
            fx.reopen();
            assertEquals(2, view(fx, "s", "t").changedSourceGrains());
            fx.engine.resync(List.of(pair("s", "t")), ResyncOptions.recordAgain());
            byte[] want = fx.read("s", 0, N * G);
            fx.crashAndReopen();
            assertEquals(N, view(fx, "s", "t").outOfSyncGrains(), "nocopy: still to copy, plus changed (3, 5, 7)");
            assertEquals(0, view(fx, "s", "t").changedSourceGrains());
            fx.fill("s", 0, N * G, 'Z');
            assertArrayEquals(want, fx.read("t", 0, N * G));
        }
    }
}
