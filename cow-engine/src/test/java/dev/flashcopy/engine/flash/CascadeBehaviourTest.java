package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.establish.CascadeRules;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.refresh.ResyncOptions;
import dev.flashcopy.engine.refresh.ReverseOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.tuning.FlashSettings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** Cascaded FlashCopy (a target that is the source of further relationships), one behaviour per test. */
class CascadeBehaviourTest {
    private static final int G = 4096;
    private static final int GRAINS = 16;
    private static final EstablishOptions NOCOPY =
            EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G);

    @TempDir
    Path dir;

    /** What each volume must read: its bytes at T0 plus its own writes since (the oracle). */
    private final Map<String, byte[]> model = new HashMap<>();

    private void fill(EngineFixture fx, String volume, long offset, int length, int value) throws Exception {
        fx.fill(volume, offset, length, value);
        if (model.containsKey(volume)) { // a volume left partial by a forced withdraw is not modelled
            Arrays.fill(model.get(volume), (int) offset, (int) offset + length, (byte) value);
        }
    }

    private void establish(EngineFixture fx, String source, String target, EstablishOptions options) throws Exception {
        fx.establish(source, target, options);
        model.put(target, model.get(source).clone());
    }

    private void assertModel(EngineFixture fx, String when) throws Exception {
        for (Map.Entry<String, byte[]> e : new TreeMap<>(model).entrySet()) {
            assertArrayEquals(e.getValue(), fx.read(e.getKey(), 0, GRAINS * G), e.getKey() + " " + when);
        }
    }

    /** v0 -> v1 -> ... -> v{depth}; before each link, the volume being copied gets its own pattern in grain i. */
    private void chain(EngineFixture fx, int depth, EstablishOptions options) throws Exception {
        fx.store.create("v0", GRAINS * G);
        model.put("v0", new byte[GRAINS * G]);
        fill(fx, "v0", 0, GRAINS * G, 100);
        for (int i = 0; i < depth; i++) {
            fill(fx, "v" + i, (long) i * G, G, i + 1);
            establish(fx, "v" + i, "v" + (i + 1), options);
        }
    }

    /** Writes every volume of the chain at every grain, in a scrambled order, partial and whole grains. */
    private void overwriteAll(EngineFixture fx, int depth, int salt) throws Exception {
        for (int g = 0; g < GRAINS; g++) {
            for (int i = depth; i >= 0; i--) {
                int v = (i * 7 + g + salt) % (depth + 1);
                boolean whole = (g + v) % 2 == 0;
                fill(fx, "v" + v, (long) g * G + (whole ? 0 : 100), whole ? G : 200, 50 + salt + v);
            }
        }
    }

    @Test
    void eachLevelOfAnEightDeepCascadeReadsItsT0AfterWritesEverywhereAndACrash() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            chain(fx, 8, NOCOPY);
            for (int i = 1; i <= 8; i++) {
                assertArrayEquals(fx.read("v" + (i - 1), 0, G * i), fx.read("v" + i, 0, G * i), "v" + i + " at T0");
            }
            overwriteAll(fx, 8, 0);
            assertModel(fx, "after writes to every level");
            for (int i = 0; i <= 8; i++) {
                fx.dev("v" + i).flush();
            }
            fx.crashAndReopen();
            assertModel(fx, "after a crash");
            overwriteAll(fx, 8, 3);
            fx.reopen();
            assertModel(fx, "after more writes and a clean restart");
        }
    }

    @Test
    void multiTargetLevelsInsideACascadeKeepTheirT0() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            chain(fx, 8, NOCOPY);
            establish(fx, "v4", "x1", NOCOPY); // v4 has targets v5, x1, x2 at three T0s
            fill(fx, "v4", 0, 3 * G, 77);
            establish(fx, "v4", "x2", NOCOPY);
            establish(fx, "x1", "y1", NOCOPY); // and x1 starts a cascade of its own
            overwriteAll(fx, 8, 1);
            fill(fx, "x1", G, 2 * G + 5, 9);
            fill(fx, "x2", 5 * G, G, 9);
            fill(fx, "y1", 7 * G + 3, 11, 8);
            assertModel(fx, "after writes everywhere");
            fx.engine.withdraw("v4", "x1", false, true, OptionalLong.empty()); // middle sibling, forced
            fill(fx, "v4", 0, GRAINS * G, 12);
            model.remove("x1"); // a forced withdraw leaves x1 partial: undefined
            assertModel(fx, "after withdrawing the middle sibling");
        }
    }

    @Test
    void aSourceWriteCopiesOneGrainWhateverTheDepth() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            chain(fx, 8, NOCOPY);
            long before = totalCopies(fx, 8);
            fx.fill("v0", 9 * G, G, 1); // grain 9: untouched by chain(), so every level still reads it from v0
            assertEquals(before + 1, totalCopies(fx, 8), "one copy into v1 only");
            fx.fill("v4", 10 * G + 1, 10, 1); // a middle volume: one copy below, one into itself (partial)
            assertEquals(before + 3, totalCopies(fx, 8), "a middle write: one copy below, one into itself");
        }
    }

    private static long totalCopies(EngineFixture fx, int depth) {
        long n = 0;
        for (int i = 0; i < depth; i++) {
            n += fx.engine.familyOf("v" + i).grainCopies();
        }
        return n;
    }

    @Test
    void forcedWithdrawOfAMiddleLinkKeepsEveryDependentAtItsT0() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            chain(fx, 8, NOCOPY);
            fx.engine.withdraw("v3", "v4", false, true, OptionalLong.empty()); // v4 keeps only what it has
            fx.engine.withdraw("v6", "v7", false, true, OptionalLong.empty());
            model.remove("v4");
            model.remove("v7");
            overwriteAll(fx, 8, 2);
            assertModel(fx, "after middle withdraws");
            fx.reopen();
            assertModel(fx, "after a restart");
            assertEquals(6, fx.engine.relationships().list().size());
        }
    }

    @Test
    void backgroundCopyCompletesEveryLevelAndLeavesStandaloneCopies() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir, FlashSettings.defaults())) {
            chain(fx, 8, EstablishOptions.defaults().withGrainSize(G).withPersistent(true));
            for (int i = 1; i <= 8; i++) {
                assertTrue(
                        fx.engine.copies().awaitCopied("v" + (i - 1), "v" + i, Duration.ofSeconds(60)),
                        "v" + i + " copied");
            }
            for (int i = 1; i <= 8; i++) {
                fx.engine.withdraw("v" + (i - 1), "v" + i, false, false, OptionalLong.empty());
            }
            assertTrue(fx.engine.relationships().list().isEmpty());
            overwriteAll(fx, 8, 4);
            assertModel(fx, "standalone after the copies completed");
        }
    }

    @Test
    void cyclesAreRefusedNamingTheCycle() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            chain(fx, 3, NOCOPY);
            Exception e = assertThrows(IllegalArgumentException.class, () -> fx.establish("v3", "v0", NOCOPY));
            assertTrue(e.getMessage().contains("cycle v0 -> v1 -> v2 -> v3 -> v0"), e.getMessage());
            fx.store.create("a", GRAINS * G);
            fx.store.create("b", GRAINS * G);
            e = assertThrows(
                    IllegalArgumentException.class,
                    () -> fx.engine.establish(List.of(new PairSpec("a", "b"), new PairSpec("b", "a")), NOCOPY));
            assertTrue(e.getMessage().contains("cycle"), e.getMessage());
            assertEquals(3, fx.engine.relationships().list().size(), "nothing established");
        }
    }

    @Test
    void cascadeRulesNameTheirRule() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            chain(fx, 2, NOCOPY.withRecording(true));
            fx.store.create("x", GRAINS * G);
            fx.store.create("top", GRAINS * G);
            assertRule(
                    IllegalArgumentException.class,
                    "same grain size",
                    () -> fx.establish("v2", "y", NOCOPY.withGrainSize(2 * G)));
            assertRule(IllegalStateException.class, "cannot become a target", () -> fx.establish("top", "v0", NOCOPY));
            assertRule(
                    IllegalStateException.class,
                    "one cascade level per mkflash",
                    () -> fx.engine.establish(List.of(new PairSpec("v2", "x"), new PairSpec("x", "z")), NOCOPY));
            assertRule(
                    IllegalStateException.class,
                    "middle of a cascade",
                    () -> fx.engine.reverse("v1", "v2", new ReverseOptions(true, true, true)));
            // A leaf pair whose source is a middle volume resyncs: the new T0 is v1 as it reads now.
            fill(fx, "v1", 0, G, 42);
            fill(fx, "v2", 3 * G, 10, 43);
            fx.engine.resync(List.of(new PairSpec("v1", "v2")), ResyncOptions.recordAgain());
            model.put("v2", model.get("v1").clone());
            assertModel(fx, "after resyncing the leaf pair");
        }
    }

    @Test
    void resyncingAMiddleLinkKeepsTheLevelBelowAtItsT0() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            chain(fx, 3, NOCOPY.withRecording(true));
            establish(fx, "v1", "w", NOCOPY.withRecording(true)); // v1 has two targets: v2, then w
            fill(fx, "v0", 0, 5 * G + 3, 61); // grains the resync of v0:v1 recopies
            fill(fx, "v1", 9 * G, G, 62); // and grains v1 changed itself (backed out)
            fx.engine.resync(List.of(new PairSpec("v0", "v1")), ResyncOptions.recordAgain());
            model.put("v1", model.get("v0").clone());
            assertModel(fx, "after resyncing v0:v1");
            fill(fx, "v1", 4 * G, 8 * G, 63);
            fill(fx, "v2", 2 * G, 3 * G, 64);
            // v1's view changed under v1:w and v1:v2: their source-changed bitmaps say so, so they resync right.
            fx.engine.resync(List.of(new PairSpec("v1", "w")), ResyncOptions.recordAgain());
            model.put("w", model.get("v1").clone());
            fx.reopen();
            assertModel(fx, "after resyncing v1:w and a restart");
        }
    }

    @Test
    void aCascadeIsAtMost256Deep() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("c0", 2 * G);
            fx.fill("c0", 0, 2 * G, 5);
            for (int i = 0; i < CascadeRules.MAX_DEPTH; i++) {
                fx.establish("c" + i, "c" + (i + 1), NOCOPY);
            }
            Exception e = assertThrows(IllegalStateException.class, () -> fx.establish("c256", "c257", NOCOPY));
            assertTrue(e.getMessage().contains("at most 256 relationships in a cascade"), e.getMessage());
            fx.fill("c0", 0, 2 * G, 6);
            assertArrayEquals(fx.read("c1", 0, 2 * G), fx.read("c256", 0, 2 * G), "the deepest reads the top's T0");
            assertEquals(5, fx.read("c256", G, 1)[0]);
        }
    }

    @Test
    void aLargerMiddleVolumeCascadesBelowASourceOfWholeGrains() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("odd", 10 * G + 512);
            fx.store.create("big", GRAINS * G);
            fx.establish("odd", "big", NOCOPY);
            assertRule(IllegalStateException.class, "whole grains", () -> fx.establish("big", "below", NOCOPY));
            fx.store.create("v0", 8 * G);
            model.put("v0", new byte[GRAINS * G]); // bytes past v0's end are never read from v0
            fill(fx, "v0", 0, 8 * G, 1);
            fx.store.create("v1", GRAINS * G);
            fx.fill("v1", 8 * G, 8 * G, 2); // v1's own bytes past its source's end
            establish(fx, "v0", "v1", NOCOPY);
            Arrays.fill(model.get("v1"), 8 * G, GRAINS * G, (byte) 2);
            establish(fx, "v1", "v2", NOCOPY);
            fill(fx, "v1", 6 * G + 7, 4 * G, 3); // across the upper source's end
            fill(fx, "v0", 0, 8 * G, 4);
            model.remove("v0");
            assertModel(fx, "with a larger middle volume");
        }
    }

    @Test
    void aMissingTopVolumeLeavesTheWholeCascadeBelowItInactive() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            chain(fx, 3, NOCOPY);
            Path top = fx.store.get("v0").path();
            fx.reopen();
            Files.move(top, dir.resolve("elsewhere.img"));
            fx.reopen();
            assertEquals(
                    List.of("inactive", "inactive", "inactive"),
                    fx.engine.relationships().list().stream()
                            .map(r -> r.state().label())
                            .toList(),
                    fx.engine.recoveryReport().toString());
            assertTrue(
                    fx.engine.recoveryReport().stream()
                            .anyMatch(l -> l.contains(
                                    "v2:v3 inactive: its source is the" + " target of inactive relationship v1:v2")),
                    fx.engine.recoveryReport().toString());
            assertTrue(fx.engine.devices().acquire("v3").isEmpty(), "a level below a missing top is not exported");
        }
    }

    private static void assertRule(Class<? extends Exception> type, String words, Executable call) {
        Exception e = assertThrows(type, call);
        assertTrue(e.getMessage().contains(words), e.getMessage());
    }
}
