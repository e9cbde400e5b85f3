package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DirtyMapDevice;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.refresh.ResyncOptions;
import dev.flashcopy.engine.refresh.ReverseOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.Extent;
import dev.flashcopy.engine.revertible.Revertibles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The refusals of extent and revertible relationships, each with its reason, and their persistence. */
class ExtentRevertBehaviourTest {
    private static final int G = 65536;

    @TempDir
    Path dir;

    private static PairSpec pair(String s, String t, Extent... extents) {
        return new PairSpec(s, t, List.of(extents));
    }

    private static String refusal(
            Class<? extends Exception> kind, EngineFixture fx, PairSpec p, EstablishOptions options) {
        return assertThrows(kind, () -> fx.engine.establish(List.of(p), options))
                .getMessage();
    }

    @Test
    void extentRefusalsNameTheValueAndTheRule() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("a", 16L * G);
            fx.store.create("b", 8L * G);
            fx.store.create("c", 8L * G);
            EstablishOptions o = EstablishOptions.defaults();
            assertTrue(refusal(IllegalArgumentException.class, fx, pair("a", "b", new Extent(4096, 0, G)), o)
                    .contains("4096 is not a multiple of the grain size 64 KiB"));
            assertTrue(refusal(IllegalArgumentException.class, fx, pair("a", "b", new Extent(0, 4L * G, 8L * G)), o)
                    .contains("past the target's end"));
            assertTrue(refusal(IllegalArgumentException.class, fx, pair("a", "b", new Extent(15L * G, 0, 2L * G)), o)
                    .contains("past the source's end"));
            assertTrue(refusal(
                            IllegalArgumentException.class,
                            fx,
                            pair("a", "b", new Extent(0, 0, 2L * G), new Extent(G, 4L * G, G)),
                            o)
                    .contains("source ranges of one relationship overlap"));
            assertTrue(refusal(
                            IllegalArgumentException.class,
                            fx,
                            pair("a", "b", new Extent(0, 0, 2L * G), new Extent(4L * G, G, G)),
                            o)
                    .contains("target ranges of one relationship overlap"));
            assertTrue(refusal(IllegalArgumentException.class, fx, pair("a", "a", new Extent(0, G, 2L * G)), o)
                    .contains("on one volume, source and target ranges must not overlap"));

            fx.engine.establish(List.of(pair("a", "b", new Extent(0, 0, 2L * G))), o.withMode(CopyMode.NOCOPY));
            assertTrue(refusal(IllegalStateException.class, fx, pair("c", "b", new Extent(0, G, G)), o)
                    .contains("target range [65536, 131072) of b overlaps a target range of a:b#"));
            assertTrue(refusal(IllegalStateException.class, fx, new PairSpec("a", "c"), o)
                    .contains("is in extent relationship"));
            assertTrue(
                    fx.engine.relationships().list().stream()
                            .noneMatch(v -> v.target().equals("c")),
                    "nothing left behind");
        }
    }

    @Test
    void extentRelationshipSurvivesRestartWithItsRangesAndMissingTargetIsCreatedToFit() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("a", 4L * G);
            fx.fill("a", G, G, 0x5a);
            fx.engine.establish(
                    List.of(pair("a", "fresh", new Extent(G, 6L * G, G))),
                    EstablishOptions.defaults().withMode(CopyMode.NOCOPY));
            assertEquals(7L * G, fx.store.get("fresh").size(), "a missing target ends with its last range");
            fx.fill("a", G, 100, 0x11);
            fx.reopen();
            RelationshipView v = fx.engine.relationships().list().get(0);
            assertEquals(List.of(new Extent(G, 6L * G, G)), v.extents());
            assertEquals(1, v.totalGrains());
            byte[] want = new byte[G];
            Arrays.fill(want, (byte) 0x5a);
            assertArrayEquals(want, fx.read("fresh", 6L * G, G));
            assertArrayEquals(new byte[G], fx.read("fresh", 0, G), "outside the range: the target's own zeroes");
        }
    }

    @Test
    void inhibitedExtentTargetRefusesWritesInsideItsRangesOnly() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("a", 4L * G);
            fx.store.create("b", 4L * G);
            fx.engine.establish(
                    List.of(pair("a", "b", new Extent(0, 2L * G, G))),
                    EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withTargetWriteInhibit(true));
            assertFalse(fx.dev("b").readOnly(), "outside its range the target is an ordinary volume");
            fx.fill("b", 0, 4096, 0x33);
            BlockIoException e = assertThrows(BlockIoException.class, () -> fx.fill("b", 2L * G + 100, 10, 0x44));
            assertEquals(BlockError.PERMISSION, e.error());
            assertTrue(e.getMessage().contains("write-inhibited"), e.getMessage());
        }
    }

    @Test
    void toCopyDirtyMapOfAnExtentTargetIsInTargetOffsets() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("a", 8L * G);
            fx.store.create("b", 4L * G);
            fx.engine.establish(
                    List.of(pair("a", "b", new Extent(5L * G, G, 2L * G))),
                    EstablishOptions.defaults().withMode(CopyMode.NOCOPY));
            fx.fill("a", 6L * G, 10, 0x01); // source grain 6 copies to target grain 2
            List<String> runs = new ArrayList<>();
            ((DirtyMapDevice) fx.dev("b"))
                    .mapDirty("to-copy", 0, 4L * G, (length, dirty) -> runs.add(length / G + (dirty ? "D" : "c")));
            assertEquals(List.of("1c", "1D", "2c"), runs, "only target grain 1 still reads from the source");
        }
    }

    @Test
    void revertibleRefusalsSayWhatToDo() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 4L * G);
            fx.establish(
                    "s",
                    "plain",
                    EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withPersistent(true));
            Revertibles r = fx.engine.revertibles();
            assertTrue(assertThrows(IllegalStateException.class, () -> r.setRevertible("s", "plain"))
                    .getMessage()
                    .contains("needs a relationship made with --record --persist"));
            assertTrue(assertThrows(IllegalStateException.class, () -> r.commit("s", "plain"))
                    .getMessage()
                    .contains("run setflashrevertible first"));
            assertTrue(assertThrows(IllegalStateException.class, () -> r.revert("s", "plain"))
                    .getMessage()
                    .contains("run setflashrevertible first"));
            fx.establish(
                    "s", "t", EstablishOptions.defaults().withRecording(true).withMode(CopyMode.NOCOPY));
            RelationshipView v = r.setRevertible("s", "t");
            assertTrue(v.revertible());
            long id = v.id();
            assertTrue(Files.exists(dir.resolve("flash").resolve("revert-" + id + ".log")));
            assertTrue(assertThrows(IllegalStateException.class, () -> r.setRevertible("s", "t"))
                    .getMessage()
                    .contains("already revertible"));
            assertTrue(assertThrows(
                            IllegalStateException.class,
                            () -> fx.engine.reverse("s", "t", new ReverseOptions(true, true, true)))
                    .getMessage()
                    .contains("commitflash or revertflash"));
            fx.reopen();
            assertTrue(fx.engine.relationships().list("s:t").get(0).revertible(), "revertible after a restart");
            fx.engine.withdraw("s", "t", false, true, OptionalLong.empty());
            assertFalse(Files.exists(dir.resolve("flash").resolve("revert-" + id + ".log")));
            assertFalse(Files.exists(dir.resolve("flash").resolve("revert-" + id + ".img")));
        }
    }

    @Test
    void commitAndRevertEndRevertibilitySoResyncAndReverseWorkAgain() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 4L * G);
            fx.establish(
                    "s", "t", EstablishOptions.defaults().withRecording(true).withMode(CopyMode.NOCOPY));
            Revertibles r = fx.engine.revertibles();
            long id = r.setRevertible("s", "t").id();
            Path log = dir.resolve("flash").resolve("revert-" + id + ".log");
            RelationshipView committed = r.commit("s", "t");
            assertFalse(committed.revertible(), "DS CLI: commitflash ends revertibility");
            assertFalse(Files.exists(log), "the undo area is gone with it");
            assertEquals(
                    1,
                    fx.engine
                            .resync(List.of(new PairSpec("s", "t")), ResyncOptions.recordAgain())
                            .size());

            r.setRevertible("s", "t");
            fx.fill("t", 0, G, 'Y');
            RelationshipView reverted = r.revert("s", "t");
            assertFalse(reverted.revertible(), "DS CLI: revertflash ends revertibility");
            fx.reopen();
            assertFalse(
                    fx.engine.relationships().list("s:t").get(0).revertible(), "still not revertible after a restart");
            assertTrue(assertThrows(IllegalStateException.class, () -> r.commit("s", "t"))
                    .getMessage()
                    .contains("run setflashrevertible first"));
            RelationshipView back = fx.engine.reverse("s", "t", new ReverseOptions(true, true, true));
            assertEquals("t", back.source(), "reverseflash works again after the revert");
        }
    }

    @Test
    void staleRevertFilesOfAWithdrawnRelationshipAreSweptAtOpen() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 4L * G);
            fx.establish(
                    "s", "t", EstablishOptions.defaults().withRecording(true).withMode(CopyMode.NOCOPY));
            long live = fx.engine.revertibles().setRevertible("s", "t").id();
            Path flash = dir.resolve("flash");
            // As a withdraw that crashed after its catalog replace leaves them (id 999 was never in the catalog).
            for (String stale : List.of("revert-999.img", "revert-999.log", "revert-999.reverting.tmp")) {
                Files.writeString(flash.resolve(stale), "stale");
            }
            Files.writeString(flash.resolve("revert-notes.txt"), "not an area file");
            fx.reopen();
            assertFalse(Files.exists(flash.resolve("revert-999.img")));
            assertFalse(Files.exists(flash.resolve("revert-999.log")));
            assertFalse(Files.exists(flash.resolve("revert-999.reverting.tmp")));
            assertTrue(Files.exists(flash.resolve("revert-notes.txt")), "only area files are swept");
            assertTrue(Files.exists(flash.resolve("revert-" + live + ".log")), "a live area stays");
            assertTrue(fx.engine.relationships().list("s:t").get(0).revertible());
        }
    }
}
