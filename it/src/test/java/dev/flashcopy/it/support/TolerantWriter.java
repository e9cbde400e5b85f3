package dev.flashcopy.it.support;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Random;

/**
 * Writes a fresh pattern to a random slot and flushes ({@link Slots#write}), again and again, through one server that
 * stays up while others die behind it: a write that fails (the owner died under it) leaves its slot unknown, and the
 * writer goes on. Every slot whose last write completed must read it back ({@link #verify}). Run it on a thread of its
 * own; the other methods are for the test's thread.
 */
public final class TolerantWriter implements Runnable {
    private final String uri;
    private final int slots;
    private final Map<Integer, Integer> completed = new HashMap<>();
    private final Random random;
    private volatile boolean stop;
    private int count;

    public TolerantWriter(String uri, int slots, long seed) {
        this.uri = uri;
        this.slots = slots;
        this.random = new Random(seed);
    }

    @Override
    public void run() {
        while (!stop) {
            int slot = random.nextInt(slots);
            int pattern = 2 + random.nextInt(250);
            boolean ok = Slots.write(uri, slot, pattern);
            synchronized (completed) {
                if (ok) {
                    completed.put(slot, pattern);
                    count++;
                } else {
                    completed.remove(slot); // it may or may not have landed
                }
            }
            if (!ok) {
                try {
                    Thread.sleep(200);
                } catch (InterruptedException e) {
                    return;
                }
            }
        }
    }

    /** Ends the loop after the write in progress. */
    public void stop() {
        stop = true;
    }

    /** How many writes completed so far. */
    public int completed() {
        synchronized (completed) {
            return count;
        }
    }

    /** Whether more than {@code count} writes completed within {@code bound}. */
    public boolean awaitMoreThan(int count, Duration bound) throws InterruptedException {
        long deadline = System.nanoTime() + bound.toNanos();
        while (completed() <= count) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            Thread.sleep(100);
        }
        return true;
    }

    /** Every slot whose last write completed reads back its pattern (one qemu-io run). */
    public void verify() {
        Map<Integer, Integer> check;
        synchronized (completed) {
            check = Map.copyOf(completed);
        }
        Slots.verify(uri, check);
    }
}
