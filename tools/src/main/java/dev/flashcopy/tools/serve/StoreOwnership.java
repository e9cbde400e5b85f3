package dev.flashcopy.tools.serve;

import dev.flashcopy.rbd.lease.Lease;
import dev.flashcopy.rbd.lease.LeaseHeldException;
import dev.flashcopy.rbd.lease.LeaseListener;
import dev.flashcopy.rbd.lease.LeaseTerms;
import dev.flashcopy.rbd.lease.ServerNameInUseException;
import dev.flashcopy.rbd.lease.ServerNames;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Who serves a pool's store: every server registers its {@code --server-name} (a second live server under the same
 * name is refused), and one of them, the owner, holds the store's lease {@code flashcopy.lease.store}; only the owner
 * opens the metadata and the images. A server that finds a live owner waits as a standby and takes the lease over
 * once the owner stops renewing it (it died, or was paused): {@link Lease#takeOver()} blocklists the old owner's
 * client address before taking the lock, so an owner that wakes up cannot write one more byte to any image or
 * metadata object, and is told through its lease that it lost it.
 *
 * <p>Today the store is one family domain: the owner serves every volume of the pool, and a standby serves none
 * until it takes over.
 */
final class StoreOwnership implements AutoCloseable {
    static final String OWNER_OBJECT = "flashcopy.lease.store";

    private final Lease name;
    private final Lease owner;
    private final AtomicReference<Consumer<String>> onLost;

    private StoreOwnership(Lease name, Lease owner, AtomicReference<Consumer<String>> onLost) {
        this.name = name;
        this.owner = owner;
        this.onLost = onLost;
    }

    /**
     * Registers {@code serverName}, then takes the store's lease, waiting as a standby (and saying so once on {@code
     * log}) while another live server owns it.
     */
    static StoreOwnership claim(CephStore ceph, String serverName, LeaseTerms terms, PrintWriter log)
            throws StartupException, IOException {
        AtomicReference<Consumer<String>> onLost = new AtomicReference<>(reason -> {});
        LeaseListener listener = (lease, reason) -> onLost.get().accept(lease.objectName() + ": " + reason);
        Lease name;
        try {
            name = ServerNames.register(ceph.cluster(), ceph.pool(), serverName, terms, listener);
        } catch (ServerNameInUseException e) {
            throw new StartupException(
                    "--server-name " + serverName + " is in use by a live server (" + e.address()
                            + "); give this one another name, or stop that one",
                    null);
        }
        boolean told = false;
        while (true) {
            Lease owner = new Lease(ceph.cluster(), ceph.pool(), OWNER_OBJECT, serverName, terms, listener);
            try {
                owner.takeOver();
                if (told) {
                    log.println("flashcopy: took over the store of pool "
                            + ceph.pool().name() + " (the owner's lease lapsed; it is fenced)");
                    log.flush();
                }
                return new StoreOwnership(name, owner, onLost);
            } catch (LeaseHeldException e) {
                owner.close();
                if (!told) {
                    log.println("flashcopy: standby: the store of pool "
                            + ceph.pool().name() + " is owned by "
                            + e.serverName() + " (" + e.address() + "); this server takes it over if that one stops"
                            + " renewing its lease (" + terms.duration().toSeconds() + " s)");
                    log.flush();
                    told = true;
                }
                sleep(terms.renewEvery().toMillis());
            } catch (IOException | RuntimeException e) {
                owner.close();
                name.close();
                throw e;
            }
        }
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting to own the store", e);
        }
    }

    /** What to do, once, when either lease is lost: stop writing and serving at once. */
    void onLost(Consumer<String> action) {
        onLost.set(action);
    }

    /** This server's name among those sharing the pool. */
    String serverName() {
        return owner.serverName();
    }

    /** Whether this server still owns the store (its lease renewed in time). */
    boolean owns() {
        return owner.isHeld();
    }

    /** Releases both leases: a clean stop lets a standby in at once rather than after the lease's duration. */
    @Override
    public void close() {
        owner.close();
        name.close();
    }
}
