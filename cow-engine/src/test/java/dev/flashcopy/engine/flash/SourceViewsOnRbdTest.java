package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.image.PointInTimeViews;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.RelationshipState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Relationships whose T0 a snapshot of the source keeps (RBD, {@code SourceView}): source writes copy nothing, each
 * target reads T0 from its own view, a target that records changes joins behind them on copy-on-write, and every way
 * a view ends (withdraw, a cascade, a completed copy, a restart, a crash, a view gone behind the engine's back, one
 * left by a crash) leaves targets at T0 and no view behind. The behaviour and reference-model tests run on RBD too, over views; these check the views themselves.
 */
@OnRbd
class SourceViewsOnRbdTest {
    private static final int G = 64 * 1024;
    private static final int GRAINS = 16;
    private static final EstablishOptions NOCOPY =
            EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G);

    @TempDir
    Path dir;

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    /** The engine's snapshots of {@code volume}, once the worker that takes and removes them is idle. */
    private static List<String> views(EngineFixture fx, String volume) throws Exception {
        assertTrue(fx.engine.awaitSourceViews(Duration.ofSeconds(60)), "the view worker settles");
        return ((PointInTimeViews) fx.store.get(volume).image()).views();
    }

    private static long toCopy(EngineFixture fx, String source, String target) {
        return fx.engine.relationships().toCopy(source, target).orElseThrow().count();
    }

    /** Volume s of GRAINS grains, all 1s, and s:t NOCOPY: the source's view is taken. */
    private EngineFixture sourceWithTarget() throws Exception {
        EngineFixture fx = new EngineFixture(dir);
        fx.store.create("s", (long) GRAINS * G);
        fx.fill("s", 0, GRAINS * G, 1);
        fx.establish("s", "t", NOCOPY);
        assertEquals(1, views(fx, "s").size(), "one view of the source: " + views(fx, "s"));
        return fx;
    }

    @Test
    void sourceWritesCopyNothingAndTheTargetReadsT0FromTheView() throws Exception {
        try (EngineFixture fx = sourceWithTarget()) {
            fx.fill("s", G / 2, 5 * G, 2);
            fx.zero("s", 8 * G, 2L * G);
            assertArrayEquals(filled(GRAINS * G, 1), fx.read("t", 0, GRAINS * G));
            assertEquals(GRAINS, toCopy(fx, "s", "t"), "nothing copied on a source write");
            // A partial target write copies the rest of its grain from the view.
            fx.fill("t", 3 * G + 100, 10, 7);
            byte[] want = filled(GRAINS * G, 1);
            Arrays.fill(want, 3 * G + 100, 3 * G + 110, (byte) 7);
            assertArrayEquals(want, fx.read("t", 0, GRAINS * G));
            assertEquals(GRAINS - 1, toCopy(fx, "s", "t"));
            fx.engine.withdraw("s", "t", false, true, OptionalLong.empty());
            assertEquals(List.of(), views(fx, "s"), "withdraw removes the view");
        }
    }

    @Test
    void aRecordingTargetJoinsBehindAViewAndEachKeepsItsPointInTime() throws Exception {
        try (EngineFixture fx = sourceWithTarget()) {
            fx.fill("s", 0, 4 * G, 2); // t's T0 now only in its view
            fx.establish("s", "t2", NOCOPY.withRecording(true)); // copy-on-write, behind t's view
            assertEquals(1, views(fx, "s").size(), "t keeps its view: " + views(fx, "s"));
            fx.fill("s", 2 * G, 6 * G, 3); // copied to t2 only
            fx.fill("t2", 9 * G + 5, 5, 8); // t2's grain 9 from the source; t is owed nothing
            byte[] t2 = filled(GRAINS * G, 1);
            Arrays.fill(t2, 0, 4 * G, (byte) 2);
            Arrays.fill(t2, 9 * G + 5, 9 * G + 10, (byte) 8);
            assertArrayEquals(filled(GRAINS * G, 1), fx.read("t", 0, GRAINS * G));
            assertArrayEquals(t2, fx.read("t2", 0, GRAINS * G));
            assertEquals(GRAINS, toCopy(fx, "s", "t"), "t got no copies: it reads its view");
            fx.crashAndReopen();
            assertArrayEquals(filled(GRAINS * G, 1), fx.read("t", 0, GRAINS * G));
            assertArrayEquals(t2, fx.read("t2", 0, GRAINS * G));
            fx.engine.withdraw("s", "t2", false, true, OptionalLong.empty()); // nothing to clean into t
            fx.fill("s", 0, GRAINS * G, 4);
            assertArrayEquals(filled(GRAINS * G, 1), fx.read("t", 0, GRAINS * G));
        }
    }

    @Test
    void eachTargetOfASourceKeepsItsOwnView() throws Exception {
        try (EngineFixture fx = sourceWithTarget()) {
            fx.fill("s", 0, 4 * G, 2);
            fx.establish("s", "t2", NOCOPY);
            assertEquals(2, views(fx, "s").size(), "a view each: " + views(fx, "s"));
            fx.fill("s", 2 * G, 6 * G, 3);
            fx.fill("t2", 5 * G + 10, 10, 9); // a target write: its grain comes from t2's own view
            byte[] t = filled(GRAINS * G, 1);
            byte[] t2 = filled(GRAINS * G, 1);
            Arrays.fill(t2, 0, 4 * G, (byte) 2);
            Arrays.fill(t2, 5 * G + 10, 5 * G + 20, (byte) 9);
            assertArrayEquals(t, fx.read("t", 0, GRAINS * G));
            assertArrayEquals(t2, fx.read("t2", 0, GRAINS * G));
            assertEquals(GRAINS, toCopy(fx, "s", "t"), "source writes copied nothing");
            assertEquals(GRAINS - 1, toCopy(fx, "s", "t2"));
            fx.engine.withdraw("s", "t", false, true, OptionalLong.empty()); // the older one: no cleaning needed
            assertArrayEquals(t2, fx.read("t2", 0, GRAINS * G));
            assertEquals(1, views(fx, "s").size());
        }
    }

    @Test
    void twoTargetsMadeBackToBackBothSwitchToTheirViews() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", (long) GRAINS * G);
            fx.fill("s", 0, GRAINS * G, 1);
            // No wait for the views: t's snapshot is being taken (up to a second) while t2 is made and copies go to it.
            fx.engine.establish(List.of(new PairSpec("s", "t")), NOCOPY);
            fx.fill("s", 0, 4 * G, 2);
            fx.engine.establish(List.of(new PairSpec("s", "t2")), NOCOPY);
            fx.fill("s", 2 * G, 6 * G, 3);
            assertEquals(2, views(fx, "s").size(), "a view each, the older one first: " + views(fx, "s"));
            long t = toCopy(fx, "s", "t");
            long t2 = toCopy(fx, "s", "t2");
            fx.fill("s", 0, GRAINS * G, 4);
            assertEquals(t, toCopy(fx, "s", "t"), "source writes copy nothing to t");
            assertEquals(t2, toCopy(fx, "s", "t2"), "nor to t2");
            byte[] t2Data = filled(GRAINS * G, 1);
            Arrays.fill(t2Data, 0, 4 * G, (byte) 2);
            assertArrayEquals(filled(GRAINS * G, 1), fx.read("t", 0, GRAINS * G));
            assertArrayEquals(t2Data, fx.read("t2", 0, GRAINS * G));
            fx.crashAndReopen();
            assertArrayEquals(filled(GRAINS * G, 1), fx.read("t", 0, GRAINS * G));
            assertArrayEquals(t2Data, fx.read("t2", 0, GRAINS * G));
        }
    }

    @Test
    void anOlderRelationshipGetsWhatANewerOneHoldsForItThenSwitches() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", (long) GRAINS * G);
            fx.fill("s", 0, GRAINS * G, 1);
            fx.reopenWithSourceViews(false); // a chain first, as an engine without views left it
            fx.establish("s", "t", NOCOPY);
            fx.fill("s", 0, 4 * G, 2); // grains 0-3 copied to t
            fx.establish("s", "t2", NOCOPY);
            fx.fill("s", 2 * G, 6 * G, 3); // grains 2-7 copied to t2: t reads 4-7 through t2 (2-3 it has)
            fx.fill("t2", 9 * G + 5, 5, 8); // t gets grain 9 first, then t2 its own copy
            assertEquals(List.of(), views(fx, "s"));
            assertEquals(GRAINS - 5, toCopy(fx, "s", "t"));
            fx.reopenWithSourceViews(true); // open offers views oldest first
            assertEquals(2, views(fx, "s").size(), "both switched: " + views(fx, "s"));
            assertEquals(GRAINS - 9, toCopy(fx, "s", "t"), "t got grains 4-7 from t2 before its view");
            long t2 = toCopy(fx, "s", "t2");
            fx.fill("s", 0, GRAINS * G, 5);
            assertEquals(GRAINS - 9, toCopy(fx, "s", "t"), "source writes copy nothing to t");
            assertEquals(t2, toCopy(fx, "s", "t2"), "nor to t2");
            byte[] t2Data = filled(GRAINS * G, 1);
            Arrays.fill(t2Data, 0, 4 * G, (byte) 2);
            Arrays.fill(t2Data, 9 * G + 5, 9 * G + 10, (byte) 8);
            assertArrayEquals(filled(GRAINS * G, 1), fx.read("t", 0, GRAINS * G));
            assertArrayEquals(t2Data, fx.read("t2", 0, GRAINS * G));
            fx.crashAndReopen();
            assertArrayEquals(filled(GRAINS * G, 1), fx.read("t", 0, GRAINS * G));
            assertArrayEquals(t2Data, fx.read("t2", 0, GRAINS * G));
        }
    }

    @Test
    void aCascadeDropsEveryViewAndEachTargetKeepsItsPointInTime() throws Exception {
        try (EngineFixture fx = sourceWithTarget()) {
            fx.fill("s", 0, 4 * G, 2);
            fx.establish("s", "t2", NOCOPY);
            assertEquals(2, views(fx, "s").size());
            fx.fill("s", 2 * G, 6 * G, 3);
            // t2 now holds grains 9 and 10 (its own writes); t still needs them from its view, not through t2.
            fx.fill("t2", 9 * G, 2 * G, 8);
            byte[] t = filled(GRAINS * G, 1);
            byte[] t2 = filled(GRAINS * G, 1);
            Arrays.fill(t2, 0, 4 * G, (byte) 2);
            Arrays.fill(t2, 9 * G, 11 * G, (byte) 8);
            fx.establish("t2", "u", NOCOPY); // a cascade from t2: the family's views go first
            assertEquals(List.of(), views(fx, "s"), "every view went when t2 became a source");
            byte[] u = t2.clone();
            fx.fill("s", 0, 8 * G, 4); // copy on write now, to t2 (and t, which reads through it)
            fx.fill("t2", 12 * G, G, 5); // t reads its grain 12 through t2, u reads t2: both get copies first
            fx.dev("t2").flush(); // the crash below keeps it
            Arrays.fill(t2, 12 * G, 13 * G, (byte) 5);
            assertArrayEquals(t, fx.read("t", 0, GRAINS * G));
            assertArrayEquals(t2, fx.read("t2", 0, GRAINS * G));
            assertArrayEquals(u, fx.read("u", 0, GRAINS * G));
            fx.crashAndReopen();
            assertArrayEquals(t, fx.read("t", 0, GRAINS * G));
            assertArrayEquals(t2, fx.read("t2", 0, GRAINS * G));
            assertArrayEquals(u, fx.read("u", 0, GRAINS * G));
            fx.engine.withdraw("t2", "u", false, true, OptionalLong.empty()); // the cascade ends: views come back
            assertEquals(2, views(fx, "s").size(), "t and t2 switch again: " + views(fx, "s"));
            long tLeft = toCopy(fx, "s", "t");
            long t2Left = toCopy(fx, "s", "t2");
            fx.fill("s", 0, GRAINS * G, 6);
            assertEquals(tLeft, toCopy(fx, "s", "t"), "source writes copy nothing again");
            assertEquals(t2Left, toCopy(fx, "s", "t2"));
            assertArrayEquals(t, fx.read("t", 0, GRAINS * G));
            assertArrayEquals(t2, fx.read("t2", 0, GRAINS * G));
        }
    }

    @Test
    void theViewOutlivesARestartAndACrash() throws Exception {
        try (EngineFixture fx = sourceWithTarget()) {
            fx.fill("s", 0, 3 * G, 2);
            fx.reopen();
            assertArrayEquals(filled(GRAINS * G, 1), fx.read("t", 0, GRAINS * G));
            fx.fill("s", 3 * G, 3 * G, 3);
            fx.crashAndReopen();
            assertArrayEquals(filled(GRAINS * G, 1), fx.read("t", 0, GRAINS * G));
            assertEquals(GRAINS, toCopy(fx, "s", "t"), "still nothing copied");
            assertEquals(1, views(fx, "s").size());
        }
    }

    @Test
    void aCompletedPersistentCopyDropsTheView() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", (long) GRAINS * G);
            fx.fill("s", 0, GRAINS * G, 1);
            fx.establish("s", "t", NOCOPY.withMode(CopyMode.COPY).withPersistent(true));
            fx.fill("s", 0, GRAINS * G, 2);
            assertEquals(0, fx.engine.copies().step("s", "t", Long.MAX_VALUE));
            fx.engine.copies().step("s", "t", Long.MAX_VALUE); // finds nothing left: the copy's end
            assertEquals(List.of(), views(fx, "s"), "a full copy needs no view");
            assertArrayEquals(filled(GRAINS * G, 1), fx.read("t", 0, GRAINS * G));
            assertEquals(
                    RelationshipState.COPIED,
                    fx.engine.relationships().list("s:t").getFirst().state());
        }
    }

    @Test
    void aViewGoneBehindTheEngineLeavesTheRelationshipInactiveNotWrong() throws Exception {
        try (EngineFixture fx = sourceWithTarget()) {
            fx.fill("s", 0, GRAINS * G, 2);
            String view = views(fx, "s").getFirst();
            fx.engine.close(); // the handle on the view closes; then someone removes the snapshot
            ((PointInTimeViews) fx.store.get("s").image()).remove(view);
            fx.reopen();
            assertEquals(
                    RelationshipState.INACTIVE,
                    fx.engine.relationships().list("s:t").getFirst().state());
            assertTrue(
                    fx.engine.recoveryReport().stream().anyMatch(l -> l.contains(view) && l.contains("inactive")),
                    "the report names the view: " + fx.engine.recoveryReport());
        }
    }

    @Test
    void aViewNoRelationshipNamesIsRemovedAtOpen() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", (long) GRAINS * G);
            PointInTimeViews s = (PointInTimeViews) fx.store.get("s").image();
            s.take("flashcopy.t0.999").close(); // as a crash between taking a view and recording it leaves one
            s.take("flashcopy.t0.999").close(); // taking it again replaces the leftover
            fx.reopen();
            assertEquals(List.of(), views(fx, "s"));
            assertTrue(fx.engine.recoveryReport().stream().anyMatch(l -> l.contains("flashcopy.t0.999")));
        }
    }
}
