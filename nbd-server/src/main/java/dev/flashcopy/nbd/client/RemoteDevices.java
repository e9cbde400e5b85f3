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
 * Each name has at most one {@link RemoteDevice}, dialled when a connection first uses it and shared by every
 * connection using it (requests from all of them pipeline on its connection, which re-opens after a loss as the
 * {@link Reconnect} policy says), each connection through its own {@link TrackedRemoteDevice}; when the last of them
 * closes, so does the device's connection. A remote server that cannot be reached makes its export unknown for the
 * moment (logged), and the next look-up tries again. Thread-safe.
 */
public final class RemoteDevices implements DeviceProvider, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(RemoteDevices.class.getName());

    private final ClientLoops loops;
    private final Reconnect reconnect;
    private final Map<String, Entry> exports = new ConcurrentSkipListMap<>();

    private static final class Entry {
        final RemoteExport export;
        final Dialer dialer;
        RemoteDevice device; // guarded by this entry, open while leases > 0
        int leases; // guarded by this entry
        DeviceInfo info; // guarded by this entry: what the first dial found
        boolean closed; // guarded by this entry

        final Reconnect reconnect;

        Entry(RemoteExport export, Dialer dialer, Reconnect reconnect) {
            this.export = export;
            this.dialer = dialer;
            this.reconnect = reconnect;
        }
    }

    /** Connections run on {@code loops}, which the caller owns and closes after this; a lost one is dialled again. */
    public RemoteDevices(ClientLoops loops) {
        this(loops, Reconnect.ON_NEXT_REQUEST);
    }

    /** As {@link #RemoteDevices(ClientLoops)}, a lost connection handled as {@code reconnect} says. */
    public RemoteDevices(ClientLoops loops, Reconnect reconnect) {
        this.loops = loops;
        this.reconnect = reconnect;
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
        Entry old = exports.put(name, new Entry(export, dialer, reconnect));
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

    /** What the export is, from the first dial (which is kept only while a connection uses it). */
    @Override
    public Optional<DeviceInfo> info(String name) {
        Entry e = exports.get(name);
        if (e == null) {
            return Optional.empty();
        }
        synchronized (e) {
            if (e.info == null) {
                Optional<RemoteDevice> d = open(name, e);
                if (d.isEmpty()) {
                    return Optional.empty();
                }
                closeIfUnused(e);
            }
            return Optional.of(e.info);
        }
    }

    @Override
    public Optional<DeviceLease> acquire(String name) {
        Entry e = exports.get(name);
        if (e == null) {
            return Optional.empty();
        }
        synchronized (e) {
            Optional<RemoteDevice> d = open(name, e);
            if (d.isEmpty()) {
                return Optional.empty();
            }
            e.leases++;
            // Each connection its own view of the shared device: a FLUSH answers for that connection's writes.
            return Optional.of(new Lease(new TrackedRemoteDevice(d.get()), e));
        }
    }

    /** The entry's device, dialled now when it has none; empty (logged) when the far server cannot be reached. */
    private static Optional<RemoteDevice> open(String name, Entry e) {
        if (e.closed) {
            return Optional.empty();
        }
        if (e.device == null) {
            try {
                e.device = RemoteDevice.open(name, e.dialer, e.reconnect);
            } catch (IOException x) {
                LOG.log(System.Logger.Level.WARNING, "export {0} is not available: {1}", name, x.getMessage());
                return Optional.empty();
            }
            e.info = new DeviceInfo(name, e.device.size(), "forwarded to " + e.export, e.device.readOnly());
        }
        return Optional.of(e.device);
    }

    /**
     * Closes the entry's device when no connection uses it: an idle forward holds no connection to the far server,
     * which would otherwise count it as a user of the volume (and refuse to remove it) for as long as this runs.
     */
    private static void closeIfUnused(Entry e) {
        if (e.leases == 0 && e.device != null) {
            e.device.close();
            e.device = null;
        }
    }

    private static void close(Entry e) {
        synchronized (e) {
            e.closed = true;
            if (e.device != null) {
                e.device.close();
                e.device = null;
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

    /** A connection's hold on a shared device: the last one given back closes the device's connection. */
    private static final class Lease implements DeviceLease {
        private final BlockDevice device;
        private final Entry entry;
        private boolean released; // guarded by entry

        Lease(BlockDevice device, Entry entry) {
            this.device = device;
            this.entry = entry;
        }

        @Override
        public BlockDevice device() {
            return device;
        }

        @Override
        public void close() {
            synchronized (entry) {
                if (!released) {
                    released = true;
                    entry.leases--;
                    closeIfUnused(entry);
                }
            }
        }
    }
}
