package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.catalog.VolumeRecord;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.device.DeviceInfo;
import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.device.DeviceProvider;
import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.nbd.client.ClientLoops;
import dev.flashcopy.nbd.client.RemoteDevices;
import dev.flashcopy.nbd.client.RemoteExport;
import dev.flashcopy.nbd.listen.Endpoint;
import java.io.IOException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What a standby exports: every volume of the store, each forwarded over NBD to the server that owns the store, so
 * a host may connect to any server of the pool. The volumes are the catalog in RADOS (read, never written), and the
 * owner's NBD address is what it published ({@link StoreOwnership#ownerEndpoint}); both are looked at again at most
 * once a second, on a look-up. FUA, FLUSH, errors and structured replies keep their meaning through the forward
 * ({@code nbd.client.RemoteDevice}). Thread-safe.
 */
final class StandbyExports implements DeviceProvider, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StandbyExports.class.getName());
    private static final long REFRESH_NANOS = 1_000_000_000L;

    private final Disk metadata;
    private final Path dataDir;
    private final Supplier<Optional<Endpoint>> owner;
    private final ClientLoops loops = ClientLoops.create(1);
    private final RemoteDevices remote = new RemoteDevices(loops);
    private final Set<String> names = new HashSet<>();
    private Endpoint forwardingTo;
    private long lookedAt = System.nanoTime() - REFRESH_NANOS;

    StandbyExports(Disk metadata, Path dataDir, Supplier<Optional<Endpoint>> owner) {
        this.metadata = metadata;
        this.dataDir = dataDir;
        this.owner = owner;
    }

    /** Brings the forwarded names up to the catalog and the owner's address, at most once a second. */
    private synchronized void refresh() {
        if (System.nanoTime() - lookedAt < REFRESH_NANOS) {
            return;
        }
        lookedAt = System.nanoTime();
        Optional<Endpoint> endpoint = owner.get();
        List<VolumeRecord> volumes;
        try {
            volumes = endpoint.isEmpty() ? List.of() : VolumeStore.readCatalog(metadata, dataDir);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "standby: cannot read the store's catalog: " + e.getMessage());
            return;
        }
        if (!endpoint.equals(Optional.ofNullable(forwardingTo))) {
            // A new owner (or none): every forward is re-made towards it.
            names.forEach(remote::remove);
            names.clear();
            forwardingTo = endpoint.orElse(null);
        }
        Set<String> now = new HashSet<>();
        for (VolumeRecord v : volumes) {
            now.add(v.name());
            if (names.add(v.name())) {
                remote.add(v.name(), new RemoteExport(forwardingTo, v.name()));
            }
        }
        for (String gone : Set.copyOf(names)) {
            if (!now.contains(gone)) {
                remote.remove(gone);
                names.remove(gone);
            }
        }
    }

    @Override
    public List<DeviceInfo> list() {
        refresh();
        return remote.list();
    }

    @Override
    public Optional<DeviceInfo> info(String name) {
        refresh();
        return remote.info(name);
    }

    @Override
    public Optional<DeviceLease> acquire(String name) {
        refresh();
        return remote.acquire(name);
    }

    /** Stops forwarding: connections still forwarded fail their next request, and their hosts reconnect. */
    @Override
    public void close() {
        remote.close();
        loops.close();
    }
}
