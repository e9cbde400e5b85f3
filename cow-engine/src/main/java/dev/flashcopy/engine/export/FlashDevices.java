package dev.flashcopy.engine.export;

import dev.flashcopy.engine.catalog.ByteSize;
import dev.flashcopy.engine.catalog.StoreLease;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.device.DeviceInfo;
import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.device.DeviceProvider;
import dev.flashcopy.engine.membership.VolumeRoles;
import dev.flashcopy.engine.volume.Volume;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Exports every volume of the store through the FlashCopy rules: each lease's device ({@link FlashDevice})
 * consults its volume's current route ({@code VolumeRoute}) at each request, so pairs may be established and
 * withdrawn under open connections. Volumes of an inactive relationship are listed but not exported (their
 * data is not trustworthy until the relationship is withdrawn). Thread-safe.
 */
public final class FlashDevices implements DeviceProvider {
    private final ExportedEngine engine;
    private final VolumeStore store;

    public FlashDevices(ExportedEngine engine, VolumeStore store) {
        this.engine = engine;
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
                        v.name(), v.size(), describe(v), v.readOnly() || FlashDevice.inhibited(engine, name)));
    }

    private String describe(Volume v) {
        StringBuilder s = new StringBuilder("flashcopy volume " + v.name() + " (" + ByteSize.format(v.size()) + ")");
        if (engine.registry().inactiveVolume(v.name())) {
            return s.append(", in an inactive FlashCopy relationship: not exported")
                    .toString();
        }
        VolumeRoles roles = engine.relationships().roles(v.name());
        roles.source()
                .ifPresent(src -> engine.relationships()
                        .list(src + ":" + v.name())
                        .forEach(r -> s.append(String.format(
                                Locale.ROOT,
                                ", FlashCopy target of %s at T0 %s (%s, %.1f%% copied)",
                                src,
                                r.establishedAt(),
                                r.state().label(),
                                r.copiedPercent()))));
        if (!roles.targets().isEmpty()) {
            s.append(", FlashCopy source of ").append(String.join(", ", roles.targets()));
        }
        return s.toString();
    }

    @Override
    public Optional<DeviceLease> acquire(String name) {
        if (engine.registry().inactiveVolume(name)) {
            return Optional.empty();
        }
        return store.lease(name).map(v -> new StoreLease(store, name, new FlashDevice(engine, v)));
    }
}
