package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.tuning.FlashSettings;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Host writers on the source, readers on the targets and the background copier all at once: every
 * target read returns T0, whatever the interleaving, and the copy completes.
 */
class ConcurrentCopyTest {
    @TempDir
    Path dir;

    @Test
    void targetsStayAtT0UnderConcurrentSourceWritesAndBackgroundCopy() throws Exception {
        int size = 4 << 20;
        try (EngineFixture fx = new EngineFixture(dir, FlashSettings.defaults().withCopyStepBytes(256 << 10))) {
            fx.store.create("s", size);
            byte[] t0 = new byte[size];
            new Random(1).nextBytes(t0);
            Arrays.fill(t0, size / 2, size / 2 + (1 << 20), (byte) 0);
            fx.write("s", 0, t0);
            fx.zero("s", size / 2, 1 << 20); // a hole for the copier to skip
            fx.engine.establish(
                    List.of(new PairSpec("s", "old"), new PairSpec("s", "new")),
                    EstablishOptions.defaults()
                            .withGrainSize(16384)
                            .withPersistent(true)
                            .withRateMiBps(40));
            BlockDevice source = fx.dev("s");
            BlockDevice[] targets = {fx.dev("old"), fx.dev("new")};
            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            for (int w = 0; w < 3; w++) {
                long seed = w;
                threads.add(Thread.ofPlatform()
                        .start(() -> run(failure, () -> {
                            Random rnd = new Random(seed);
                            while (!stop.get()) {
                                byte[] b = new byte[1 + rnd.nextInt(100_000)];
                                rnd.nextBytes(b);
                                source.write(rnd.nextInt(size - b.length), ByteBuffer.wrap(b), rnd.nextInt(10) == 0);
                            }
                        })));
            }
            for (int r = 0; r < 2; r++) {
                long seed = 10 + r;
                threads.add(Thread.ofPlatform()
                        .start(() -> run(failure, () -> {
                            Random rnd = new Random(seed);
                            while (!stop.get()) {
                                int len = 1 + rnd.nextInt(200_000);
                                int off = rnd.nextInt(size - len);
                                ByteBuffer buf = ByteBuffer.allocate(len);
                                targets[rnd.nextInt(2)].read(off, buf);
                                if (!Arrays.equals(buf.array(), 0, len, t0, off, off + len)) {
                                    throw new AssertionError("target read at " + off + "+" + len + " is not T0");
                                }
                            }
                        })));
            }
            Thread.sleep(1500);
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            fx.engine.copies().setRate("s", "old", 0);
            fx.engine.copies().setRate("s", "new", 0);
            assertTrue(fx.engine.copies().awaitCopied("s", "new", Duration.ofSeconds(30)));
            assertTrue(fx.engine.copies().awaitCopied("s", "old", Duration.ofSeconds(30)));
            assertEquals(List.of(), fx.engine.problems());
            assertArrayEquals(t0, fx.read("old", 0, size));
            assertArrayEquals(t0, fx.read("new", 0, size));
        }
    }

    private interface Body {
        void run() throws Exception;
    }

    private static void run(AtomicReference<Throwable> failure, Body body) {
        try {
            body.run();
        } catch (Throwable t) {
            failure.compareAndSet(null, t);
        }
    }
}
