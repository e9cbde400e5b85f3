package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.catalog.VolumeRecord;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.device.DeviceInfo;
import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.device.DeviceProvider;
import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.nbd.client.ClientLoops;
import dev.flashcopy.nbd.client.Dialer;
import dev.flashcopy.nbd.client.NbdClient;
import dev.flashcopy.nbd.client.NbdConnection;
import dev.flashcopy.nbd.client.Reconnect;
import dev.flashcopy.nbd.client.RemoteDevices;
import dev.flashcopy.nbd.client.RemoteExport;
import dev.flashcopy.nbd.listen.Endpoint;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;

/**
 * What a standby exports: every volume of the store, each forwarded over NBD to the server that owns the store, so
 * a host may connect to any server of the pool. The volumes are the catalog in RADOS (read, never written), and the
 * owner's NBD address is what it published ({@link StoreOwnership#ownerEndpoint}); both are looked at again at most
 * once a second, on a look-up. A forward's open connection stays where it is when the store changes hands (an old
 * owner, moved away, forwards in turn); each dial, after a loss, goes to the owner of that moment, which may be this
 * server itself once it took the store over (its NBD then serves its engine, so the connection cannot loop). A request
 * in flight when its owner goes away is sent again to the next one ({@link #RESEND_WINDOW}), and a host's FLUSH after
 * such a loss fails once if writes answered before it may have gone with the old owner ({@code TrackedRemoteDevice}).
 * FUA, FLUSH, errors and structured replies keep their meaning through the forward ({@code nbd.client.RemoteDevice}),
 * which speaks TLS to an owner whose NBD does.
 * Thread-safe.
 */
final class StandbyExports implements DeviceProvider, AutoCloseable {
    private static final System.Logger LOG = System.getLogger(StandbyExports.class.getName());
    private static final long REFRESH_NANOS = 1_000_000_000L;

    private final Disk metadata;
    private final Path dataDir;
    private final Supplier<Optional<Endpoint>> owner;
    private final Supplier<SslContext> tls;
    private final ClientLoops loops = ClientLoops.create(1);
    /**
     * Requests whose owner goes away are sent again to the next owner: a failover takes the store over well within a
     * minute (the lease lapses in 10 s, then recovery), and the host sees a pause, not an error.
     */
    static final Duration RESEND_WINDOW = Duration.ofSeconds(60);

    private final RemoteDevices remote = new RemoteDevices(loops, Reconnect.resendingFor(RESEND_WINDOW));
    private final Set<String> names = new HashSet<>();
    private volatile Endpoint forwardingTo;
    private long lookedAt = System.nanoTime() - REFRESH_NANOS;

    /** {@code tls} gives the TLS context of the next dial to the owner, null for plain NBD. */
    StandbyExports(Disk metadata, Path dataDir, Supplier<Optional<Endpoint>> owner, Supplier<SslContext> tls) {
        this.metadata = metadata;
        this.dataDir = dataDir;
        this.owner = owner;
        this.tls = tls;
    }

    /** Brings the forwarded names up to the catalog and the owner's address, at most once a second. */
    private synchronized void refresh() {
        if (System.nanoTime() - lookedAt < REFRESH_NANOS) {
            return;
        }
        lookedAt = System.nanoTime();
        Optional<Endpoint> endpoint = owner.get();
        if (endpoint.isEmpty()) {
            return; // nobody owns the store this moment (it changes hands): the forwards stay for the next owner
        }
        List<VolumeRecord> volumes;
        try {
            volumes = VolumeStore.readCatalog(metadata, dataDir);
        } catch (IOException e) {
            LOG.log(System.Logger.Level.WARNING, "standby: cannot read the store's catalog: " + e.getMessage());
            return;
        }
        forwardingTo = endpoint.get();
        Set<String> now = new HashSet<>();
        for (VolumeRecord v : volumes) {
            now.add(v.name());
            if (names.add(v.name())) {
                remote.add(v.name(), new RemoteExport(forwardingTo, v.name()), new OwnerDialer(v.name()));
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

    /** Dials the volume on whichever server owns the store at the moment of the dial. */
    private final class OwnerDialer implements Dialer {
        private final String volume;

        OwnerDialer(String volume) {
            this.volume = volume;
        }

        private RemoteExport export() throws IOException {
            // The owner now; while nobody is (the store changes hands), the last one, which forwards or answers.
            Endpoint to = owner.get().orElse(forwardingTo);
            if (to == null) {
                throw new IOException("no server owns the store of " + volume + " at the moment");
            }
            return new RemoteExport(to, volume, tls.get(), RemoteExport.DEFAULT_TIMEOUT);
        }

        @Override
        public NbdConnection dial(List<String> contexts) throws IOException {
            return NbdClient.open(export(), loops, contexts);
        }

        @Override
        public List<String> listContexts(String query) throws IOException {
            return NbdClient.listContexts(export(), loops, query);
        }
    }

    /** Stops forwarding: connections still forwarded fail their next request, and their hosts reconnect. */
    @Override
    public void close() {
        remote.close();
        loops.close();
    }
}
