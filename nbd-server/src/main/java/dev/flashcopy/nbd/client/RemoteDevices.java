package dev.flashcopy.nbd.client;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.DeviceInfo;
import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.device.DeviceProvider;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/**
 * Exports that live on other NBD servers, offered to an {@code NbdServer} under local names: a forwarding export.
 * Each name has one {@link RemoteDevice}, dialled at the first look-up and shared by every connection to it (requests
 * from all of them pipeline on its connection, which re-opens on the next request after a loss). A remote server
 * that cannot be reached makes its export unknown for the moment (logged), and the next look-up tries again.
 * Thread-safe.
 */
public final class RemoteDevices implements DeviceProvider, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RemoteDevices.class.getName());

    private final ClientLoops loops;
    private final Map<String, Entry> exports = new ConcurrentSkipListMap<>();

    private static final class Entry {
        final RemoteExport export;
        final Dialer dialer;
        RemoteDevice device; // guarded by this entry

        Entry(RemoteExport export, Dialer dialer) {
            this.export = export;
            this.dialer = dialer;
        }
    }

    /** Connections run on {@code loops}, which the caller owns and closes after this. */
    public RemoteDevices(ClientLoops loops) {
        this.loops = loops;
    }

    /** Offers {@code export} as {@code name}; replaces (and closes) whatever had that name. */
    public void add(String name, RemoteExport export) {
        add(name, export, Dialer.of(export, loops));
    }

    /**
     * Offers the export {@code dialer} reaches as {@code name}, {@code export} being where it lives at the moment (for
     * descriptions): a dialer that looks the place up at each dial moves the export's connections when it moves.
     */
    public void add(String name, RemoteExport export, Dialer dialer) {
        Entry old = exports.put(name, new Entry(export, dialer));
        if (old != null) {
            close(old);
        }
    }

    /** Stops offering {@code name}; connections still using it fail their next request with SHUTDOWN. */
    public void remove(String name) {
        Entry old = exports.remove(name);
        if (old != null) {
            close(old);
        }
    }

    @Override
    public List<DeviceInfo> list() {
        List<DeviceInfo> all = new ArrayList<>();
        for (String name : exports.keySet()) {
            info(name).ifPresent(all::add);
        }
        return all;
    }

    @Override
    public Optional<DeviceInfo> info(String name) {
        Entry e = exports.get(name);
        return device(name, e).map(d -> new DeviceInfo(name, d.size(), "forwarded to " + e.export, d.readOnly()));
    }

    @Override
    public Optional<DeviceLease> acquire(String name) {
        return device(name, exports.get(name)).map(Lease::new);
    }

    private Optional<RemoteDevice> device(String name, Entry e) {
        if (e == null) {
            return Optional.empty();
        }
        synchronized (e) {
            if (e.device == null) {
                try {
                    e.device = RemoteDevice.open(name, e.dialer, Reconnect.ON_NEXT_REQUEST);
                } catch (IOException x) {
                    LOG.log(System.Logger.Level.WARNING, "export {0} is not available: {1}", name, x.getMessage());
                    return Optional.empty();
                }
            }
            return Optional.of(e.device);
        }
    }

    private static void close(Entry e) {
        synchronized (e) {
            if (e.device != null) {
                e.device.close();
            }
        }
    }

    /** Closes every remote device (not the loops). */
    @Override
    public void close() {
        for (String name : List.copyOf(exports.keySet())) {
            remove(name);
        }
    }

    /** A connection's hold: the device is shared, so giving the hold back closes nothing. */
    private record Lease(BlockDevice device) implements DeviceLease {
        @Override
        public void close() {}
    }
}
