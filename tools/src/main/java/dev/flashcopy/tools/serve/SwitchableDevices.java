package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.device.DeviceInfo;
import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.device.DeviceProvider;
import java.util.List;
import java.util.Optional;

/**
 * The devices the NBD server exports, swappable while it listens: a standby forwards to the owner, then serves its
 * own engine once it took the store over, on the same listening sockets (so hosts keep one address). A connection
 * keeps the device it opened; only new look-ups see the switch. Thread-safe.
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

    private volatile DeviceProvider current;

    SwitchableDevices(DeviceProvider initial) {
        this.current = initial;
    }

    void switchTo(DeviceProvider next) {
        current = next;
    }

    @Override
    public List<DeviceInfo> list() {
        return current.list();
    }

    @Override
    public Optional<DeviceInfo> info(String name) {
        return current.info(name);
    }

    @Override
    public Optional<DeviceLease> acquire(String name) {
        return current.acquire(name);
    }
}
