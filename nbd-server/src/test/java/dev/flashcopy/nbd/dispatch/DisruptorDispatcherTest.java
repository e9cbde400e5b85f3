package dev.flashcopy.nbd.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.device.ZeroMode;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DisruptorDispatcherTest {
    @Test
    void fuaWritesAndFlushesOfOneBatchShareOneFlushPerDevice() throws Exception {
        CountingDevice a = new CountingDevice("a");
        CountingDevice b = new CountingDevice("b");
        CountDownLatch release = new CountDownLatch(1);
        List<Task> tasks = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            tasks.add(new Task(a));
        }
        tasks.add(new Task(b));
        tasks.add(new Task(b));
        for (int i = 0; i < 3; i++) {
            tasks.add(new Task(null));
        }
        CountDownLatch handedBack = new CountDownLatch(tasks.size());
        tasks.forEach(t -> t.handedBack = handedBack);
        try (DisruptorDispatcher dispatcher = new DisruptorDispatcher(1)) {
            // The one stage is held by a first task, so everything after it lands in its next batch.
            dispatcher.dispatch(new Blocking(release));
            tasks.forEach(dispatcher::dispatch);
            release.countDown();
            assertTrue(handedBack.await(10, TimeUnit.SECONDS));
        }
        assertEquals(1, a.flushes.get());
        assertEquals(1, b.flushes.get());
        for (Task t : tasks) {
            assertEquals(t.device != null, t.syncedBeforeHandBack, "owing tasks are synced before their reply goes");
        }
    }

    @Test
    void aTaskThatThrowsDoesNotStopTheStage() throws Exception {
        CountDownLatch handedBack = new CountDownLatch(1);
        Task after = new Task(null);
        after.handedBack = handedBack;
        try (DisruptorDispatcher dispatcher = new DisruptorDispatcher(1)) {
            dispatcher.dispatch(new IoTask() {
                @Override
                public void perform() {
                    throw new IllegalStateException("a bug in a task");
                }

                @Override
                public void reject() {}
            });
            dispatcher.dispatch(after);
            assertTrue(handedBack.await(10, TimeUnit.SECONDS));
        }
    }

    @Test
    void closeRunsWhatWasPublishedAndRejectsWhatComesAfter() {
        CountDownLatch handedBack = new CountDownLatch(1);
        Task before = new Task(null);
        before.handedBack = handedBack;
        AtomicInteger rejected = new AtomicInteger();
        DisruptorDispatcher dispatcher = new DisruptorDispatcher(2);
        dispatcher.dispatch(before);
        dispatcher.close();
        assertEquals(0, handedBack.getCount());
        dispatcher.dispatch(new IoTask() {
            @Override
            public void perform() {
                throw new AssertionError("ran after close");
            }

            @Override
            public void reject() {
                rejected.incrementAndGet();
            }
        });
        assertEquals(1, rejected.get());
    }

    /** A request that owes a sync on {@code device} (null: owes nothing). */
    private static final class Task implements StagedIoTask {
        final CountingDevice device;
        CountDownLatch handedBack;
        boolean synced;
        boolean syncedBeforeHandBack;

        Task(CountingDevice device) {
            this.device = device;
        }

        @Override
        public BlockDevice execute(boolean deferSync) {
            return deferSync ? device : null;
        }

        @Override
        public void synced(BlockIoException failure) {
            synced = failure == null;
        }

        @Override
        public void handBack() {
            syncedBeforeHandBack = synced;
            handedBack.countDown();
        }

        @Override
        public void reject() {}
    }

    private record Blocking(CountDownLatch release) implements IoTask {
        @Override
        public void perform() {
            try {
                release.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }

        @Override
        public void reject() {}
    }

    /** Counts flushes; nothing else is called by these tests. */
    private record CountingDevice(String name, AtomicInteger flushes) implements BlockDevice {
        CountingDevice(String name) {
            this(name, new AtomicInteger());
        }

        @Override
        public long size() {
            return 1 << 20;
        }

        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public void read(long offset, ByteBuffer dst) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void trim(long offset, long length, boolean fua) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua) {
            throw new UnsupportedOperationException();
        }

        @Override
        public void flush() {
            flushes.incrementAndGet();
        }

        @Override
        public void cache(long offset, long length) {}

        @Override
        public void mapAllocation(long offset, long length, ExtentSink sink) {
            throw new UnsupportedOperationException();
        }
    }
}
