package dev.flashcopy.engine.device;

/**
 * One connection's hold on a device. While any lease is open the device stays open and cannot be
 * removed; {@link #close()} gives the hold back (idempotent).
 */
public interface DeviceLease extends AutoCloseable {
    BlockDevice device();

    @Override
    void close();
}
