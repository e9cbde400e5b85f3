package dev.flashcopy.nbd.dispatch;

import java.util.Map;
import java.util.WeakHashMap;

/**
 * One {@link SerialLane} per key (a file, by identity), made on first use and forgotten with its key. Thread-safe.
 */
final class SerialLanes {
    private final IoDispatcher dispatcher;
    private final Map<Object, SerialLane> lanes = new WeakHashMap<>();

    SerialLanes(IoDispatcher dispatcher) {
        this.dispatcher = dispatcher;
    }

    synchronized IoLane of(Object key) {
        return lanes.computeIfAbsent(key, k -> new SerialLane(dispatcher));
    }
}
