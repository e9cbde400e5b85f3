package dev.flashcopy.engine.relationship;

import java.util.concurrent.locks.ReentrantLock;

/**
 * Striped locks over grain numbers, one set per source family: host writes, copy-on-write, target
 * reads of to-copy grains, background copy and cleaning of the same grain take the same stripe. A
 * request over many grains takes its distinct stripes in ascending stripe order (all of them when it
 * spans as many grains as there are stripes), so two requests never wait on each other in a cycle.
 *
 * <p>Thread-safe.
 */
public final class GrainLocks {
    private final ReentrantLock[] stripes;

    public GrainLocks(int stripes) {
        if (stripes < 1 || Integer.bitCount(stripes) != 1) {
            throw new IllegalArgumentException("stripes: " + stripes + " (expected: a power of two >= 1)");
        }
        this.stripes = new ReentrantLock[stripes];
        for (int i = 0; i < stripes; i++) {
            this.stripes[i] = new ReentrantLock();
        }
    }

    /** Locks the stripes of grains {@code [first, last]}; close the result to unlock. */
    public Held lock(long first, long last) {
        int n = stripes.length;
        Held held;
        if (last - first + 1 >= n) {
            held = new Held(0, n - 1, 1, 0);
        } else {
            int a = (int) (first & (n - 1));
            int b = (int) (last & (n - 1));
            held = a <= b ? new Held(a, b, 1, 0) : new Held(0, b, a, n - 1); // wrapped: low part first
        }
        held.acquire();
        return held;
    }

    /** Stripes held by one request: up to two ascending index ranges. */
    public final class Held implements AutoCloseable {
        private final int lo1;
        private final int hi1;
        private final int lo2;
        private final int hi2;

        private Held(int lo1, int hi1, int lo2, int hi2) {
            this.lo1 = lo1;
            this.hi1 = hi1;
            this.lo2 = lo2;
            this.hi2 = hi2;
        }

        private void acquire() {
            for (int i = lo1; i <= hi1; i++) {
                stripes[i].lock();
            }
            for (int i = lo2; i <= hi2; i++) {
                stripes[i].lock();
            }
        }

        @Override
        public void close() {
            for (int i = hi2; i >= lo2; i--) {
                stripes[i].unlock();
            }
            for (int i = hi1; i >= lo1; i--) {
                stripes[i].unlock();
            }
        }
    }
}
