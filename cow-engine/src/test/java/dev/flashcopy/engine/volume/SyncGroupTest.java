package dev.flashcopy.engine.volume;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class SyncGroupTest {
    private static final int CALLERS = 8;

    @Test
    void callersArrivingDuringASyncShareOneLaterSync() throws Exception {
        SyncGroup group = new SyncGroup();
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        SyncGroup.Sync sync = () -> {
            if (started.incrementAndGet() == 1) {
                firstRunning.countDown();
                await(releaseFirst);
            }
        };
        ExecutorService pool = Executors.newFixedThreadPool(CALLERS + 1);
        try {
            Future<?> first = pool.submit(() -> run(group, sync));
            assertTrue(firstRunning.await(10, TimeUnit.SECONDS));
            List<Future<?>> followers = new ArrayList<>();
            for (int i = 0; i < CALLERS; i++) {
                followers.add(pool.submit(() -> run(group, sync)));
            }
            waitForWaiters(group, followers);
            releaseFirst.countDown();
            first.get(10, TimeUnit.SECONDS);
            for (Future<?> f : followers) {
                f.get(10, TimeUnit.SECONDS);
            }
        } finally {
            pool.shutdownNow();
        }
        // The first sync may have started before the followers' writes, so they need a second one, and
        // one second sync covers them all.
        assertEquals(2, group.syncs());
        assertEquals(2, started.get());
    }

    @Test
    void aCallerNeverReturnsOnASyncThatStartedBeforeIt() throws Exception {
        SyncGroup group = new SyncGroup();
        CountDownLatch firstRunning = new CountDownLatch(1);
        CountDownLatch releaseFirst = new CountDownLatch(1);
        AtomicInteger started = new AtomicInteger();
        SyncGroup.Sync sync = () -> {
            if (started.incrementAndGet() == 1) {
                firstRunning.countDown();
                await(releaseFirst);
            }
        };
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            Future<?> first = pool.submit(() -> run(group, sync));
            assertTrue(firstRunning.await(10, TimeUnit.SECONDS));
            Future<?> late = pool.submit(() -> run(group, sync));
            waitForWaiters(group, List.of(late));
            releaseFirst.countDown();
            late.get(10, TimeUnit.SECONDS);
            assertEquals(2, started.get(), "the late caller returned only after a sync of its own generation");
            first.get(10, TimeUnit.SECONDS);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void aFailedSyncFailsItsCallerAndALaterSyncRunsAgain() throws Exception {
        SyncGroup group = new SyncGroup();
        BlockIoException eio = new BlockIoException(BlockError.IO, "fdatasync: I/O error");
        BlockIoException thrown = assertThrows(
                BlockIoException.class,
                () -> group.sync(() -> {
                    throw eio;
                }));
        assertSame(eio, thrown);
        group.sync(() -> {});
        assertEquals(2, group.syncs());
    }

    private static void run(SyncGroup group, SyncGroup.Sync sync) {
        try {
            group.sync(sync);
        } catch (BlockIoException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Waits until every caller is blocked in the group: none may return while the first sync is held. */
    private static void waitForWaiters(SyncGroup group, List<Future<?>> callers) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (group.waiting() < callers.size() && System.nanoTime() < deadline) {
            Thread.sleep(5);
        }
        assertEquals(callers.size(), group.waiting());
        for (Future<?> f : callers) {
            assertFalse(f.isDone(), "a caller returned while the only sync so far was still running");
        }
        assertEquals(0, group.syncs());
    }
}
