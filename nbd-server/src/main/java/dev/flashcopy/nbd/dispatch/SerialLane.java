package dev.flashcopy.nbd.dispatch;

import dev.flashcopy.engine.tuning.Tunables;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Runs its tasks one at a time, in the order given, on a dispatcher's threads, without holding a thread while
 * it has nothing to do. The first task given to an idle lane dispatches a drain; tasks given while the drain
 * runs only join its queue (no thread is woken for them), and the drain runs them all before it goes idle.
 * That is how one file's writes avoid many threads queueing on its lock in the kernel: one thread does them
 * back to back, and the other threads stay free for other work. On the pool a drain yields its thread after
 * {@link #MAX_RUN} tasks, so a busy lane takes turns with everything else.
 *
 * <p>A drain holds the replies of its {@link StagedIoTask}s and hands them back together whenever its queue runs
 * dry (the end of its batch, as an {@link IoStage} does), or once it holds {@link #MAX_HELD} replies or replies
 * to {@link #MAX_HELD_BYTES} of writes while it stays busy, so a client with many writes in flight keeps
 * receiving replies. One hand-back per reply woke the event loop about every third write and had it flush each
 * reply alone: with 4 KiB random writes at iodepth 32 the server spent a median 11.9 CPU-µs per write, against
 * 8.8 holding up to 32 and 10.2 holding up to 8 (bench/RESULTS.md, "Replies handed back together"). The byte
 * cap is for large writes: 1 MiB writes at iodepth 8 held behind one another ran at 1.8k a second against
 * 2.1k to 2.8k handed back one by one ("Held replies and large writes"). Thread-safe.
 */
final class SerialLane implements IoLane {
    /** Tasks one drain runs before it lets the dispatcher's other work in. */
    static final int MAX_RUN = 64;
    /** Replies a busy drain holds at most before it hands them back. */
    static final int MAX_HELD = 32;
    /** Bytes of writes whose replies a busy drain holds at most: 32 of 4 KiB; one of 128 KiB or more goes alone. */
    static final long MAX_HELD_BYTES = 128 * 1024;
    /** {@code -Dflashcopy.heldReplies=N} holds at most N instead; 1 hands each reply back on its own, as before. */
    private static final int HELD_LIMIT = Tunables.HELD_REPLIES.intValue(1);

    private final IoDispatcher dispatcher;
    private final int maxRun;
    private final Queue<IoTask> queue = new ConcurrentLinkedQueue<>();
    /** True from the moment a drain is dispatched until it has found the queue empty. */
    private final AtomicBoolean draining = new AtomicBoolean();
    /** Tasks run by the drain whose replies it has not handed back yet; only the running drain touches it. */
    private final List<StagedIoTask> held = new ArrayList<>();
    /** The bytes the tasks in {@link #held} wrote. */
    private long heldBytes;

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

    /** The drain has found the queue empty and gone idle; a task given after that starts a new one. */
    @Override
    public boolean idle() {
        return !draining.get();
    }

    private void drain() {
        int run = 0;
        do {
            IoTask task;
            while ((task = queue.poll()) != null) {
                perform(task);
                boolean dry = queue.isEmpty();
                // Dry is also how the loop ends (a single consumer polls), so nothing is held once it has.
                if (dry || held.size() >= HELD_LIMIT || heldBytes >= MAX_HELD_BYTES) {
                    handBackHeld();
                }
                if (++run == maxRun && !dry) {
                    // Still busy: go to the back of the dispatcher's queue, so other work (other files' lanes,
                    // reads, flushes) is not held up behind an endless stream of writes to this one.
                    handBackHeld();
                    dispatcher.dispatch(drain);
                    return;
                }
            }
            draining.set(false);
            // A task offered after the last poll but before the flag went down saw a drain running and left it
            // to this one: take the lane again unless another caller already has.
        } while (!queue.isEmpty() && draining.compareAndSet(false, true));
    }

    /** Runs {@code task}; a staged one's reply waits in {@link #held}. Never throws (the tasks' contracts). */
    private void perform(IoTask task) {
        if (task instanceof StagedIoTask staged) {
            staged.execute(false); // asked to defer no sync, it owes none
            held.add(staged);
            heldBytes += staged.length();
        } else {
            task.perform();
        }
    }

    private void handBackHeld() {
        for (int i = 0; i < held.size(); i++) {
            held.get(i).handBack();
        }
        held.clear();
        heldBytes = 0;
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
