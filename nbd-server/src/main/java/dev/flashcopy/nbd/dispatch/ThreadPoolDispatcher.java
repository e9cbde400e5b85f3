package dev.flashcopy.nbd.dispatch;

import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fixed pool of platform threads sharing one queue. Platform threads, not virtual ones: device
 * calls are FFM downcalls into {@code pread}/{@code pwrite}, which pin a virtual thread's carrier
 * anyway. The queue is unbounded because each connection already bounds what it has in flight.
 * Thread-safe.
 */
public final class ThreadPoolDispatcher implements IoDispatcher {
    private static final long CLOSE_TIMEOUT_SECONDS = 60;

    private final ThreadPoolExecutor pool;
    private final SerialLanes lanes = new SerialLanes(this, SerialLane.MAX_RUN);

    public ThreadPoolDispatcher(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads: " + threads + " (expected: >= 1)");
        }
        this.pool = new ThreadPoolExecutor(
                threads, threads, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), new NamedThreads());
        pool.prestartAllCoreThreads();
    }

    @Override
    public void dispatch(IoTask task) {
        try {
            pool.execute(task::perform);
        } catch (RejectedExecutionException e) {
            task.reject();
        }
    }

    @Override
    public IoLane lane(Object key) {
        return lanes.of(key);
    }

    @Override
    public void close() {
        pool.shutdown();
        try {
            if (!pool.awaitTermination(CLOSE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                System.getLogger(ThreadPoolDispatcher.class.getName())
                        .log(
                                System.Logger.Level.WARNING,
                                "I/O threads still busy after {0} s; leaving them to finish",
                                CLOSE_TIMEOUT_SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private static final class NamedThreads implements ThreadFactory {
        private final AtomicInteger next = new AtomicInteger();

        @Override
        public Thread newThread(Runnable r) {
            Thread thread = new Thread(r, "nbd-io-" + next.incrementAndGet());
            thread.setDaemon(true);
            return thread;
        }
    }
}
