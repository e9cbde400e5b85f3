package dev.flashcopy.engine.device;

import java.util.List;
import java.util.Optional;

/**
 * The devices a server may export, by name. Thread-safe: connections come and go on many threads.
 */
public interface DeviceProvider {
    /** Every device, in name order. */
    List<DeviceInfo> list();

    /** The named device's description, or empty when there is none by that name. */
    Optional<DeviceInfo> info(String name);

    /** Opens the named device for one connection; empty when there is none by that name. */
    Optional<DeviceLease> acquire(String name);
}
