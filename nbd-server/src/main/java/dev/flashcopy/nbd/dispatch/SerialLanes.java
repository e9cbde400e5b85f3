package dev.flashcopy.nbd.dispatch;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * One {@link SerialLane} per key (a file, by identity), made on first use and forgotten with its key. Thread-safe.
 */
final class SerialLanes {
    private final IoDispatcher dispatcher;
    private final int maxRun;
    private final Map<Object, SerialLane> lanes = new WeakHashMap<>();

    /** Lanes whose drains yield after {@code maxRun} tasks (see {@link SerialLane}). */
    SerialLanes(IoDispatcher dispatcher, int maxRun) {
        this.dispatcher = dispatcher;
        this.maxRun = maxRun;
    }

    synchronized IoLane of(Object key) {
        return lanes.computeIfAbsent(key, k -> new SerialLane(dispatcher, maxRun));
    }
}
