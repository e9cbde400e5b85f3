package dev.flashcopy.tools.serve;

import static java.nio.charset.StandardCharsets.UTF_8;

import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.rbd.CephException;
import dev.flashcopy.rbd.Errno;
import dev.flashcopy.rbd.Pool;
import dev.flashcopy.rbd.lease.Handovers;
import dev.flashcopy.rbd.lease.HolderRecord;
import dev.flashcopy.rbd.lease.Lease;
import dev.flashcopy.rbd.lease.LeaseHeldException;
import dev.flashcopy.rbd.lease.LeaseListener;
import dev.flashcopy.rbd.lease.LeaseTerms;
import dev.flashcopy.rbd.lease.ServerNameInUseException;
import dev.flashcopy.rbd.lease.ServerNames;
import java.io.IOException;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Who serves a pool's store: every server registers its {@code --server-name} (a second live server under the same
 * name is refused), and one of them, the owner, holds the store's lease {@code flashcopy.lease.store}; only the owner
 * opens the metadata and the images, and it publishes its NBD address ({@code flashcopy.endpoint.NAME}) so that the
 * others, standbys, can forward hosts' connections to it. A standby takes the lease over once the owner stops renewing
 * it (it died, or was paused): {@link Lease#takeOver()} blocklists the old owner's client address before taking the
 * lock, so an owner that wakes up cannot write one more byte to any image or metadata object, and is told through its
 * lease that it lost it.
 *
 * <p>Today the store is one family domain: the owner serves every volume of the pool.
 */
final class StoreOwnership implements AutoCloseable {
    static final String OWNER_OBJECT = "flashcopy.lease.store";
    private static final String ENDPOINT_PREFIX = "flashcopy.endpoint.";
    private static final String ADMIN_PREFIX = "flashcopy.admin.";
    /** How often a standby looks whether the store was released or handed to it: a planned move takes that long. */
    private static final long LOOK_MILLIS = 200;

    private final CephStore ceph;
    private final String serverName;
    private final LeaseTerms terms;
    /** The registration of this server's name; registered again when it lapsed while a standby waited. */
    private Lease name;

    private final AtomicReference<Consumer<String>> onLost;
    private final LeaseListener listener;
    private final Handovers handovers;
    private Lease owner;
    private LeaseHeldException heldBy;

    private StoreOwnership(
            CephStore ceph,
            String serverName,
            LeaseTerms terms,
            Lease name,
            AtomicReference<Consumer<String>> onLost,
            LeaseListener listener) {
        this.ceph = ceph;
        this.serverName = serverName;
        this.terms = terms;
        this.name = name;
        this.onLost = onLost;
        this.listener = listener;
        // A move names the next owner; the others leave the store to it for a lease's duration, then it is anyone's.
        this.handovers = new Handovers(terms.duration());
    }

    /**
     * Registers {@code serverName} among the pool's servers. A name still held is waited for up to a lease's
     * duration and a renewal period (a server restarted right after a crash meets its own last registration until
     * it expires; refusing then would make a supervisor's restarts fail in a row), saying so on {@code log}; a twin
     * that renews throughout is a one-line refusal.
     */
    static StoreOwnership register(CephStore ceph, String serverName, LeaseTerms terms, PrintWriter log)
            throws StartupException, IOException {
        AtomicReference<Consumer<String>> onLost = new AtomicReference<>(reason -> {});
        LeaseListener listener = (lease, reason) -> onLost.get().accept(lease.objectName() + ": " + reason);
        Lease name = registerName(ceph, serverName, terms, listener, log);
        return new StoreOwnership(ceph, serverName, terms, name, onLost, listener);
    }

    private static Lease registerName(
            CephStore ceph, String serverName, LeaseTerms terms, LeaseListener listener, PrintWriter log)
            throws StartupException, IOException {
        Duration patience = terms.duration().plus(terms.renewEvery());
        try {
            return ServerNames.register(
                    ceph.cluster(), ceph.leases(), serverName, terms, listener, patience, holder -> {
                        log.println("flashcopy: --server-name " + serverName + " is registered to " + holder
                                + ", perhaps a server that stopped a moment ago; waiting up to "
                                + patience.toSeconds() + " s for that registration to lapse");
                        log.flush();
                    });
        } catch (ServerNameInUseException e) {
            throw new StartupException(
                    "--server-name " + serverName + " is in use by a live server (" + e.address()
                            + ", still renewing after " + patience.toSeconds()
                            + " s); give this one another name, or stop that one",
                    null);
        }
    }

    /** Takes the store's lease if nobody live holds it (fencing a holder that lapsed); false while one does. */
    synchronized boolean tryOwn() throws IOException {
        if (owner != null) {
            return true;
        }
        Lease lease = new Lease(ceph.cluster(), ceph.leases(), OWNER_OBJECT, serverName, terms, listener, handovers);
        try {
            lease.takeOver();
            owner = lease;
            return true;
        } catch (LeaseHeldException e) {
            lease.close();
            heldBy = e;
            return false;
        } catch (IOException | RuntimeException e) {
            lease.close();
            throw e;
        }
    }

    /** Who holds the store while {@link #tryOwn()} says no: {@code NAME (ADDRESS)}. */
    synchronized String holder() {
        return heldBy == null ? "another server" : heldBy.serverName() + " (" + heldBy.address() + ")";
    }

    /**
     * Waits, as a standby, until this server owns the store; says so on {@code log}. It tries at the lease's renewal
     * period (an owner that stops renewing is taken over once its lease lapses), and at once when the record says
     * the store was released or handed to this server (a clean stop, a move): the record is one small read. A
     * standby outlives a cluster that stops answering (restarted, say): its calls wait until the cluster is back, and
     * then it takes the store over from the owner, which stopped when it could not renew its lease. Its own name's
     * registration lapsed meanwhile, so it registers the name again first (refused if another live server took it).
     */
    void awaitOwnership(PrintWriter log) throws IOException, StartupException {
        long lastTry = System.nanoTime();
        HolderRecord last = null;
        while (true) {
            registerAgainIfLapsed(log);
            try {
                last = Lease.read(ceph.leases(), OWNER_OBJECT).orElse(null);
            } catch (IOException | RuntimeException e) {
                last = null; // a moment's trouble: the periodic attempt below still runs
            }
            boolean invited = last != null
                    && !last.held()
                    && (last.handoverTo() == null || last.handoverTo().equals(serverName));
            if (invited || System.nanoTime() - lastTry >= terms.renewEvery().toNanos()) {
                lastTry = System.nanoTime();
                boolean owned;
                try {
                    owned = tryOwn();
                } catch (CephException e) {
                    if (e.errno() != Errno.ETIMEDOUT) {
                        throw e;
                    }
                    // The fence's placement groups did not all answer in time: the old owner may still write, so
                    // no lock yet; the next attempt fences again (the entry stands) and waits anew.
                    log.println("flashcopy: standby: fencing the old owner did not settle (" + e.getMessage()
                            + "); trying again");
                    log.flush();
                    owned = false;
                }
                if (owned) {
                    registerAgainIfLapsed(log); // the look that succeeded may have waited out an outage itself
                    break;
                }
            }
            try {
                Thread.sleep(LOOK_MILLIS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting to own the store", e);
            }
        }
        String how = last != null && serverName.equals(last.handoverTo())
                ? "handed over by " + last.serverName()
                : last != null && !last.held() ? "its owner released it" : "the owner's lease lapsed; it is fenced";
        log.println("flashcopy: took over the store of pool " + ceph.leases().name() + " (" + how + ")");
        log.flush();
    }

    /**
     * Hands the store to the live server {@code to} (the engine is closed: nothing more is written under this lease);
     * from here on this server is a standby, which may own the store again later.
     */
    synchronized void handOver(String to) throws IOException {
        if (owner == null) {
            throw new IOException("this server does not own the store");
        }
        Lease lease = owner;
        owner = null;
        lease.handOver(to);
    }

    /** Whether a live server runs under {@code name} on this pool (it holds its name's lease). */
    boolean isLive(String name) throws IOException {
        return Lease.owner(ceph.leases(), ServerNames.objectName(name)).isPresent();
    }

    /** The version of the NBD address {@code name} published last, -1 when it published none (or it cannot be read). */
    long endpointVersion(String name) {
        try {
            return ceph.leases().stat(ENDPOINT_PREFIX + name).version();
        } catch (IOException | RuntimeException e) {
            return -1;
        }
    }

    /** Publishes where this owner answers its admin API, for standbys to pass reads on to, and its NBD's TLS. */
    void publishAdmin(String url, String readToken, String certificateSha256, boolean nbdTls) throws IOException {
        ceph.leases()
                .writeFull(
                        ADMIN_PREFIX + serverName,
                        new OwnerAdmin(serverName, url, readToken, certificateSha256, nbdTls).encode());
    }

    /** The server that owns the store now, if any (a live lease). */
    Optional<String> storeOwner() {
        try {
            return Lease.owner(ceph.leases(), OWNER_OBJECT).map(HolderRecord::serverName);
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Where the store's live owner, if not this server, answers its admin API, if it published that. */
    Optional<OwnerAdmin> ownerAdmin() {
        Optional<String> holder = storeOwner();
        if (holder.isEmpty() || holder.get().equals(serverName)) {
            return Optional.empty();
        }
        return published(holder.get());
    }

    /** What {@code server} published when it last owned the store, if anything (this server's own record too). */
    Optional<OwnerAdmin> published(String server) {
        try {
            return Optional.of(OwnerAdmin.decode(server, ceph.leases().readAll(ADMIN_PREFIX + server)));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // not published yet (the owner is starting): look again at the next request
        }
    }

    String poolName() {
        return ceph.leases().name();
    }

    private void registerAgainIfLapsed(PrintWriter log) throws IOException, StartupException {
        synchronized (this) {
            if (name.isHeld()) {
                return;
            }
            name.close();
        }
        Lease again = registerName(ceph, serverName, terms, listener, log);
        synchronized (this) {
            name = again;
        }
        log.println("flashcopy: registered --server-name " + serverName + " again (its lease lapsed while the cluster"
                + " did not answer)");
        log.flush();
    }

    /** Publishes where this owner listens for NBD, for standbys to forward to: {@code HOST:PORT}. */
    void publish(Endpoint.Tcp nbd) throws IOException {
        ceph.leases().writeFull(ENDPOINT_PREFIX + serverName, (nbd.host() + ":" + nbd.port()).getBytes(UTF_8));
    }

    /**
     * Where the store's live owner listens for NBD, if it published it; empty while there is no owner, and when the
     * owner is {@code self} (a standby that just took over must never forward to itself: a connection would loop).
     */
    static Optional<Endpoint> ownerEndpoint(Pool pool, String self) {
        try {
            Optional<HolderRecord> holder = Lease.owner(pool, OWNER_OBJECT);
            if (holder.isEmpty() || holder.get().serverName().equals(self)) {
                return Optional.empty();
            }
            String text = new String(pool.readAll(ENDPOINT_PREFIX + holder.get().serverName()), UTF_8).strip();
            int colon = text.lastIndexOf(':');
            return Optional.of(new Endpoint.Tcp(text.substring(0, colon), Integer.parseInt(text.substring(colon + 1))));
        } catch (IOException | RuntimeException e) {
            return Optional.empty(); // no record yet (the owner is starting), or a moment's trouble: look again later
        }
    }

    /** What to do, once, when either lease is lost: stop writing and serving at once. */
    void onLost(Consumer<String> action) {
        onLost.set(action);
    }

    String serverName() {
        return serverName;
    }

    /** Whether this server still owns the store (its lease renewed in time). */
    synchronized boolean owns() {
        return owner != null && owner.isHeld();
    }

    /** Releases both leases: a clean stop lets a standby in at once rather than after the lease's duration. */
    @Override
    public synchronized void close() {
        if (owner != null) {
            owner.close();
        }
        name.close();
    }
}
