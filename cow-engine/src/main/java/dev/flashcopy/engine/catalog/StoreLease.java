package dev.flashcopy.engine.catalog;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.DeviceLease;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One connection's hold on a volume of a {@link VolumeStore} (taken with {@link VolumeStore#lease}), served as
 * {@code device}: the plain volume itself, or a device that routes through its relationships. Closing gives the
 * store's lease back once. Thread-safe.
 */
public final class StoreLease implements DeviceLease {
    private final VolumeStore store;
    private final String name;
    private final BlockDevice device;
    private final AtomicBoolean closed = new AtomicBoolean();

    public StoreLease(VolumeStore store, String name, BlockDevice device) {
        this.store = store;
        this.name = name;
        this.device = device;
    }

    @Override
    public BlockDevice device() {
        return device;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            store.release(name);
        }
    }
}
