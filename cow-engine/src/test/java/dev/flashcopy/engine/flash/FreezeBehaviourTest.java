package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.freeze.FreezeOptions;
import dev.flashcopy.engine.refresh.ResyncOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Consistency groups: mkflash/resyncflash --freeze hold source writes until unfreezeflash or the timeout. */
class FreezeBehaviourTest {
    private static final int G = 4096;
    private static final int N = 8;
    private static final EstablishOptions NOCOPY =
            EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G);
    private static final FreezeOptions LONG_FREEZE = FreezeOptions.freezeFor(Duration.ofMinutes(10));

    @TempDir
    Path dir;

    private final ExecutorService writers = Executors.newCachedThreadPool();

    @AfterEach
    void stopWriters() throws InterruptedException {
        writers.shutdownNow();
        assertTrue(writers.awaitTermination(30, TimeUnit.SECONDS), "writer threads still running");
    }

    private static byte[] filled(int value) {
        byte[] b = new byte[G];
        Arrays.fill(b, (byte) value);
        return b;
    }

    private static EngineFixture twoSources(Path dir) throws Exception {
        EngineFixture fx = new EngineFixture(dir);
        for (String v : List.of("a", "b")) {
            fx.store.create(v, N * G);
            fx.write(v, 0, filled('0'));
        }
        return fx;
    }

    private static List<PairSpec> group() {
        return List.of(new PairSpec("a", "ta"), new PairSpec("b", "tb"));
    }

    private Future<?> writeLater(EngineFixture fx, String volume, int value) {
        BlockDevicesOpen.ensure(fx, volume);
        return writers.submit(() -> {
            fx.write(volume, 0, filled(value));
            return null;
        });
    }

    private static void awaitHeld(EngineFixture fx, long count) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (fx.engine.freezes().heldRequests() < count) {
            assertTrue(System.nanoTime() < deadline, "no write was held");
            Thread.sleep(2);
        }
    }

    @Test
    void frozenSourceHoldsWritesUntilUnfreeze() throws Exception {
        try (EngineFixture fx = twoSources(dir)) {
            fx.engine.establish(group(), NOCOPY, LONG_FREEZE);
            assertEquals(
                    List.of("a", "b"),
                    List.copyOf(fx.engine.freezes().frozenVolumes().keySet()));
            Future<?> held = writeLater(fx, "a", 'A');
            awaitHeld(fx, 1);
            assertThrows(TimeoutException.class, () -> held.get(50, TimeUnit.MILLISECONDS));
            assertArrayEquals(filled('0'), fx.read("a", 0, G), "source reads go on while frozen");
            fx.write("ta", G, filled('T')); // targets are not frozen
            assertEquals(List.of("a"), fx.engine.freezes().unfreeze(List.of("a")));
            held.get(30, TimeUnit.SECONDS);
            assertArrayEquals(filled('A'), fx.read("a", 0, G));
            assertArrayEquals(filled('0'), fx.read("ta", 0, G), "the held write landed after T0");
            assertEquals(
                    List.of("b"),
                    List.copyOf(fx.engine.freezes().frozenVolumes().keySet()));
        }
    }

    @Test
    void frozenDeviceTellsTheServerWhenWritesMayGoOn() throws Exception {
        try (EngineFixture fx = twoSources(dir)) {
            assertEquals(null, fx.dev("a").writesHeldUntil(), "not frozen: no wait");
            fx.engine.establish(group(), NOCOPY, LONG_FREEZE);
            var heldA = fx.dev("a").writesHeldUntil().toCompletableFuture();
            assertEquals(null, fx.dev("ta").writesHeldUntil(), "targets are not frozen");
            fx.engine.establish(List.of(new PairSpec("a", "tc")), NOCOPY, LONG_FREEZE); // freezing again
            assertFalse(heldA.isDone());
            fx.engine.freezes().unfreeze(List.of("a"));
            heldA.get(30, TimeUnit.SECONDS);
            assertEquals(null, fx.dev("a").writesHeldUntil());
            assertFalse(fx.dev("b").writesHeldUntil().toCompletableFuture().isDone());
        }
    }

    @Test
    void timeoutReleasesHeldWritesWithoutUnfreeze() throws Exception {
        try (EngineFixture fx = twoSources(dir)) {
            fx.engine.establish(group(), NOCOPY, FreezeOptions.freezeFor(Duration.ofMillis(300)));
            Future<?> a = writeLater(fx, "a", 'A');
            Future<?> b = writeLater(fx, "b", 'B');
            a.get(30, TimeUnit.SECONDS);
            b.get(30, TimeUnit.SECONDS);
            assertTrue(fx.engine.freezes().frozenVolumes().isEmpty());
            assertArrayEquals(filled('A'), fx.read("a", 0, G));
            assertArrayEquals(filled('B'), fx.read("b", 0, G));
            assertArrayEquals(filled('0'), fx.read("ta", 0, G));
            assertArrayEquals(filled('0'), fx.read("tb", 0, G));
        }
    }

    @Test
    void unfreezeWithNoNamesReleasesEveryFrozenSource() throws Exception {
        try (EngineFixture fx = twoSources(dir)) {
            fx.engine.establish(group(), NOCOPY, LONG_FREEZE);
            Future<?> a = writeLater(fx, "a", 'A');
            Future<?> b = writeLater(fx, "b", 'B');
            awaitHeld(fx, 2);
            assertEquals(List.of("a", "b"), fx.engine.freezes().unfreeze(List.of()));
            a.get(30, TimeUnit.SECONDS);
            b.get(30, TimeUnit.SECONDS);
            assertEquals(List.of(), fx.engine.freezes().unfreeze(List.of()), "nothing left to release");
        }
    }

    @Test
    void refusedEstablishLeavesNoSourceFrozen() throws Exception {
        try (EngineFixture fx = twoSources(dir)) {
            fx.establish("a", "ta", NOCOPY);
            // ta is already a target: the whole group is refused, and b must not stay frozen.
            assertThrows(
                    IllegalStateException.class,
                    () -> fx.engine.establish(
                            List.of(new PairSpec("b", "tb"), new PairSpec("b", "ta")), NOCOPY, LONG_FREEZE));
            assertTrue(fx.engine.freezes().frozenVolumes().isEmpty());
            fx.write("b", 0, filled('B')); // not held
        }
    }

    @Test
    void groupCopyNeverHasTheSecondWriteWithoutTheFirst() throws Exception {
        try (EngineFixture fx = twoSources(dir)) {
            AtomicBoolean stop = new AtomicBoolean();
            AtomicLong acknowledged = new AtomicLong();
            BlockDevicesOpen.ensure(fx, "a");
            BlockDevicesOpen.ensure(fx, "b");
            Future<?> writer = writers.submit(() -> {
                for (long seq = 1; !stop.get(); seq++) {
                    fx.write("a", 0, sequence(seq)); // A first, B only after A's write completed
                    fx.write("b", 0, sequence(seq));
                    acknowledged.set(seq);
                }
                return null;
            });
            while (acknowledged.get() < 50) {
                Thread.sleep(1);
            }
            fx.engine.establish(group(), NOCOPY, LONG_FREEZE);
            long seqA = ByteBuffer.wrap(fx.read("ta", 0, 8)).getLong();
            long seqB = ByteBuffer.wrap(fx.read("tb", 0, 8)).getLong();
            awaitHeld(fx, 1);
            long frozenAt = acknowledged.get();
            assertTrue(seqB <= seqA && seqA <= seqB + 1, "copies: A " + seqA + ", B " + seqB);
            assertTrue(frozenAt >= seqB, "the copy holds no write newer than the last acknowledged");
            fx.engine.freezes().unfreeze(List.of());
            stop.set(true);
            writer.get(30, TimeUnit.SECONDS);
            long last = acknowledged.get();
            assertTrue(last > frozenAt, "writes resumed after unfreeze");
            assertEquals(last, ByteBuffer.wrap(fx.read("b", 0, 8)).getLong(), "every acknowledged write is there");
            assertEquals(seqA, ByteBuffer.wrap(fx.read("ta", 0, 8)).getLong(), "the copy stays at T0");
        }
    }

    @Test
    void resyncWithFreezeHoldsSourceWritesToo() throws Exception {
        try (EngineFixture fx = twoSources(dir)) {
            fx.engine.establish(group(), NOCOPY.withRecording(true));
            fx.write("a", 0, filled('1'));
            fx.engine.resync(group(), ResyncOptions.recordAgain(), LONG_FREEZE);
            Future<?> a = writeLater(fx, "a", 'A');
            awaitHeld(fx, 1);
            assertArrayEquals(filled('1'), fx.read("ta", 0, G), "the new T0 has the write before the resync");
            fx.engine.freezes().unfreeze(List.of("a", "b"));
            a.get(30, TimeUnit.SECONDS);
            assertArrayEquals(filled('1'), fx.read("ta", 0, G));
            assertArrayEquals(filled('A'), fx.read("a", 0, G));
        }
    }

    @Test
    void closingTheEngineReleasesHeldWrites() throws Exception {
        try (EngineFixture fx = twoSources(dir)) {
            fx.engine.establish(group(), NOCOPY, LONG_FREEZE);
            Future<?> a = writeLater(fx, "a", 'A');
            awaitHeld(fx, 1);
            fx.engine.close();
            try {
                a.get(30, TimeUnit.SECONDS); // completed before the engine closed, or failed as shutting down
            } catch (ExecutionException e) {
                assertEquals(BlockError.SHUTDOWN, ((BlockIoException) e.getCause()).error(), e.toString());
            }
            assertFalse(fx.engine.freezes().isFrozen("a"));
            assertThrows(
                    IllegalStateException.class,
                    () -> fx.engine.freezes().freeze(List.of("a"), Duration.ofSeconds(1)),
                    "no new freeze once closed");
        }
    }

    @Test
    void freezeTimeoutMustBePositiveAndBounded() {
        assertThrows(IllegalArgumentException.class, () -> FreezeOptions.freezeFor(Duration.ZERO));
        assertThrows(IllegalArgumentException.class, () -> FreezeOptions.freezeFor(Duration.ofDays(2)));
        assertEquals(Duration.ofSeconds(120), FreezeOptions.DEFAULT_TIMEOUT);
    }

    private static byte[] sequence(long seq) {
        byte[] b = new byte[G];
        ByteBuffer.wrap(b).putLong(seq);
        return b;
    }

    /** Leases are taken on the test thread: the fixture's lease map is not thread-safe. */
    private static final class BlockDevicesOpen {
        static void ensure(EngineFixture fx, String volume) {
            fx.dev(volume);
        }
    }
}
