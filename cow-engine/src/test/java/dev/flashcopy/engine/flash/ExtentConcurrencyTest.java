package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.Extent;
import dev.flashcopy.engine.tuning.FlashSettings;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Several extent relationships over shared volumes under concurrent host I/O: writer threads change the
 * sources everywhere but in target ranges, while reader threads read the target ranges and the background
 * copier runs; every read of a target range, at any moment, returns its T0 bytes. Seeds are fixed per thread
 * (the interleaving is the scheduler's, the invariant holds for every one).
 */
class ExtentConcurrencyTest {
    private static final int G = 4096;
    private static final int SIZE = 64 * G;

    @TempDir
    Path dir;

    /** One target range and the bytes it held at T0. */
    private record Expected(String volume, int offset, byte[] bytes) {}

    @Test
    void targetRangesReadTheirT0WhileSharedSourcesAreWrittenConcurrently() throws Exception {
        FlashSettings settings =
                FlashSettings.defaults().withBackgroundCopy(true).withLockStripes(8);
        try (EngineFixture fx = new EngineFixture(dir, settings)) {
            Random seed = new Random(4242);
            for (String v : List.of("a", "b", "c")) {
                fx.store.create(v, SIZE);
                byte[] bytes = new byte[SIZE];
                seed.nextBytes(bytes);
                fx.write(v, 0, bytes);
            }
            EstablishOptions nocopy =
                    EstablishOptions.defaults().withGrainSize(G).withMode(CopyMode.NOCOPY);
            List<Expected> expected = new ArrayList<>();
            // a [0, 16G) to b, a [8G, 24G) to c (shared source grains), b [0, 16G) to c, a within itself.
            expected.add(establish(fx, "a", "b", new Extent(0, 32L * G, 16L * G), nocopy));
            expected.add(establish(fx, "a", "c", new Extent(8L * G, 0, 16L * G), nocopy.withMode(CopyMode.COPY)));
            expected.add(establish(fx, "b", "c", new Extent(0, 32L * G, 16L * G), nocopy.withRecording(true)));
            expected.add(establish(fx, "a", "a", new Extent(40L * G, 56L * G, 8L * G), nocopy));
            // Writers keep out of the target ranges: b [32G, 48G), c [0, 16G) and [32G, 48G), a [56G, 64G).
            int[][] writable = {{0, 56 * G}, {0, 32 * G}, {48 * G, SIZE}};
            String[] names = {"a", "b", "b"};
            ExecutorService pool = Executors.newFixedThreadPool(6);
            try {
                List<Future<Integer>> work = new ArrayList<>();
                for (int w = 0; w < 4; w++) {
                    Random rnd = new Random(100 + w);
                    work.add(pool.submit(() -> {
                        for (int i = 0; i < 1500; i++) {
                            int which = rnd.nextInt(names.length);
                            int[] span = writable[which];
                            int off = span[0] + rnd.nextInt(span[1] - span[0]);
                            int len = 1 + rnd.nextInt(Math.min(3 * G, span[1] - off));
                            byte[] data = new byte[len];
                            rnd.nextBytes(data);
                            int cut = len / 2;
                            fx.dev(names[which])
                                    .write(
                                            off,
                                            new ByteBuffer[] {
                                                ByteBuffer.wrap(data, 0, cut), ByteBuffer.wrap(data, cut, len - cut)
                                            },
                                            false);
                        }
                        return 1500;
                    }));
                }
                for (int r = 0; r < 2; r++) {
                    Random rnd = new Random(200 + r);
                    work.add(pool.submit(() -> {
                        for (int i = 0; i < 1500; i++) {
                            Expected e = expected.get(rnd.nextInt(expected.size()));
                            int from = rnd.nextInt(e.bytes().length);
                            int len = 1 + rnd.nextInt(Math.min(3 * G, e.bytes().length - from));
                            assertArrayEquals(
                                    Arrays.copyOfRange(e.bytes(), from, from + len),
                                    fx.read(e.volume(), e.offset() + from, len),
                                    e.volume() + " at " + (e.offset() + from) + "+" + len);
                        }
                        return 1500;
                    }));
                }
                int ops = 0;
                for (Future<Integer> f : work) {
                    ops += f.get();
                }
                assertEquals(9000, ops);
            } finally {
                pool.shutdownNow();
            }
            for (Expected e : expected) {
                assertArrayEquals(e.bytes(), fx.read(e.volume(), e.offset(), e.bytes().length), "final " + e.volume());
            }
            fx.crashAndReopen();
            for (Expected e : expected) {
                assertArrayEquals(
                        e.bytes(), fx.read(e.volume(), e.offset(), e.bytes().length), "after a crash " + e.volume());
            }
        }
    }

    private static Expected establish(EngineFixture fx, String s, String t, Extent e, EstablishOptions options)
            throws Exception {
        byte[] t0 = fx.read(s, e.sourceOffset(), (int) e.length());
        fx.engine.establish(List.of(new PairSpec(s, t, List.of(e))), options);
        return new Expected(t, (int) e.targetOffset(), t0);
    }
}
