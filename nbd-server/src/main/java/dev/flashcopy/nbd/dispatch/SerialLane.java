package dev.flashcopy.nbd.dispatch;

import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs its tasks one at a time, in the order given, on a dispatcher's threads, without holding a thread while
 * it has nothing to do. The first task given to an idle lane dispatches a drain; tasks given while the drain
 * runs only join its queue (no thread is woken for them), and the drain runs them all before it goes idle.
 * That is how one file's writes avoid many threads queueing on its lock in the kernel: one thread does them
 * back to back, and the other threads stay free for other work. On the pool a drain yields its thread after
 * {@link #MAX_RUN} tasks, so a busy lane takes turns with everything else. Thread-safe.
 */
final class SerialLane implements IoLane {
    /** Tasks one drain runs before it lets the dispatcher's other work in. */
    static final int MAX_RUN = 64;

    private final IoDispatcher dispatcher;
    private final int maxRun;
    private final Queue<IoTask> queue = new ConcurrentLinkedQueue<>();
    /** True from the moment a drain is dispatched until it has found the queue empty. */
    private final AtomicBoolean draining = new AtomicBoolean();
    private final IoTask drain = new IoTask() {
        @Override
        public void perform() {
            drain();
        }

        @Override
        public void reject() {
            rejectAll();
        }
    };

    /** A lane whose drain yields after {@code maxRun} tasks ({@link Integer#MAX_VALUE}: never). */
    SerialLane(IoDispatcher dispatcher, int maxRun) {
        this.dispatcher = dispatcher;
        this.maxRun = maxRun;
    }

    @Override
    public void dispatch(IoTask task) {
        queue.offer(task);
        if (draining.compareAndSet(false, true)) {
            dispatcher.dispatch(drain);
        }
    }

    private void drain() {
        int run = 0;
        do {
            IoTask task;
            while ((task = queue.poll()) != null) {
                task.perform(); // never throws (IoTask's contract)
                if (++run == maxRun && !queue.isEmpty()) {
                    // Still busy: go to the back of the dispatcher's queue, so other work (other files' lanes,
                    // reads, flushes) is not held up behind an endless stream of writes to this one.
                    dispatcher.dispatch(drain);
                    return;
                }
            }
            draining.set(false);
            // A task offered after the last poll but before the flag went down saw a drain running and left it
            // to this one: take the lane again unless another caller already has.
        } while (!queue.isEmpty() && draining.compareAndSet(false, true));
    }

    /** The dispatcher closed before the drain could run: every queued task is answered as rejected. */
    private void rejectAll() {
        do {
            IoTask task;
            while ((task = queue.poll()) != null) {
                task.reject();
            }
            draining.set(false);
        } while (!queue.isEmpty() && draining.compareAndSet(false, true));
    }
}
