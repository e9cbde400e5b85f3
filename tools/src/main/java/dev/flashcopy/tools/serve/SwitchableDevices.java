package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.device.DeviceInfo;
import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.device.DeviceProvider;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The devices the NBD server exports, swappable while it listens: a standby forwards to the owner, then serves its
 * own engine once it took the store over, and an owner that hands its store to another server forwards to that one,
 * all on the same listening sockets (so hosts keep one address). {@link #switchTo} changes what new look-ups see. A
 * server that shares its store ({@code movable}) also moves the connections already open: {@link #hold()} waits for
 * their requests in flight and keeps new requests and look-ups waiting, {@link #release} re-opens every connection's
 * device from the next provider and lets them go on; a host sees a pause, no error. Thread-safe; {@link #hold()} and
 * {@link #release} are called on one thread, in that order.
 */
final class SwitchableDevices implements DeviceProvider {
    /** No devices at all: what there is before the server knows what it serves. */
    static final DeviceProvider NONE = new DeviceProvider() {
        @Override
        public List<DeviceInfo> list() {
            return List.of();
        }

        @Override
        public Optional<DeviceInfo> info(String name) {
            return Optional.empty();
        }

        @Override
        public Optional<DeviceLease> acquire(String name) {
            return Optional.empty();
        }
    };

    private final boolean movable;
    private final ReentrantReadWriteLock switching = new ReentrantReadWriteLock();
    private final Set<MovableDevice> open = ConcurrentHashMap.newKeySet();
    private volatile DeviceProvider current;
    /** The connections {@link #hold()} holds; touched only by the thread that holds the write side of switching. */
    private List<MovableDevice> held = List.of();

    /** Connections keep the device they opened (a server alone on its store: no wrapper on the I/O path). */
    SwitchableDevices(DeviceProvider initial) {
        this(initial, false);
    }

    SwitchableDevices(DeviceProvider initial, boolean movable) {
        this.current = initial;
        this.movable = movable;
    }

    void switchTo(DeviceProvider next) {
        current = next;
    }

    /** Waits for every request in flight, then keeps look-ups and requests waiting until {@link #release}. */
    void hold() {
        switching.writeLock().lock();
        held = List.copyOf(open); // no connection opens while the write side is held
        for (MovableDevice d : held) {
            d.hold();
        }
    }

    /** Serves from {@code next}: new look-ups, and every open connection, whose waiting requests then go on. */
    void release(DeviceProvider next) {
        try {
            current = next;
            for (MovableDevice d : held) {
                d.moveTo(next);
            }
        } finally {
            for (MovableDevice d : held) {
                d.release();
            }
            held = List.of();
            switching.writeLock().unlock();
        }
    }

    /**
     * Moves every open connection whose device came from an earlier provider onto the current one, one connection at
     * a time: each waits for its own requests in flight only, then goes on from the current provider. A server that
     * took the store over calls this once the old owner let its held requests go: until then a forward's requests may
     * be waiting in the old owner's hold, and this server holding them all at once would wait for itself (a move's
     * {@link #hold()} does). Left as they were, a forward to the old owner comes back here through the old owner's
     * forward: a loop across two servers, whose next move would hold one end of it while waiting for the other
     * (the hang MoveIT found). The old device's close ends the loop's far end too. Called on the thread that calls
     * {@link #hold()} and {@link #release}, never between them; returns how many connections moved.
     */
    int rehome() {
        if (!movable) {
            return 0;
        }
        DeviceProvider now = current;
        int moved = 0;
        for (MovableDevice d : List.copyOf(open)) {
            if (d.from() == now) {
                continue;
            }
            d.hold();
            try {
                d.moveTo(now);
                moved++;
            } finally {
                d.release();
            }
        }
        return moved;
    }

    @Override
    public List<DeviceInfo> list() {
        switching.readLock().lock();
        try {
            return current.list();
        } finally {
            switching.readLock().unlock();
        }
    }

    @Override
    public Optional<DeviceInfo> info(String name) {
        switching.readLock().lock();
        try {
            return current.info(name);
        } finally {
            switching.readLock().unlock();
        }
    }

    @Override
    public Optional<DeviceLease> acquire(String name) {
        switching.readLock().lock();
        try {
            Optional<DeviceLease> lease = current.acquire(name);
            if (!movable || lease.isEmpty()) {
                return lease;
            }
            MovableDevice[] self = new MovableDevice[1];
            self[0] = new MovableDevice(name, current, lease.get(), () -> open.remove(self[0]));
            open.add(self[0]);
            return Optional.of(self[0]);
        } finally {
            switching.readLock().unlock();
        }
    }
}
