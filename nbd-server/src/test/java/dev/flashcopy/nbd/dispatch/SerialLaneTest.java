package dev.flashcopy.nbd.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * A lane runs its tasks one at a time and in the order each caller gave them, on both dispatchers, however many
 * callers race to give them; it holds no thread while idle; once its dispatcher is closed its tasks are rejected.
 */
class SerialLaneTest {
    private static final int PRODUCERS = 4;
    private static final int PER_PRODUCER = 5_000;

    /** Records what ran, and whether two of the lane's tasks ever ran at once. */
    private static final class Recorder {
        final AtomicInteger running = new AtomicInteger();
        final AtomicInteger overlaps = new AtomicInteger();
        final ConcurrentLinkedQueue<int[]> ran = new ConcurrentLinkedQueue<>();
        final CountDownLatch done = new CountDownLatch(PRODUCERS * PER_PRODUCER);
        /** How long each task keeps running, so that tasks able to overlap do. */
        final long lingerNanos;

        Recorder(long lingerNanos) {
            this.lingerNanos = lingerNanos;
        }

        IoTask task(int producer, int n) {
            return new IoTask() {
                @Override
                public void perform() {
                    if (running.incrementAndGet() != 1) {
                        overlaps.incrementAndGet();
                    }
                    ran.add(new int[] {producer, n});
                    long until = System.nanoTime() + lingerNanos;
                    while (System.nanoTime() < until) {
                        Thread.onSpinWait();
                    }
                    running.decrementAndGet();
                    done.countDown();
                }

                @Override
                public void reject() {
                    throw new AssertionError("rejected while the dispatcher was open");
                }
            };
        }
    }

    private static void racingProducers(IoLane lane, Recorder recorder) throws InterruptedException {
        List<Thread> threads = new ArrayList<>();
        for (int p = 0; p < PRODUCERS; p++) {
            int producer = p;
            threads.add(Thread.ofPlatform().start(() -> {
                for (int n = 0; n < PER_PRODUCER; n++) {
                    lane.dispatch(recorder.task(producer, n));
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        assertTrue(recorder.done.await(30, TimeUnit.SECONDS), "every task ran: " + recorder.done.getCount() + " left");
    }

    private static void assertSerialAndInOrder(Recorder recorder) {
        assertEquals(0, recorder.overlaps.get(), "two tasks of the lane ran at once");
        int[] next = new int[PRODUCERS];
        for (int[] r : recorder.ran) {
            assertEquals(next[r[0]], r[1], "producer " + r[0] + "'s tasks ran out of order");
            next[r[0]]++;
        }
        for (int p = 0; p < PRODUCERS; p++) {
            assertEquals(PER_PRODUCER, next[p]);
        }
    }

    @Test
    void tasksRunOneAtATimeInOrderOnThePool() throws InterruptedException {
        try (ThreadPoolDispatcher pool = new ThreadPoolDispatcher(8)) {
            Recorder recorder = new Recorder(2_000);
            racingProducers(pool.lane(new Object()), recorder);
            assertSerialAndInOrder(recorder);
        }
    }

    @Test
    void tasksRunOneAtATimeInOrderOnTheRing() throws InterruptedException {
        try (DisruptorDispatcher ring = new DisruptorDispatcher(4)) {
            Recorder recorder = new Recorder(2_000);
            racingProducers(ring.lane(new Object()), recorder);
            assertSerialAndInOrder(recorder);
        }
    }

    @Test
    void theDetectorSeesOverlapWithoutALane() throws InterruptedException {
        // The same tasks given to the pool directly do overlap, so the lane tests above could fail.
        try (ThreadPoolDispatcher pool = new ThreadPoolDispatcher(8)) {
            Recorder recorder = new Recorder(50_000);
            racingProducers(pool::dispatch, recorder);
            assertTrue(recorder.overlaps.get() > 0, "tasks on 8 threads never overlapped");
        }
    }

    @Test
    void oneKeyOneLaneAndDistinctKeysDistinctLanes() {
        try (ThreadPoolDispatcher pool = new ThreadPoolDispatcher(2)) {
            Object file = new Object();
            assertSame(pool.lane(file), pool.lane(file));
            assertTrue(pool.lane(file) != pool.lane(new Object()));
        }
    }

    @Test
    void anIdleLaneHoldsNoThreadAndWakesForTheNextTask() throws InterruptedException {
        try (ThreadPoolDispatcher pool = new ThreadPoolDispatcher(1)) {
            IoLane lane = pool.lane(new Object());
            CountDownLatch first = new CountDownLatch(1);
            lane.dispatch(task(first::countDown));
            assertTrue(first.await(10, TimeUnit.SECONDS));
            // The pool's only thread must be free again: a plain task gets it.
            CountDownLatch plain = new CountDownLatch(1);
            pool.dispatch(task(plain::countDown));
            assertTrue(plain.await(10, TimeUnit.SECONDS), "the idle lane kept the pool's thread");
            CountDownLatch second = new CountDownLatch(1);
            lane.dispatch(task(second::countDown));
            assertTrue(second.await(10, TimeUnit.SECONDS), "the lane did not wake for its next task");
        }
    }

    @Test
    void aBusyLaneTakesTurnsWithTheDispatchersOtherWork() throws InterruptedException {
        try (ThreadPoolDispatcher pool = new ThreadPoolDispatcher(1)) {
            IoLane lane = pool.lane(new Object());
            CountDownLatch go = new CountDownLatch(1);
            AtomicInteger laneDone = new AtomicInteger();
            CountDownLatch allDone = new CountDownLatch(1000);
            lane.dispatch(task(() -> {
                awaitQuietly(go); // holds the pool's only thread until everything below is queued
                laneDone.incrementAndGet();
                allDone.countDown();
            }));
            for (int i = 1; i < 1000; i++) {
                lane.dispatch(task(() -> {
                    laneDone.incrementAndGet();
                    allDone.countDown();
                }));
            }
            AtomicInteger seenByOther = new AtomicInteger(-1);
            CountDownLatch other = new CountDownLatch(1);
            pool.dispatch(task(() -> {
                seenByOther.set(laneDone.get());
                other.countDown();
            }));
            go.countDown();
            assertTrue(other.await(10, TimeUnit.SECONDS));
            assertTrue(allDone.await(10, TimeUnit.SECONDS));
            assertTrue(
                    seenByOther.get() <= SerialLane.MAX_RUN,
                    "the other task waited for " + seenByOther.get() + " of the lane's 1000 tasks");
        }
    }

    private static void awaitQuietly(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Test
    void tasksGivenAfterTheDispatcherClosedAreRejected() {
        ThreadPoolDispatcher pool = new ThreadPoolDispatcher(2);
        IoLane lane = pool.lane(new Object());
        pool.close();
        AtomicInteger rejected = new AtomicInteger();
        AtomicInteger performed = new AtomicInteger();
        for (int i = 0; i < 3; i++) {
            lane.dispatch(new IoTask() {
                @Override
                public void perform() {
                    performed.incrementAndGet();
                }

                @Override
                public void reject() {
                    rejected.incrementAndGet();
                }
            });
        }
        assertEquals(3, rejected.get(), "each task answered as rejected");
        assertEquals(0, performed.get());
    }

    @Test
    void repliesOfABatchGoBackTogetherOnceTheQueueRunsDry() throws InterruptedException {
        List<String> events = runStaged(10, new ThreadPoolDispatcher(1));
        List<String> expected = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            expected.add("execute " + i);
        }
        for (int i = 0; i < 10; i++) {
            expected.add("handBack " + i);
        }
        assertEquals(expected, events);
    }

    @Test
    void aBusyDrainHandsBackEveryMaxHeldReplies() throws InterruptedException {
        int tasks = 3 * SerialLane.MAX_HELD + 5;
        List<String> events = runStaged(tasks, new ThreadPoolDispatcher(1));
        assertEquals(2 * tasks, events.size());
        int executed = 0;
        int handedBack = 0;
        for (String e : events) {
            if (e.startsWith("execute")) {
                assertEquals("execute " + executed, e, "executed out of order");
                executed++;
                assertTrue(
                        executed - handedBack <= SerialLane.MAX_HELD,
                        "the drain held " + (executed - handedBack) + " replies");
            } else {
                assertEquals("handBack " + handedBack, e, "handed back out of order");
                handedBack++;
                assertTrue(handedBack <= executed, "handed back before executed");
            }
        }
        assertEquals(
                "execute " + SerialLane.MAX_HELD,
                events.get(2 * SerialLane.MAX_HELD),
                "the first " + SerialLane.MAX_HELD + " replies went back before the next task ran");
    }

    @Test
    void aLargeWritesReplyGoesBackBeforeTheNextWriteRuns() throws InterruptedException {
        List<String> events = runStaged(4, new ThreadPoolDispatcher(1), i -> i == 1 ? 4096 : SerialLane.MAX_HELD_BYTES);
        assertEquals(
                List.of(
                        "execute 0",
                        "handBack 0",
                        "execute 1",
                        "execute 2",
                        "handBack 1",
                        "handBack 2",
                        "execute 3",
                        "handBack 3"),
                events);
    }

    @Test
    void theRingsDrainHandsBackTogetherToo() throws InterruptedException {
        List<String> events = runStaged(5, new DisruptorDispatcher(2));
        assertEquals(
                List.of(
                        "execute 0",
                        "execute 1",
                        "execute 2",
                        "execute 3",
                        "execute 4",
                        "handBack 0",
                        "handBack 1",
                        "handBack 2",
                        "handBack 3",
                        "handBack 4"),
                events);
    }

    /**
     * Gives a lane of {@code dispatcher} a task that holds it, then {@code n} staged tasks, then lets it go; returns
     * what the staged tasks did, in order. Closes the dispatcher.
     */
    private static List<String> runStaged(int n, IoDispatcher dispatcher) throws InterruptedException {
        return runStaged(n, dispatcher, i -> 4096);
    }

    /** As {@link #runStaged(int, IoDispatcher)}, task i writing {@code lengths.applyAsLong(i)} bytes. */
    private static List<String> runStaged(int n, IoDispatcher dispatcher, IntToLongFunction lengths)
            throws InterruptedException {
        try (dispatcher) {
            IoLane lane = dispatcher.lane(new Object());
            CountDownLatch go = new CountDownLatch(1);
            lane.dispatch(task(() -> awaitQuietly(go)));
            List<String> events = Collections.synchronizedList(new ArrayList<>());
            CountDownLatch done = new CountDownLatch(n);
            for (int i = 0; i < n; i++) {
                lane.dispatch(staged(i, lengths.applyAsLong(i), events, done));
            }
            go.countDown();
            assertTrue(done.await(10, TimeUnit.SECONDS), done.getCount() + " replies never handed back");
            return new ArrayList<>(events);
        }
    }

    private static StagedIoTask staged(int i, long length, List<String> events, CountDownLatch done) {
        return new StagedIoTask() {
            @Override
            public long length() {
                return length;
            }

            @Override
            public BlockDevice execute(boolean deferSync) {
                events.add("execute " + i);
                return null;
            }

            @Override
            public void synced(BlockIoException failure) {
                throw new AssertionError("no sync was deferred");
            }

            @Override
            public void handBack() {
                events.add("handBack " + i);
                done.countDown();
            }

            @Override
            public void reject() {
                throw new AssertionError("rejected");
            }
        };
    }

    private static IoTask task(Runnable r) {
        return new IoTask() {
            @Override
            public void perform() {
                r.run();
            }

            @Override
            public void reject() {
                throw new AssertionError("rejected");
            }
        };
    }
}
