package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.refresh.ResyncOptions;
import dev.flashcopy.engine.refresh.ReverseOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.Extent;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several extent relationships on one volume (dataset-level FlashCopy): made by separate establishes, they
 * share sources and targets, each keeps its own T0, a host write spanning ranges of two relationships does
 * each part's duties, they come back after a restart and a crash, and the overlap and mixing rules refuse
 * with the rule named.
 */
class ExtentSharingBehaviourTest {
    private static final int G = 65536;
    private static final EstablishOptions NOCOPY = EstablishOptions.defaults().withMode(CopyMode.NOCOPY);

    @TempDir
    Path dir;

    private static PairSpec pair(String s, String t, Extent... extents) {
        return new PairSpec(s, t, List.of(extents));
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void twoDatasetsOfOneSourceCopiedByTwoEstablishesEachKeepTheirT0() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("a", 8L * G);
            fx.store.create("b", 8L * G);
            fx.store.create("c", 8L * G);
            fx.fill("a", 0, 8 * G, 0x11);
            fx.engine.establish(List.of(pair("a", "b", new Extent(0, 4L * G, 2L * G))), NOCOPY);
            fx.fill("a", 0, 8 * G, 0x22);
            // The same source range to a second target, then a second range to the first target, and a range
            // of a within itself: three more establishes, each its own T0.
            fx.engine.establish(List.of(pair("a", "c", new Extent(0, 0, 2L * G))), NOCOPY);
            fx.engine.establish(List.of(pair("a", "b", new Extent(4L * G, 0, G))), NOCOPY);
            fx.engine.establish(List.of(pair("a", "a", new Extent(5L * G, 7L * G, G))), NOCOPY);
            assertEquals(4, fx.engine.relationships().list().size());
            fx.fill("a", 0, 7 * G, 0x33); // every source range changes at once, one write
            for (int round = 0; round < 3; round++) {
                assertArrayEquals(filled(2 * G, 0x11), fx.read("b", 4L * G, 2 * G), "b's first range: first T0");
                assertArrayEquals(filled(G, 0x22), fx.read("b", 0, G), "b's second range: second establish's T0");
                assertArrayEquals(filled(G, 0), fx.read("b", G, G), "b outside its ranges is its own");
                assertArrayEquals(filled(2 * G, 0x22), fx.read("c", 0, 2 * G), "c: its T0");
                assertArrayEquals(filled(G, 0x22), fx.read("a", 7L * G, G), "a's own target range: its T0");
                assertArrayEquals(filled(7 * G, 0x33), fx.read("a", 0, 7 * G), "the source reads its new data");
                if (round == 0) {
                    fx.reopen();
                } else if (round == 1) {
                    fx.crashAndReopen();
                }
            }
            assertEquals(4, fx.engine.relationships().list().size(), "every relationship attached again");
            // Withdrawing one leaves the others their T0.
            fx.engine.withdraw("a", "c", false, true, OptionalLong.empty());
            fx.fill("a", 0, 2 * G, 0x44);
            assertArrayEquals(filled(2 * G, 0x11), fx.read("b", 4L * G, 2 * G));
            assertArrayEquals(filled(2 * G, 0x22), fx.read("c", 0, 2 * G), "withdrawn: c keeps what it had");
            // rmflash a:b withdraws both relationships of the pair.
            fx.engine.withdraw("a", "b", false, true, OptionalLong.empty());
            assertEquals(
                    List.of("a:a"),
                    fx.engine.relationships().list().stream()
                            .map(v -> v.source() + ":" + v.target())
                            .toList());
        }
    }

    @Test
    void writeSpanningRangesOfTwoRelationshipsDoesEachPartsDuties() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("a", 8L * G);
            fx.store.create("b", 8L * G);
            fx.store.create("c", 8L * G);
            fx.fill("a", 0, 8 * G, 0x0a);
            fx.fill("b", 0, 8 * G, 0x0b);
            fx.fill("c", 0, 8 * G, 0x0c);
            // b is the target of a at [0, 2G) and the source of c at [2G, 4G); c is also the target of a.
            fx.engine.establish(List.of(pair("a", "b", new Extent(0, 0, 2L * G))), NOCOPY);
            fx.engine.establish(List.of(pair("b", "c", new Extent(2L * G, 0, 2L * G))), NOCOPY);
            fx.engine.establish(List.of(pair("a", "c", new Extent(4L * G, 2L * G, 2L * G))), NOCOPY);
            byte[] data = new byte[3 * G];
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (i % 251);
            }
            // Half in a:b's target range, half in b:c's source range; gathered from two buffers, as NBD hands it.
            fx.dev("b")
                    .write(
                            G + 100,
                            new ByteBuffer[] {ByteBuffer.wrap(data, 0, G / 2), ByteBuffer.wrap(data, G / 2, 3 * G / 2)},
                            false);
            fx.write("c", G + 100, Arrays.copyOf(data, 2 * G)); // over both of c's target ranges
            fx.write("a", 0, filled(8 * G, 0x7f));
            byte[] b = fx.read("b", 0, 4 * G);
            assertArrayEquals(filled(G + 100, 0x0a), Arrays.copyOf(b, G + 100), "b's target range before the write");
            assertArrayEquals(Arrays.copyOf(data, 2 * G), Arrays.copyOfRange(b, G + 100, 3 * G + 100));
            byte[] c = fx.read("c", 0, 6 * G);
            assertArrayEquals(filled(G + 100, 0x0b), Arrays.copyOf(c, G + 100), "c keeps b's T0 before the write");
            assertArrayEquals(Arrays.copyOf(data, 2 * G), Arrays.copyOfRange(c, G + 100, 3 * G + 100));
            assertArrayEquals(filled(G - 100, 0x0a), Arrays.copyOfRange(c, 3 * G + 100, 4 * G), "a's T0 in c");
            assertArrayEquals(filled(2 * G, 0x0c), Arrays.copyOfRange(c, 4 * G, 6 * G), "c's own past its ranges");
        }
    }

    @Test
    void overlapAndMixingRefusalsNameTheirRule() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            for (String v : List.of("a", "b", "c", "d")) {
                fx.store.create(v, 8L * G);
            }
            fx.engine.establish(List.of(pair("a", "b", new Extent(0, 2L * G, 2L * G))), NOCOPY);
            String targetTwice = assertThrows(
                            IllegalStateException.class,
                            () -> fx.engine.establish(List.of(pair("c", "b", new Extent(0, 3L * G, G))), NOCOPY))
                    .getMessage();
            assertTrue(
                    targetTwice.contains("target range [196608, 262144) of b overlaps a target range of a:b#")
                            && targetTwice.contains(
                                    "(rule: a range of a volume is the target of one relationship at most)"),
                    targetTwice);
            String targetOverSource = assertThrows(
                            IllegalStateException.class,
                            () -> fx.engine.establish(List.of(pair("c", "a", new Extent(0, G, G))), NOCOPY))
                    .getMessage();
            assertTrue(
                    targetOverSource.contains("target range [65536, 131072) of a overlaps a source range of a:b#")
                            && targetOverSource.contains(
                                    "a target range is never a source range of another relationship"),
                    targetOverSource);
            String sourceOverTarget = assertThrows(
                            IllegalStateException.class,
                            () -> fx.engine.establish(List.of(pair("b", "c", new Extent(3L * G, 0, G))), NOCOPY))
                    .getMessage();
            assertTrue(
                    sourceOverTarget.contains("source range [196608, 262144) of b overlaps a target range of a:b#"),
                    sourceOverTarget);
            String inOneRequest = assertThrows(
                            IllegalStateException.class,
                            () -> fx.engine.establish(
                                    List.of(
                                            pair("c", "d", new Extent(0, 0, G)),
                                            pair("a", "d", new Extent(4L * G, 0, G))),
                                    NOCOPY))
                    .getMessage();
            assertTrue(inOneRequest.contains("overlaps a target range of pair c:d"), inOneRequest);
            String wholeOntoExtent = assertThrows(
                            IllegalStateException.class,
                            () -> fx.engine.establish(List.of(new PairSpec("b", "d")), NOCOPY))
                    .getMessage();
            assertTrue(
                    wholeOntoExtent.contains("(rule: a volume is in whole-volume relationships or in extent"
                            + " relationships, not both)"),
                    wholeOntoExtent);
            fx.engine.establish(List.of(new PairSpec("c", "d")), NOCOPY);
            String extentOntoWhole = assertThrows(
                            IllegalStateException.class,
                            () -> fx.engine.establish(List.of(pair("a", "d", new Extent(6L * G, 6L * G, G))), NOCOPY))
                    .getMessage();
            assertTrue(
                    extentOntoWhole.contains("volume d is in whole-volume FlashCopy relationship(s) c:d#"),
                    extentOntoWhole);
            String grain = assertThrows(
                            IllegalArgumentException.class,
                            () -> fx.engine.establish(
                                    List.of(pair("a", "b", new Extent(4L * G, 4L * G, G))), NOCOPY.withGrainSize(4096)))
                    .getMessage();
            assertTrue(grain.contains("every relationship of one source uses the same grain size"), grain);
            // Ranges apart are fine: a second range of a to b, and a range of b within itself.
            fx.engine.establish(
                    List.of(
                            pair("a", "b", new Extent(4L * G, 4L * G, G)),
                            pair("b", "b", new Extent(5L * G, 6L * G, G))),
                    NOCOPY);
            assertEquals(4, fx.engine.relationships().list().size());
        }
    }

    @Test
    void recordingExtentRelationshipsOfOnePairResyncToANewT0TogetherAndRefuseReverseAndRevertible() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("a", 8L * G);
            fx.store.create("b", 8L * G);
            fx.fill("a", 0, 8 * G, 0x11);
            EstablishOptions record = NOCOPY.withRecording(true);
            fx.engine.establish(List.of(pair("a", "b", new Extent(0, 4L * G, 2L * G))), record);
            fx.engine.establish(List.of(pair("a", "b", new Extent(4L * G, 0, G))), record);
            fx.fill("a", G, 100, 0x22); // source grain 1 of the first
            fx.fill("a", 4 * G, G, 0x23); // source grain 4 of the second
            fx.fill("b", 5 * G + 8, 8, 0x24); // target of source grain 1 of the first
            fx.fill("a", 7 * G, G, 0x25); // in no range: not recorded
            fx.reopen();
            List<RelationshipView> views = fx.engine.relationships().list();
            assertEquals(
                    List.of(1L, 1L),
                    views.stream().map(RelationshipView::changedSourceGrains).toList());
            assertEquals(
                    List.of(1L, 0L),
                    views.stream().map(RelationshipView::changedTargetGrains).toList());
            assertArrayEquals(filled(G, 0x11), fx.read("b", 0, G), "the second's T0 before the resync");

            fx.engine.resync(List.of(new PairSpec("a", "b")), ResyncOptions.recordAgain());
            fx.crashAndReopen();
            assertArrayEquals(fx.read("a", 0, 2 * G), fx.read("b", 4L * G, 2 * G), "the first at the new T0");
            assertArrayEquals(filled(G, 0x23), fx.read("b", 0, G), "the second at the new T0");
            assertEquals(
                    List.of(0L, 0L),
                    fx.engine.relationships().list().stream()
                            .map(RelationshipView::changedSourceGrains)
                            .toList());
            fx.fill("a", 0, 8 * G, 0x26);
            assertArrayEquals(filled(G, 0x23), fx.read("b", 0, G), "the new T0 holds after the source changes");

            String reverse = assertThrows(
                            IllegalStateException.class,
                            () -> fx.engine.reverse("a", "b", new ReverseOptions(true, true, true)))
                    .getMessage();
            assertTrue(reverse.contains("(rule: reverseflash restores whole volumes only"), reverse);
            String revertible = assertThrows(
                            IllegalStateException.class,
                            () -> fx.engine.revertibles().setRevertible("a", "b"))
                    .getMessage();
            assertTrue(revertible.contains("(rule: revertible relationships are whole-volume)"), revertible);
        }
    }
}
