package dev.flashcopy.engine.catalog;

import dev.flashcopy.engine.device.DeviceInfo;
import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.device.DeviceProvider;
import java.util.List;
import java.util.Optional;

/**
 * Exports every volume of a store as itself, with no copy-on-write in between. Thread-safe.
 */
public final class VolumeDevices implements DeviceProvider {
    private final VolumeStore store;

    public VolumeDevices(VolumeStore store) {
        this.store = store;
    }

    @Override
    public List<DeviceInfo> list() {
        return store.records().stream()
                .map(r -> info(r.name()))
                .flatMap(Optional::stream)
                .toList();
    }

    @Override
    public Optional<DeviceInfo> info(String name) {
        return store.find(name)
                .map(v -> new DeviceInfo(
                        v.name(),
                        v.size(),
                        "flashcopy volume " + v.name() + " (" + ByteSize.format(v.size()) + ")",
                        v.readOnly()));
    }

    @Override
    public Optional<DeviceLease> acquire(String name) {
        return store.lease(name).map(v -> new StoreLease(store, v.name(), v));
    }
}
