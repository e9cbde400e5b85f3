package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.refresh.ReverseOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.RelationshipState;
import dev.flashcopy.engine.tuning.FlashSettings;
import dev.flashcopy.engine.withdraw.WithdrawResult;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** The copy-on-write rules, the dependency chain and the admin rules, one behaviour per test. */
class FlashCopyBehaviourTest {
    private static final int G = 4096;
    private static final EstablishOptions NOCOPY =
            EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G);

    @TempDir
    Path dir;

    /**
     * Whether a source write copies its grain to the target first (the file store), or the store keeps T0 in a view
     * of the source and the write copies nothing (RBD: {@code SourceView}). The target reads T0 either way.
     */
    boolean sourceWritesCopy() {
        return true;
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void targetReadsT0AfterSourceOverwrite() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 16 * G);
            fx.fill("s", 0, 16 * G, 1);
            fx.establish("s", "t", NOCOPY);
            fx.fill("s", G / 2, 3 * G, 2); // unaligned, across grains 0..3
            assertArrayEquals(filled(16 * G, 1), fx.read("t", 0, 16 * G));
            byte[] s = fx.read("s", 0, 16 * G);
            assertEquals(2, s[G / 2]);
            assertEquals(1, s[G / 2 - 1]);
            assertEquals(
                    sourceWritesCopy() ? 12 : 16,
                    fx.engine.relationships().toCopy("s", "t").orElseThrow().count(),
                    sourceWritesCopy() ? "grains 0..3 copied, 12 left" : "T0 in the source's view: nothing copied");
        }
    }

    @Test
    void wholeGrainTargetWriteCopiesNothing() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 8 * G);
            fx.fill("s", 0, 8 * G, 7);
            fx.establish("s", "t", NOCOPY);
            fx.fill("t", 2 * G, 2 * G, 9); // grains 2 and 3 whole
            assertEquals(0, fx.engine.familyOf("t").grainCopies(), "whole grains need no copy");
            fx.fill("t", 5 * G + 10, 100, 9); // part of grain 5: copy first
            assertEquals(1, fx.engine.familyOf("t").grainCopies());
            byte[] t = fx.read("t", 0, 8 * G);
            byte[] want = filled(8 * G, 7);
            Arrays.fill(want, 2 * G, 4 * G, (byte) 9);
            Arrays.fill(want, 5 * G + 10, 5 * G + 110, (byte) 9);
            assertArrayEquals(want, t);
            assertEquals(
                    5, fx.engine.relationships().toCopy("s", "t").orElseThrow().count());
        }
    }

    @Test
    void sourceWriteCopiesToNewestTargetOnly() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 4 * G);
            fx.fill("s", 0, 4 * G, 'A');
            fx.establish("s", "t1", NOCOPY);
            fx.fill("s", G, G, 'B'); // t1 gets A for grain 1
            fx.establish("s", "t2", NOCOPY);
            long copiesBefore = fx.engine.familyOf("s").grainCopies();
            fx.fill("s", 0, G, 'C'); // only t2 (the newest) gets grain 0
            assertEquals(
                    copiesBefore + (sourceWritesCopy() ? 1 : 0),
                    fx.engine.familyOf("s").grainCopies(),
                    "one copy however many targets (none with source views)");
            assertTrue(
                    fx.engine.relationships().toCopy("s", "t1").orElseThrow().isSet(0),
                    "t1 still reads grain 0 through t2 (or its own view)");
            assertEquals(
                    !sourceWritesCopy(),
                    fx.engine.relationships().toCopy("s", "t2").orElseThrow().isSet(0));
            assertArrayEquals(filled(4 * G, 'A'), fx.read("t1", 0, 4 * G));
            byte[] t2 = filled(4 * G, 'A');
            Arrays.fill(t2, G, 2 * G, (byte) 'B');
            assertArrayEquals(t2, fx.read("t2", 0, 4 * G));
        }
    }

    @Test
    void writeToIntermediateTargetPreservesOlderTarget() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 4 * G);
            fx.fill("s", 0, 4 * G, 'A');
            fx.establish("s", "t1", NOCOPY);
            fx.establish("s", "t2", NOCOPY);
            fx.fill("t2", 0, 2 * G, 'X'); // t1 read grains 0,1 through t2: they are copied to t1 first
            assertEquals(
                    !sourceWritesCopy(), // with source views t1 reads its own, never t2
                    fx.engine.relationships().toCopy("s", "t1").orElseThrow().isSet(0));
            assertArrayEquals(filled(4 * G, 'A'), fx.read("t1", 0, 4 * G));
        }
    }

    @Test
    void withdrawIntermediateCleansOlderTarget() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 8 * G);
            fx.fill("s", 0, 8 * G, 'A');
            fx.establish("s", "t1", NOCOPY);
            fx.establish("s", "t2", NOCOPY);
            fx.fill("s", 0, 3 * G, 'B'); // t2 holds A for grains 0..2; t1 reads them through t2
            fx.establish("s", "t3", NOCOPY);
            fx.fill("s", 5 * G, G, 'C'); // t3 holds A for grain 5
            WithdrawResult r = fx.engine.withdraw("s", "t2", false, true, OptionalLong.empty());
            assertTrue(r.withdrawn());
            GrainBitmap t1 = fx.engine.relationships().toCopy("s", "t1").orElseThrow();
            for (int g = 0; g < 3; g++) {
                // With source views t1 reads its own view: nothing to clean.
                assertEquals(!sourceWritesCopy(), t1.isSet(g), "grain " + g + " cleaned into t1");
            }
            assertTrue(t1.isSet(5), "grain 5 still reads through t3");
            assertArrayEquals(filled(8 * G, 'A'), fx.read("t1", 0, 8 * G));
            fx.fill("t2", 0, 8 * G, 'Z'); // t2 is standalone now
            assertArrayEquals(filled(8 * G, 'A'), fx.read("t1", 0, 8 * G));
            assertEquals(
                    List.of("t1", "t3"), fx.engine.relationships().roles("s").targets());
        }
    }

    @Test
    void establishOfOneTebibyteSparseSourceIsInstant() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            long tib = 1L << 40;
            fx.store.create("big", tib);
            List<RelationshipView> made = fx.establish("big", "bigcopy", EstablishOptions.defaults());
            RelationshipView v = made.get(0);
            assertEquals(tib / (64 * 1024), v.totalGrains());
            assertEquals(v.totalGrains(), v.outOfSyncGrains());
            GrainBitmap bits =
                    fx.engine.relationships().toCopy("big", "bigcopy").orElseThrow();
            assertTrue(bits.sizeInBytes() < 16 * 1024, "all-set bitmap is run containers: " + bits.sizeInBytes());
            assertTrue(bits.serialize().length < 16 * 1024);
            fx.fill("big", tib - G, G, 5);
            assertArrayEquals(new byte[G], fx.read("bigcopy", tib - G, G));
            assertEquals(0, fx.store.get("bigcopy").image().allocatedBytes(), "a T0 hole is copied as a hole");
        }
    }

    @Test
    void refusalsNameTheirRule() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 8 * G);
            fx.store.create("small", 4 * G);
            fx.store.create("other", 8 * G);
            fx.establish("s", "t", NOCOPY);
            assertRule(IllegalArgumentException.class, "own target", () -> fx.establish("s", "s", NOCOPY));
            assertRule(IllegalArgumentException.class, "at least as large", () -> fx.establish("s", "small", NOCOPY));
            assertRule(IllegalStateException.class, "target of only one", () -> fx.establish("other", "t", NOCOPY));
            assertRule(IllegalArgumentException.class, "cycle s -> t -> s", () -> fx.establish("t", "s", NOCOPY));
            assertRule(IllegalStateException.class, "cannot become a target", () -> fx.establish("other", "s", NOCOPY));
            assertRule(
                    IllegalArgumentException.class,
                    "same grain size",
                    () -> fx.establish("s", "t9", NOCOPY.withGrainSize(8192)));
            assertRule(IllegalArgumentException.class, "power of two", () -> NOCOPY.withGrainSize(3000));
            List<PairSpec> many = new ArrayList<>();
            for (int i = 0; i < 256; i++) {
                many.add(new PairSpec("s", "m" + i));
            }
            assertRule(IllegalStateException.class, "at most 256", () -> fx.engine.establish(many, NOCOPY));
            assertFalse(fx.store.contains("m0"), "nothing was created by a refused establish");
            assertRule(
                    IllegalStateException.class,
                    "--force",
                    () -> fx.engine.withdraw("s", "t", false, false, OptionalLong.empty()));
            assertThrows(
                    NoSuchElementException.class,
                    () -> fx.engine.withdraw("s", "nope", false, true, OptionalLong.empty()));
            Exception e = assertThrows(IllegalStateException.class, () -> fx.store.remove("t"));
            assertTrue(e.getMessage().contains("target of FlashCopy relationship s:t"), e.getMessage());
        }
    }

    private static void assertRule(Class<? extends Exception> type, String words, Executable call) {
        Exception e = assertThrows(type, call);
        assertTrue(e.getMessage().contains(words), e.getMessage());
    }

    @Test
    void targetWriteInhibitRefusesHostWrites() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 4 * G);
            fx.establish("s", "t", NOCOPY.withTargetWriteInhibit(true));
            BlockIoException e = assertThrows(BlockIoException.class, () -> fx.fill("t", 0, 10, 1));
            assertEquals(BlockError.PERMISSION, e.error());
            assertTrue(fx.dev("t").readOnly());
            assertFalse(fx.dev("s").readOnly(), "the source stays writable");
            fx.engine.withdraw("s", "t", false, true, OptionalLong.empty());
            assertFalse(fx.dev("t").readOnly(), "standalone again");
            fx.fill("t", 0, 10, 1);
        }
    }

    @Test
    void readOnlyFollowsTheInhibitedTargetThroughCascadeRestartAndReverse() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 4 * G);
            fx.establish("s", "t", NOCOPY.withTargetWriteInhibit(true).withRecording(true));
            fx.establish("t", "u", NOCOPY);
            assertTrue(fx.dev("t").readOnly(), "a cascade's middle volume is still an inhibited target");
            assertFalse(fx.dev("u").readOnly());
            fx.reopen();
            assertTrue(fx.dev("t").readOnly(), "inhibited after a restart too");
            assertFalse(fx.dev("s").readOnly());
            fx.engine.withdraw("t", "u", false, true, OptionalLong.empty());
            fx.engine.reverse("s", "t", new ReverseOptions(true, true, true));
            assertFalse(fx.dev("t").readOnly(), "the old target is the source now");
            assertEquals(
                    fx.engine.relationships().list().getFirst().targetWriteInhibit(),
                    fx.dev("s").readOnly(),
                    "the old source is read-only exactly when its reversed relationship inhibits it");
        }
    }

    @Test
    void copyModeEndsNonPersistentRelationshipAndLeavesTargetSparse() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir, FlashSettings.defaults())) {
            long size = 64L * 64 * 1024;
            fx.store.create("s", size);
            fx.fill("s", 0, 64 * 1024, 3);
            fx.fill("s", 40L * 64 * 1024, 64 * 1024, 4);
            fx.establish("s", "t", EstablishOptions.defaults());
            assertTrue(fx.engine.copies().awaitCopied("s", "t", Duration.ofSeconds(20)));
            for (int i = 0; i < 2000 && !fx.engine.relationships().list().isEmpty(); i++) {
                Thread.sleep(5);
            }
            assertTrue(fx.engine.relationships().list().isEmpty(), "non-persistent COPY ended at 100 %");
            assertEquals(2 * 64 * 1024, fx.store.get("t").image().allocatedBytes(), "holes stayed holes");
            assertArrayEquals(fx.read("s", 0, (int) size), fx.read("t", 0, (int) size));
        }
    }

    @Test
    void persistentCopyStaysCopied() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 8 * G);
            fx.fill("s", 0, 8 * G, 3);
            fx.establish("s", "t", EstablishOptions.defaults().withGrainSize(G).withPersistent(true));
            while (fx.engine.copies().step("s", "t", 3 * G) > 0) {
                // step until copied
            }
            RelationshipView v = fx.engine.relationships().list("s:t").get(0);
            assertEquals(RelationshipState.COPIED, v.state());
            assertEquals(100.0, v.copiedPercent());
            assertTrue(fx.engine
                    .withdraw("s", "t", false, false, OptionalLong.empty())
                    .withdrawn());
        }
    }

    @Test
    void targetAllocationFollowsTheViewHolder() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 8 * G);
            fx.fill("s", 2 * G, G, 1);
            fx.establish("s", "t", NOCOPY);
            fx.fill("t", 6 * G, G, 1);
            List<long[]> extents = new ArrayList<>();
            fx.dev("t").mapAllocation(0, 8 * G, (len, hole) -> extents.add(new long[] {len, hole ? 1 : 0}));
            assertEquals(
                    List.of("8192h", "4096d", "12288h", "4096d", "4096h"),
                    extents.stream().map(e -> e[0] + (e[1] == 1 ? "h" : "d")).toList());
        }
    }

    @Test
    void relationshipsAndBitmapsSurviveCleanRestart() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 8 * G);
            fx.fill("s", 0, 8 * G, 1);
            fx.engine.establish(List.of(new PairSpec("s", "t1"), new PairSpec("s", "t2")), NOCOPY.withSeqnum(0x42));
            assertTrue(fx.engine.awaitSourceViews(Duration.ofSeconds(60)), "views taken, where the store keeps them");
            fx.fill("s", 0, G, 2);
            fx.fill("t1", 3 * G, 10, 2);
            fx.reopen();
            List<RelationshipView> views = fx.engine.relationships().list();
            assertEquals(2, views.size());
            assertEquals(views.get(0).establishedAt(), views.get(1).establishedAt(), "one T0 for one call");
            assertEquals(0x42, views.get(0).seqnum());
            assertEquals(
                    sourceWritesCopy() ? 7 : 8,
                    views.get(1).outOfSyncGrains(),
                    sourceWritesCopy() ? "t2 (newest) got grain 0 from the source write" : "T0 in t2's view");
            assertEquals(7, views.get(0).outOfSyncGrains(), "t1 copied grain 3 for its own partial write");
            assertArrayEquals(filled(8 * G, 1), fx.read("t2", 0, 8 * G));
            assertTrue(fx.engine.recoveryReport().stream().anyMatch(l -> l.startsWith("pass 4")));
        }
    }

    @Test
    void targetsReadT0AfterCrashWithoutClose() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", 32 * G);
            fx.fill("s", 0, 32 * G, 'A');
            fx.establish("s", "t1", NOCOPY);
            fx.fill("s", 0, 8 * G, 'B'); // copy-on-write: durable before the source changed
            fx.establish("s", "t2", EstablishOptions.defaults().withGrainSize(G));
            fx.engine.copies().step("s", "t2", 4 * G); // progress not committed yet: may be lost, must not harm
            fx.fill("s", 4 * G, 8 * G, 'C');
            fx.fill("t1", 20 * G, 100, 'W');
            fx.dev("t1").flush(); // this target write must survive the crash
            fx.fill("t1", 24 * G, 100, 'U'); // unflushed: may be lost
            fx.crashAndReopen();
            byte[] t1 = fx.read("t1", 0, 32 * G);
            byte[] want1 = filled(32 * G, 'A');
            Arrays.fill(want1, 20 * G, 20 * G + 100, (byte) 'W');
            assertArrayEquals(Arrays.copyOf(want1, 24 * G), Arrays.copyOf(t1, 24 * G));
            byte[] t2 = fx.read("t2", 0, 32 * G);
            byte[] want2 = filled(32 * G, 'A');
            Arrays.fill(want2, 0, 8 * G, (byte) 'B');
            assertArrayEquals(want2, t2);
        }
    }

    @Test
    void concurrentSourceWritesShareCommits() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            int grains = 512;
            fx.store.create("s", (long) grains * G);
            fx.establish("s", "t", NOCOPY);
            var dev = fx.dev("s");
            long before = fx.engine.journal().commits();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < 8; w++) {
                int first = w;
                threads.add(Thread.ofPlatform().start(() -> {
                    for (int g = first; g < grains; g += 8) {
                        try {
                            dev.write((long) g * G, ByteBuffer.wrap(filled(G, 1)), false);
                        } catch (BlockIoException e) {
                            throw new AssertionError(e);
                        }
                    }
                }));
            }
            for (Thread t : threads) {
                t.join();
            }
            assertEquals(
                    sourceWritesCopy() ? 0 : grains,
                    fx.engine.relationships().toCopy("s", "t").orElseThrow().count());
            long commits = fx.engine.journal().commits() - before;
            if (sourceWritesCopy()) {
                assertTrue(commits <= grains, "at most one commit per copied grain: " + commits);
            } else {
                assertEquals(0, commits, "T0 in the source's view: source writes commit nothing");
            }
            assertArrayEquals(new byte[grains * G], fx.read("t", 0, grains * G));
        }
    }
}
