package dev.flashcopy.engine.membership;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.LinkedBlockingDeque;

/**
 * The one thread that takes and removes the source views' RBD snapshots ({@link SourceViews}), in the order asked:
 * each call waits for the monitor's next map (up to a second), so none runs under the engine's locks or in an admin
 * command's answer. Started at the first task. A task that fails is logged: a relationship without its view stays
 * on copy-on-write, which keeps T0 as well, and a snapshot left behind is removed at the next open.
 *
 * <p>Thread-safe.
 */
final class ViewWorker {
    /** A step of the worker's. */
    @FunctionalInterface
    interface Task {
        void run() throws IOException;
    }

    private final LinkedBlockingDeque<Runnable> waiting = new LinkedBlockingDeque<>();
    /** Tasks queued and not yet done with (guarded by {@code this}). */
    private int pending;

    private volatile boolean closed;
    private Thread thread;

    /** Whether {@link #close} was called: a task still running checks it before it changes anything. */
    boolean closed() {
        return closed;
    }

    /** Queues {@code task}; when it fails, the log says {@code ifFailed} and why. Ignored once closed. */
    void queue(Task task, String ifFailed) {
        synchronized (this) {
            if (closed) {
                return;
            }
            pending++;
            if (thread == null) {
                thread = Thread.ofPlatform()
                        .daemon()
                        .name("flashcopy-source-views")
                        .start(this::work);
            }
        }
        waiting.add(() -> {
            try {
                task.run();
            } catch (IOException | RuntimeException e) {
                System.getLogger(ViewWorker.class.getName())
                        .log(System.Logger.Level.WARNING, ifFailed + ": " + e.getMessage());
            }
        });
    }

    private void work() {
        while (!closed) {
            Runnable task;
            try {
                task = waiting.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                task.run();
            } finally {
                synchronized (this) {
                    pending--;
                    notifyAll();
                }
            }
        }
    }

    /** Waits until every task queued so far has run; false on timeout. */
    synchronized boolean settle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (pending > 0) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            wait(Math.max(1, left / 1_000_000), 0);
        }
        return true;
    }

    /**
     * Stops: the task running finishes (a librbd call cannot be interrupted), those still queued are dropped. Call
     * without the locks a task takes.
     */
    void close() {
        Thread t;
        synchronized (this) {
            closed = true;
            t = thread;
        }
        if (t != null) {
            t.interrupt();
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
