package dev.flashcopy.nbd.testing;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.DeviceInfo;
import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.device.DeviceProvider;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** Serves fixed devices by name and counts leases not yet closed. Thread-safe. */
public final class LeaseCountingDevices implements DeviceProvider {
    private final Map<String, BlockDevice> devices = new TreeMap<>();
    private final AtomicInteger openLeases = new AtomicInteger();

    public LeaseCountingDevices(BlockDevice... devices) {
        for (BlockDevice device : devices) {
            this.devices.put(device.name(), device);
        }
    }

    public int openLeases() {
        return openLeases.get();
    }

    @Override
    public List<DeviceInfo> list() {
        return devices.values().stream().map(LeaseCountingDevices::describe).toList();
    }

    @Override
    public Optional<DeviceInfo> info(String name) {
        return Optional.ofNullable(devices.get(name)).map(LeaseCountingDevices::describe);
    }

    @Override
    public Optional<DeviceLease> acquire(String name) {
        BlockDevice device = devices.get(name);
        if (device == null) {
            return Optional.empty();
        }
        openLeases.incrementAndGet();
        AtomicBoolean closed = new AtomicBoolean();
        return Optional.of(new DeviceLease() {
            @Override
            public BlockDevice device() {
                return device;
            }

            @Override
            public void close() {
                if (closed.compareAndSet(false, true)) {
                    openLeases.decrementAndGet();
                }
            }
        });
    }

    private static DeviceInfo describe(BlockDevice device) {
        return new DeviceInfo(device.name(), device.size(), "device " + device.name(), device.readOnly());
    }
}
