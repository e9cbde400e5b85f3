package dev.flashcopy.rbd.lease;

import dev.flashcopy.rbd.CephException;
import dev.flashcopy.rbd.Errno;
import dev.flashcopy.rbd.Locker;
import dev.flashcopy.rbd.ObjectLocks;
import dev.flashcopy.rbd.Pool;
import dev.flashcopy.rbd.RadosCluster;
import java.io.IOException;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Pattern;

/**
 * One server's claim on a named RADOS object, e.g. {@code flashcopy.lease.FAMILY}: an exclusive {@code cls_lock}
 * that expires {@link LeaseTerms#duration()} after its last renewal by the OSD's clock, and a {@link HolderRecord} in
 * the object naming the server and its client address.
 *
 * <p>Life: {@link #acquire()} or {@link #takeOver()} once, then the lease renews itself every {@link
 * LeaseTerms#renewEvery()} until {@link #release()}, or until it is lost: a renewal fails, or none was confirmed
 * within the duration. Losing it tells the {@link LeaseListener} once; {@link #isHeld()} is false from then on.
 * Writers check {@link #isHeld()} before each write; fencing makes the OSDs refuse what slips past that check.
 *
 * <p>Why a survivor cannot be overtaken by the old holder: the holder counts its lease from the moment it sent the
 * last confirmed renewal (a monotonic clock), which is before the OSD started the lock's new duration, so it gives
 * up before the OSD lets anyone else in. And the survivor blocklists the old holder's exact client address before it
 * takes the lock, so whatever the old holder still sends (it was paused, say) is refused.
 *
 * <p>Thread-safe. Renewals run on two daemon threads of this lease (one may block on the cluster while the other
 * keeps checking the deadline).
 */
public final class Lease implements AutoCloseable {
    /** The {@code cls_lock} name on every lease object. */
    static final String LOCK_NAME = "flashcopy.lease";

    private static final Pattern NAME = Pattern.compile("[^\\p{Cntrl}\\s]{1,200}");
    private static final int RECORD_ATTEMPTS = 5;

    private enum State {
        NEW,
        HELD,
        LOST,
        RELEASED
    }

    private final RadosCluster cluster;
    private final Pool pool;
    private final ObjectLocks locks;
    private final String objectName;
    private final String serverName;
    private final LeaseTerms terms;
    private final LeaseListener listener;
    private final String address;
    private final ScheduledExecutorService renewer;
    private final AtomicBoolean renewing = new AtomicBoolean();
    private final AtomicBoolean suspended = new AtomicBoolean();
    /** Null: a handover record is taken for a plain release. */
    private final Handovers handovers;

    private volatile State state = State.NEW;
    /** {@link System#nanoTime()} until which the holder may act on the lease. */
    private volatile long validUntil;
    /** {@link System#nanoTime()} when the renewal in flight was sent, for the reason a lease is lost. */
    private volatile long renewalSentAt;

    /**
     * A lease on {@code objectName} in {@code pool} for the server {@code serverName}, through {@code cluster} (the
     * connection whose address is recorded and fenced: the one the server writes its data through).
     */
    public Lease(
            RadosCluster cluster,
            Pool pool,
            String objectName,
            String serverName,
            LeaseTerms terms,
            LeaseListener listener)
            throws CephException {
        this(cluster, pool, objectName, serverName, terms, listener, null);
    }

    /** As above, leaving a lease handed to another server to that one for as long as {@code handovers} says. */
    public Lease(
            RadosCluster cluster,
            Pool pool,
            String objectName,
            String serverName,
            LeaseTerms terms,
            LeaseListener listener,
            Handovers handovers)
            throws CephException {
        requireName("objectName", objectName);
        this.handovers = handovers;
        requireName("serverName", serverName);
        this.cluster = cluster;
        this.pool = pool;
        this.locks = new ObjectLocks(pool);
        this.objectName = objectName;
        this.serverName = serverName;
        this.terms = terms;
        this.listener = listener;
        this.address = cluster.address();
        this.renewer = Executors.newScheduledThreadPool(
                2,
                Thread.ofPlatform().daemon().name("lease-renew " + objectName).factory());
    }

    static void requireName(String what, String name) {
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(
                    what + ": '" + name + "' (expected: 1 to 200 characters, no spaces or control characters)");
        }
    }

    public String objectName() {
        return objectName;
    }

    public String serverName() {
        return serverName;
    }

    /**
     * Takes the lease when nobody holds it, or its last holder released it. Fails with {@link LeaseHeldException}
     * naming the holder when another server holds it, or held it and stopped renewing ({@code stale()}: use {@link
     * #takeOver()}).
     */
    public void acquire() throws IOException {
        take(false);
    }

    /**
     * Like {@link #acquire()}, but a holder that stopped renewing (its lock expired without a release) is fenced
     * first: its client address is blocklisted for {@link LeaseTerms#fenceFor()}, and only then is the lock taken.
     * Still fails with {@link LeaseHeldException} while the holder renews.
     */
    public void takeOver() throws IOException {
        take(true);
    }

    private synchronized void take(boolean fenceStale) throws IOException {
        if (state != State.NEW) {
            throw new IllegalStateException(objectName + ": a lease is taken once (state " + state + ")");
        }
        List<Locker> lockers = locks.lockers(objectName, LOCK_NAME);
        if (!lockers.isEmpty()) {
            Locker holder = lockers.getFirst();
            throw new LeaseHeldException(objectName, holder.cookie(), stripType(holder.address()), false);
        }
        HolderRecord last = read(pool, objectName).orElse(null);
        if (handovers != null && handovers.keepOff(last, serverName)) {
            // The record is written before the unlock, so no lock plus this record means the handover is complete.
            throw new LeaseHeldException(objectName, last.handoverTo(), "handed over by " + last.serverName(), false);
        }
        if (last != null && last.held() && !sameClient(last.address(), address)) {
            if (!fenceStale) {
                throw new LeaseHeldException(objectName, last.serverName(), last.address(), true);
            }
            // Fence before the lock: from here on the old holder's writes are refused, whatever it still has queued.
            cluster.blocklist(last.address(), terms.fenceFor(), pool);
        }
        long sent = System.nanoTime();
        try {
            locks.lockExclusive(objectName, LOCK_NAME, serverName, serverName, terms.duration(), false);
        } catch (CephException e) {
            if (e.errno() == Errno.EBUSY) {
                // Another server got in between our look and our lock.
                List<Locker> now = locks.lockers(objectName, LOCK_NAME);
                Locker holder = now.isEmpty() ? new Locker("?", "another server", "unknown") : now.getFirst();
                throw new LeaseHeldException(objectName, holder.cookie(), stripType(holder.address()), false);
            }
            throw e;
        }
        validUntil = sent + terms.duration().toNanos();
        try {
            writeRecord(new HolderRecord(true, serverName, address));
        } catch (IOException | RuntimeException e) {
            unlockQuietly();
            throw e;
        }
        state = State.HELD;
        long period = terms.renewEvery().toNanos();
        renewer.scheduleWithFixedDelay(this::tick, period, period, TimeUnit.NANOSECONDS);
    }

    /**
     * Writes the record under our lock. The write is guarded by the object's version right after we checked that we
     * still hold the lock: a holder that lost the lock while paused cannot overwrite its successor's record.
     * Others' failed lock attempts move the version too, hence a few attempts.
     */
    private void writeRecord(HolderRecord record) throws IOException {
        for (int attempt = 1; ; attempt++) {
            long version = pool.stat(objectName).version();
            if (!holdsLock()) {
                throw new IOException(
                        objectName + ": this server no longer holds the lock; holder record left as it was");
            }
            try {
                pool.writeFullIfVersion(objectName, record.encode(), version);
                return;
            } catch (CephException e) {
                if (e.errno() != Errno.ERANGE || attempt == RECORD_ATTEMPTS) {
                    throw e;
                }
            }
        }
    }

    private boolean holdsLock() throws CephException {
        for (Locker locker : locks.lockers(objectName, LOCK_NAME)) {
            if (locker.cookie().equals(serverName) && sameClient(locker.address(), address)) {
                return true;
            }
        }
        return false;
    }

    /** Lockers report {@code v1:127.0.0.1:0/N}, {@code rados_getaddrs} {@code 127.0.0.1:0/N}: the same client. */
    static boolean sameClient(String a, String b) {
        return stripType(a).equals(stripType(b));
    }

    private static String stripType(String address) {
        for (String type : new String[] {"v1:", "v2:", "any:"}) {
            if (address.startsWith(type)) {
                return address.substring(type.length());
            }
        }
        return address;
    }

    /** The last holder recorded in the lease object, if any; it may have released the lease or stopped renewing. */
    public static Optional<HolderRecord> read(Pool pool, String objectName) throws IOException {
        try {
            return Optional.ofNullable(HolderRecord.decode(objectName, pool.readAll(objectName)));
        } catch (CephException e) {
            if (e.errno() == Errno.ENOENT) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * The server that holds the lease now (a live, unexpired lock), for listings such as {@code lsvol}'s owner
     * column; empty when nobody does (released, never taken, or its holder stopped renewing).
     */
    public static Optional<HolderRecord> owner(Pool pool, String objectName) throws IOException {
        List<Locker> lockers = new ObjectLocks(pool).lockers(objectName, LOCK_NAME);
        if (lockers.isEmpty()) {
            return Optional.empty();
        }
        Locker holder = lockers.getFirst();
        Optional<HolderRecord> recorded = read(pool, objectName);
        if (recorded.isPresent()
                && recorded.get().held()
                && sameClient(recorded.get().address(), holder.address())) {
            return recorded;
        }
        // Locked, record not written yet: the cookie is the server's name.
        return Optional.of(new HolderRecord(true, holder.cookie(), stripType(holder.address())));
    }

    /** True while this server may act on the lease: taken, not released, renewal confirmed within the duration. */
    public boolean isHeld() {
        return state == State.HELD && System.nanoTime() - validUntil < 0;
    }

    private void tick() {
        if (state != State.HELD || suspended.get()) {
            return;
        }
        long now = System.nanoTime();
        if (now - validUntil >= 0) {
            // Say whether the cluster is slow (a renewal waits for its answer) or this process was (none was sent).
            String inFlight = renewing.get()
                    ? "; the renewal sent " + TimeUnit.NANOSECONDS.toMillis(now - renewalSentAt)
                            + " ms ago is unanswered"
                    : "; no renewal in flight";
            lose("no renewal confirmed within " + terms.duration().toMillis() + " ms" + inFlight);
            return;
        }
        if (renewing.compareAndSet(false, true)) {
            renewer.execute(this::renew);
        }
    }

    private void renew() {
        try {
            long sent = System.nanoTime();
            renewalSentAt = sent;
            locks.lockExclusive(objectName, LOCK_NAME, serverName, serverName, terms.duration(), true);
            if (state == State.HELD) {
                validUntil = sent + terms.duration().toNanos();
            }
        } catch (CephException | RuntimeException e) {
            lose("renewal failed: " + e.getMessage());
        } finally {
            renewing.set(false);
        }
    }

    private void lose(String reason) {
        synchronized (this) {
            if (state != State.HELD) {
                return;
            }
            state = State.LOST;
        }
        renewer.shutdown();
        listener.leaseLost(this, reason);
    }

    /**
     * Hands the lease back: records it as released (so the next server needs no fence), then unlocks. A lease
     * already lost is left as it is: whoever takes it over fences this server.
     */
    public void release() throws IOException {
        release(null);
    }

    /**
     * Hands the lease to the server {@code to}: released with a record naming it, which other servers honour for a
     * bounded time ({@link Handovers}), so that {@code to} takes it next, without waiting for an expiry and without
     * a fence. The caller must have stopped writing what the lease covers.
     */
    public void handOver(String to) throws IOException {
        requireName("to", to);
        release(to);
    }

    private void release(String to) throws IOException {
        synchronized (this) {
            if (state != State.HELD) {
                renewer.shutdownNow();
                return;
            }
            state = State.RELEASED;
        }
        renewer.shutdownNow();
        writeRecord(new HolderRecord(false, serverName, address, to));
        locks.unlock(objectName, LOCK_NAME, serverName);
    }

    private void unlockQuietly() {
        try {
            locks.unlock(objectName, LOCK_NAME, serverName);
        } catch (CephException ignored) {
            // The lock expires on its own within the lease's duration.
        }
    }

    /** Test hook: renewals stop as in a paused process (nothing renews, nothing notices) until {@link #resume()}. */
    void suspend() {
        suspended.set(true);
    }

    void resume() {
        suspended.set(false);
        if (!renewer.isShutdown()) {
            renewer.execute(this::tick);
        }
    }

    /** Releases the lease if held; never throws (the lock expires on its own if the release fails). */
    @Override
    public void close() {
        try {
            release();
        } catch (IOException | RuntimeException ignored) {
            // Expires within the lease's duration; the record then says held, and the next holder fences this one.
        }
    }
}
