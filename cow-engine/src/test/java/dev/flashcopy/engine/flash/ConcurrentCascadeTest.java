package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.tuning.FlashSettings;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A cascade under load: writers on the top source and on two middle volumes, readers on the levels nobody
 * writes, the background copier on every level, and a forced withdraw of a middle link mid-stream. Every
 * read of an unwritten level returns its T0, whatever the interleaving, and every copy completes.
 */
class ConcurrentCascadeTest {
    private static final int SIZE = 4 << 20;

    @TempDir
    Path dir;

    private static byte[] with(byte[] base, int offset, int length, int value) {
        byte[] b = base.clone();
        Arrays.fill(b, offset, offset + length, (byte) value);
        return b;
    }

    @Test
    void unwrittenLevelsStayAtT0UnderWritesAboveAndBelowCopyAndAMiddleWithdraw() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir, FlashSettings.defaults().withCopyStepBytes(256 << 10))) {
            EstablishOptions copy = EstablishOptions.defaults()
                    .withGrainSize(16384)
                    .withPersistent(true)
                    .withRateMiBps(20);
            fx.store.create("v0", SIZE);
            byte[] d0 = new byte[SIZE];
            new Random(3).nextBytes(d0);
            fx.write("v0", 0, d0);
            fx.establish("v0", "v1", copy);
            byte[] d1 = with(d0, 100_000, 300_000, 1);
            fx.write("v1", 0, d1);
            fx.establish("v1", "v2", copy);
            byte[] d2 = with(d1, 1 << 20, 500_000, 2);
            fx.write("v2", 0, d2);
            fx.establish("v2", "v3", copy);
            fx.establish("v3", "v4", copy);
            byte[] d2later = with(d2, 2 << 20, 70_000, 3);
            fx.write("v2", 0, d2later);
            fx.establish("v2", "x", copy);
            Map<String, byte[]> t0 = Map.of("v1", d1, "v4", d2, "x", d2later);

            AtomicBoolean stop = new AtomicBoolean();
            AtomicReference<Throwable> failure = new AtomicReference<>();
            List<Thread> threads = new ArrayList<>();
            String[] written = {"v0", "v2", "v3"};
            for (int w = 0; w < written.length; w++) {
                BlockDevice dev = fx.dev(written[w]);
                long seed = w;
                threads.add(Thread.ofPlatform()
                        .start(() -> run(failure, () -> {
                            Random rnd = new Random(seed);
                            while (!stop.get()) {
                                byte[] b = new byte[1 + rnd.nextInt(100_000)];
                                rnd.nextBytes(b);
                                dev.write(rnd.nextInt(SIZE - b.length), ByteBuffer.wrap(b), rnd.nextInt(10) == 0);
                            }
                        })));
            }
            List<String> checked = List.of("v1", "v4", "x");
            for (int r = 0; r < checked.size(); r++) {
                String name = checked.get(r);
                BlockDevice dev = fx.dev(name);
                long seed = 10 + r;
                threads.add(Thread.ofPlatform()
                        .start(() -> run(failure, () -> {
                            Random rnd = new Random(seed);
                            while (!stop.get()) {
                                int len = 1 + rnd.nextInt(200_000);
                                int off = rnd.nextInt(SIZE - len);
                                ByteBuffer buf = ByteBuffer.allocate(len);
                                dev.read(off, buf);
                                if (!Arrays.equals(buf.array(), 0, len, t0.get(name), off, off + len)) {
                                    throw new AssertionError(name + " read at " + off + "+" + len + " is not its T0");
                                }
                            }
                        })));
            }
            Thread.sleep(700);
            fx.engine.withdraw("v1", "v2", false, true, OptionalLong.empty()); // v2's dependents keep their T0
            Thread.sleep(700);
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            if (failure.get() != null) {
                throw new AssertionError(failure.get());
            }
            for (RelationshipView r : fx.engine.relationships().list()) {
                fx.engine.copies().setRate(r.source(), r.target(), 0);
                assertTrue(
                        fx.engine.copies().awaitCopied(r.source(), r.target(), Duration.ofSeconds(60)), r.toString());
            }
            assertEquals(List.of(), fx.engine.problems());
            for (String name : checked) {
                assertArrayEquals(t0.get(name), fx.read(name, 0, SIZE), name);
            }
            fx.reopen();
            for (String name : checked) {
                assertArrayEquals(t0.get(name), fx.read(name, 0, SIZE), name + " after a restart");
            }
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
