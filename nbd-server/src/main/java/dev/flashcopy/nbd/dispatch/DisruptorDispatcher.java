package dev.flashcopy.nbd.dispatch;

import com.lmax.disruptor.BlockingWaitStrategy;
import com.lmax.disruptor.RingBuffer;
import com.lmax.disruptor.TimeoutException;
import com.lmax.disruptor.dsl.Disruptor;
import com.lmax.disruptor.dsl.ProducerType;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Runs tasks on an LMAX Disruptor ring: the event loops publish (many producers), and {@code stages}
 * {@link IoStage} consumers split the sequences among them, each doing blocking device calls and
 * handing replies back at the end of its batch. The wait strategy blocks rather than spins: the
 * stages share a small machine with the event loops. A full ring makes the publishing event loop
 * wait for a free slot, which is back-pressure; each connection already bounds what it has in flight,
 * so the ring is sized to make that rare. Thread-safe.
 */
public final class DisruptorDispatcher implements IoDispatcher {
    private static final int RING_SIZE = 1 << 14;
    private static final long CLOSE_TIMEOUT_SECONDS = 60;

    private final Disruptor<IoEvent> disruptor;
    private final RingBuffer<IoEvent> ring;
    /**
     * Drains here never yield: one would publish into the ring it consumes, and wait on itself were the ring full.
     * Each stage takes every {@code stages}-th sequence anyway, so a long drain holds up only its own share.
     */
    private final SerialLanes lanes = new SerialLanes(this, Integer.MAX_VALUE);
    /** Publishing takes the read side, closing the write side: nothing is published after the drain. */
    private final ReentrantReadWriteLock closing = new ReentrantReadWriteLock();

    private boolean closed;

    public DisruptorDispatcher(int stages) {
        if (stages < 1) {
            throw new IllegalArgumentException("stages: " + stages + " (expected: >= 1)");
        }
        this.disruptor = new Disruptor<>(
                IoEvent.FACTORY, RING_SIZE, new NamedThreads(), ProducerType.MULTI, new BlockingWaitStrategy());
        CountDownLatch started = new CountDownLatch(stages);
        IoStage[] handlers = new IoStage[stages];
        for (int i = 0; i < stages; i++) {
            handlers[i] = new IoStage(i, stages, started);
        }
        disruptor.handleEventsWith(handlers);
        disruptor.setDefaultExceptionHandler(new IoExceptionHandler());
        this.ring = disruptor.start();
        // The ring's shutdown drains only consumers already running: one whose thread has not started
        // yet would be halted before it ran, stranding what was published to it. Wait for all of them.
        boolean interrupted = false;
        while (true) {
            try {
                started.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void dispatch(IoTask task) {
        ReentrantReadWriteLock.ReadLock lock = closing.readLock();
        lock.lock();
        try {
            if (!closed) {
                ring.publishEvent(IoEvent.TRANSLATOR, task);
                return;
            }
        } finally {
            lock.unlock();
        }
        task.reject();
    }

    @Override
    public IoLane lane(Object key) {
        return lanes.of(key);
    }

    @Override
    public void close() {
        ReentrantReadWriteLock.WriteLock lock = closing.writeLock();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        try {
            disruptor.shutdown(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS); // runs what was published, then stops
        } catch (TimeoutException e) {
            System.getLogger(DisruptorDispatcher.class.getName())
                    .log(
                            System.Logger.Level.WARNING,
                            "I/O stages still busy after {0} s; stopping them",
                            CLOSE_TIMEOUT_SECONDS);
            disruptor.halt();
        }
    }

    private static final class NamedThreads implements ThreadFactory {
        private final AtomicInteger next = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread thread = new Thread(r, "nbd-stage-" + next.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}
