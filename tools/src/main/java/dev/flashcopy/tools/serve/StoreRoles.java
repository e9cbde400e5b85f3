package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.tls.PinnedServerTrust;
import dev.flashcopy.nbd.tls.TlsCredentials;
import dev.flashcopy.rbd.lease.LeaseTerms;
import dev.flashcopy.tools.admin.AdminServer;
import dev.flashcopy.tools.admin.ApiException;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * A server on a shared store through its roles: standby (its NBD connections forwarded to the owner, its admin API
 * answering reads for the owner) and owner (an {@link OwnerTerm}); it goes from standby to owner when the store is
 * handed to it or its owner's lease lapses, and from owner back to standby when it hands the store over ({@link
 * #move}). Listening sockets, admin address and tokens never change; open NBD connections move with the role
 * ({@link SwitchableDevices#hold()}), so a host sees a pause, not an error. Thread-safe: role changes are serialised.
 */
final class StoreRoles implements AutoCloseable {
    /** How long an old owner waits for the new one to serve before its connections give up (they then fail). */
    private static final long NEW_OWNER_WAIT_NANOS = 30_000_000_000L;

    private final Path dataDir;
    private final CephStore ceph;
    private final StoreOwnership ownership;
    private final SwitchableDevices devices;
    private final AdminResources resources;
    private final String readToken;
    /** This server's certificate and key, null without; its NBD speaks TLS when {@link #nbdTls}. */
    private final TlsCredentials credentials;

    private final boolean nbdTls;
    /** The TLS of the last forward dial that knew the owner: used while nobody owns the store (it changes hands). */
    private volatile SslContext lastForwardTls;

    private final PrintWriter log;
    private final Object changing = new Object();
    private volatile Consumer<String> lost = reason -> {};
    private volatile OwnerTerm term;
    private StandbyExports standby; // guarded by changing
    private NbdExport nbd;
    private AdminServer admin;
    private Thread waiter;
    /** Moves this server's forwarded connections onto its engine after it became owner; guarded by changing. */
    private Thread rehoming;
    /** Where this server's NBD listens, as it published it while owner; null before. */
    private volatile Endpoint published;

    private boolean closed; // guarded by changing

    StoreRoles(
            Path dataDir,
            CephStore ceph,
            StoreOwnership ownership,
            SwitchableDevices devices,
            AdminResources resources,
            String readToken,
            TlsCredentials credentials,
            boolean nbdTls,
            PrintWriter log) {
        this.dataDir = dataDir;
        this.ceph = ceph;
        this.ownership = ownership;
        this.devices = devices;
        this.resources = resources;
        this.readToken = readToken;
        this.credentials = credentials;
        this.nbdTls = nbdTls;
        this.log = log;
    }

    void attach(NbdExport nbd, AdminServer admin) {
        this.nbd = nbd;
        this.admin = admin;
    }

    /** What to do when a later takeover fails (the server then stops, as when it loses the lease). */
    void onFailure(Consumer<String> action) {
        lost = action;
    }

    /** The term this server owns the store in, or null while it is a standby. */
    OwnerTerm term() {
        return term;
    }

    /** Serves as a standby: new NBD look-ups forward to the owner, the admin API answers for it. */
    void becomeStandby() {
        synchronized (changing) {
            standby = newStandby();
            devices.switchTo(standby);
            admin.serve(resources.standby(), standbyApi());
        }
    }

    /**
     * Forwards to the owner; to this server itself while it owns the store (a connection forwarded before the
     * takeover that reconnects then reaches this server's engine).
     */
    private StandbyExports newStandby() {
        return new StandbyExports(
                ceph.metadata(),
                ceph.metadataRoot(),
                () -> {
                    Endpoint self = published;
                    return term != null && self != null
                            ? Optional.of(self)
                            : StoreOwnership.ownerEndpoint(ceph.leases(), ownership.serverName());
                },
                this::forwardTls);
    }

    /**
     * The TLS a forward speaks to the owner it dials, as that owner published it: none when its NBD has no TLS,
     * else TLS that trusts exactly the certificate it published (so no CA is needed between servers) and presents
     * this server's own certificate when the owner asks for one (its {@code --tls-ca}). Read at each dial.
     */
    private SslContext forwardTls() {
        Optional<String> owner = term != null ? Optional.of(ownership.serverName()) : ownership.storeOwner();
        if (owner.isEmpty()) {
            return lastForwardTls; // the store changes hands: the dial goes to the last owner, as it was
        }
        Optional<OwnerAdmin> o = ownership.published(owner.get());
        SslContext tls = null;
        if (o.isPresent() && o.get().nbdTls() && o.get().certificateSha256() != null) {
            PinnedServerTrust pin = new PinnedServerTrust(
                    o.get().certificateSha256(), "the record " + owner.get() + " published in the pool");
            tls = credentials != null ? credentials.clientContext(pin) : TlsCredentials.anonymousClientContext(pin);
        }
        lastForwardTls = tls;
        return tls;
    }

    private StandbyAdminApi standbyApi() {
        return new StandbyAdminApi(ceph.pool().name(), ownership::ownerAdmin);
    }

    /**
     * The first term: at once when nobody owns the store; else as a standby (forwarding NBD, answering the admin API
     * for the owner) until the store is handed here or its owner's lease lapses.
     */
    OwnerTerm ownFirst(String pool, boolean demo) throws IOException, StartupException {
        // Until this server has opened the store, its admin API answers as a standby's (reads go to the owner).
        becomeStandby();
        if (ownership.tryOwn()) {
            return becomeOwner(demo);
        }
        log.println("flashcopy: standby: the store of pool " + pool + " is owned by " + ownership.holder()
                + "; forwarding its volumes there, answering the admin API for it, and taking the store over if"
                + " it is handed here or that server stops renewing its lease ("
                + LeaseTerms.DEFAULT.duration().toSeconds() + " s)");
        log.println(NbdAddresses.BANNER + NbdAddresses.format(NbdAddresses.primary(nbd.addresses())));
        log.flush();
        ownership.awaitOwnership(log);
        return becomeOwner(demo);
    }

    /**
     * With the store's lease held: opens the store and the engine, serves them on new look-ups and the admin API,
     * then publishes where this server answers, and moves the connections it forwarded until now onto its engine in
     * the background ({@link #rehomeInBackground}).
     */
    OwnerTerm becomeOwner(boolean demo) throws IOException {
        synchronized (changing) {
            OwnerTerm t = OwnerTerm.open(VolumeStore.open(ceph.metadata(), ceph.metadataRoot(), ceph.images()), demo);
            term = t;
            devices.switchTo(t.flash().devices());
            admin.serve(resources.owner(t, List.of(new MoveResource(this))), null);
            publish();
            rehomeInBackground(t);
            return t;
        }
    }

    /**
     * Moves the connections this server forwarded as a standby onto its engine, each once its requests in flight are
     * answered. Not at once, under the role change: a forward's requests may be waiting in the old owner's hold,
     * which lasts until this server has published (a move), or be sent again to this server after the old owner died
     * (a takeover). Left as they were, a forward to an old owner that handed the store here comes back through that
     * owner's forward: a loop, whose two ends the next move would hold at once, each waiting for the other.
     */
    private void rehomeInBackground(OwnerTerm t) {
        rehoming = Thread.ofPlatform().daemon().name("flashcopy-rehome").start(() -> {
            if (term != t) {
                return;
            }
            long started = System.nanoTime();
            int moved = devices.rehome();
            if (moved > 0) {
                log.println("flashcopy: " + moved + " connection(s) forwarded while a standby now served by this"
                        + " server's engine (" + (System.nanoTime() - started) / 1_000_000 + " ms)");
                log.flush();
            }
        });
    }

    /** Waits for the re-homing of the last takeover: a move's hold must not hold what it holds one at a time. */
    private void awaitRehomed() throws IOException {
        Thread r = rehoming;
        if (r == null) {
            return;
        }
        try {
            r.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while this server's forwarded connections moved onto its engine", e);
        }
    }

    /**
     * Publishes where standbys reach this owner: its first TCP listener and its admin API, a wildcard address replaced
     * by this host's name (a standby on another host cannot dial 0.0.0.0). Listening on unix sockets only, it
     * publishes no NBD address, and standbys forward nothing (they still take over).
     */
    private void publish() throws IOException {
        InetSocketAddress at = admin.address();
        String url = resources.adminUrl().substring(0, resources.adminUrl().indexOf("://") + 3)
                + new HostPort(hostOf(at), at.getPort());
        ownership.publishAdmin(url, readToken, credentials == null ? null : credentials.fingerprint(), nbdTls);
        // Last: an old owner handing the store here takes a new NBD record as the sign that this server serves.
        for (SocketAddress a : nbd.addresses()) {
            if (a instanceof InetSocketAddress inet) {
                Endpoint.Tcp self = new Endpoint.Tcp(hostOf(inet), inet.getPort());
                ownership.publish(self);
                published = self;
                break;
            }
        }
    }

    private static String hostOf(InetSocketAddress inet) {
        return inet.getAddress().isAnyLocalAddress()
                ? FlashcopyServer.hostName()
                : inet.getAddress().getHostAddress();
    }

    /**
     * Hands the whole store to the live server {@code to}: holds every NBD connection (requests in flight finish, new
     * ones wait), closes the engine (its last checkpoint), hands the lease to {@code to}, waits for it to serve, and
     * moves the connections to forwards to it; this server stays up as a standby. Refused, changing nothing, when
     * {@code to} is this server or no live server of the pool.
     */
    String move(String to) throws IOException {
        log.println("flashcopy: asked to hand the store over to " + to);
        log.flush();
        synchronized (changing) {
            OwnerTerm t = term;
            String self = ownership.serverName();
            String pool = ceph.pool().name();
            if (t == null || closed) {
                throw new ApiException(409, "this server does not own the store of pool " + pool + " now");
            }
            if (to.equals(self)) {
                throw new ApiException(409, "--to " + to + " is this server, which owns the store already");
            }
            if (!ownership.isLive(to)) {
                throw new ApiException(
                        409,
                        "--to " + to + ": no live server of that name shares pool " + pool + " (give the"
                                + " --server-name of a running standby)");
            }
            awaitRehomed();
            int volumes = t.store().records().size();
            long started = System.nanoTime();
            devices.hold();
            StandbyExports before = standby;
            StandbyExports next = null;
            try {
                t.releaseFreezes();
                try {
                    t.close();
                } catch (IOException | RuntimeException e) {
                    // The journal is crash-safe: the next owner recovers as after a crash, which loses no write.
                    log.println("flashcopy: closing the engine for the move: " + e.getMessage());
                }
                term = null;
                long published = ownership.endpointVersion(to);
                ownership.handOver(to);
                log.println("flashcopy: handed the store of pool " + pool + " over to " + to
                        + "; serving as a standby, forwarding to it");
                log.flush();
                admin.serve(resources.standby(), standbyApi());
                next = awaitServing(to, published) ? newStandby() : null;
            } finally {
                standby = next;
                // Every connection moves, those forwarded through the old standby exports too (one of those may be
                // forwarded to this server itself, which from now on would forward it back: a loop).
                devices.release(next != null ? next : SwitchableDevices.NONE);
                if (before != null) {
                    before.close();
                }
            }
            long millis = (System.nanoTime() - started) / 1_000_000;
            awaitOwnershipInBackground();
            if (standby == null) {
                throw new IOException("handed the store over to " + to + ", which did not serve it within "
                        + NEW_OWNER_WAIT_NANOS / 1_000_000_000L + " s; this server's open connections were dropped");
            }
            return "moved the whole store of pool " + pool + " (" + volumes + " volume(s): ownership is store-wide)"
                    + " from " + self + " to " + to + " in " + millis + " ms; " + self
                    + " forwards to it as a standby now";
        }
    }

    /**
     * Waits until {@code to} owns the store and published its NBD address anew (its record's version moved past
     * {@code published}: a record from an earlier term says nothing), bounded; the held requests go there next.
     */
    private boolean awaitServing(String to, long published) {
        long deadline = System.nanoTime() + NEW_OWNER_WAIT_NANOS;
        while (System.nanoTime() < deadline) {
            Optional<String> owner = ownership.storeOwner();
            if (owner.isPresent() && owner.get().equals(to) && ownership.endpointVersion(to) != published) {
                return true;
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return false;
    }

    /** As a standby again: takes the store back when it is handed here or its owner's lease lapses. */
    private void awaitOwnershipInBackground() {
        waiter = Thread.ofPlatform().daemon().name("flashcopy-standby").start(() -> {
            try {
                ownership.awaitOwnership(log);
                synchronized (changing) {
                    if (closed) {
                        return;
                    }
                    becomeOwner(false);
                }
            } catch (IOException | StartupException | RuntimeException e) {
                boolean stopping;
                synchronized (changing) {
                    stopping = closed;
                }
                if (!stopping) {
                    lost.accept("taking the store over failed: "
                            + (e instanceof StartupException
                                    ? e.getMessage()
                                    : StartFailures.inWords(e, ceph.choice())));
                }
            }
        });
    }

    /** Lets writes a freeze holds go on; called before NBD closes, so they are answered. */
    void releaseFreezes() {
        OwnerTerm t = term;
        if (t != null) {
            t.releaseFreezes();
        }
    }

    /** The store's lease was lost: the term stops where it is, writing nothing more. */
    void abandon() throws IOException {
        OwnerTerm t = term;
        if (t != null) {
            t.abandon();
        }
    }

    /** Stops waiting for the store, closes the forwards and the term (its last checkpoint), if any. */
    @Override
    public void close() throws IOException {
        Thread w;
        synchronized (changing) {
            closed = true;
            w = waiter;
        }
        if (w != null) {
            w.interrupt();
        }
        synchronized (changing) {
            if (standby != null) {
                standby.close();
                standby = null;
            }
            OwnerTerm t = term;
            term = null;
            if (t != null) {
                t.close();
            }
        }
    }
}
