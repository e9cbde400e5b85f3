package dev.flashcopy.engine.freeze;

import java.util.ArrayList;
import java.util.List;
import java.util.SortedSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One gate per volume name: host writes, trims and zeroes hold it shared for their whole duration;
 * establish holds the gates of every volume it names exclusively, taken in name order so two establishes
 * never deadlock. That quiesces in-flight writes, so each one lands wholly before or wholly after T0.
 *
 * <p>Thread-safe.
 */
public final class WriteGates {
    private final ConcurrentHashMap<String, ReentrantReadWriteLock> gates = new ConcurrentHashMap<>();

    public Lock shared(String volume) {
        return gates.computeIfAbsent(volume, v -> new ReentrantReadWriteLock()).readLock();
    }

    /** Closes the gates of {@code volumes} (sorted by name); close the result to open them again. */
    public Closed closeAll(SortedSet<String> volumes) {
        List<Lock> held = new ArrayList<>();
        for (String v : volumes) {
            Lock l = gates.computeIfAbsent(v, x -> new ReentrantReadWriteLock()).writeLock();
            l.lock();
            held.add(l);
        }
        return new Closed(held);
    }

    /** Gates held exclusively by one establish. */
    public static final class Closed implements AutoCloseable {
        private final List<Lock> held;

        private Closed(List<Lock> held) {
            this.held = held;
        }

        @Override
        public void close() {
            for (int i = held.size() - 1; i >= 0; i--) {
                held.get(i).unlock();
            }
        }
    }
}
