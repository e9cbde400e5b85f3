package dev.flashcopy.rbd.lease;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.rbd.CephException;
import dev.flashcopy.rbd.Errno;
import dev.flashcopy.rbd.Locker;
import dev.flashcopy.rbd.ObjectLocks;
import dev.flashcopy.rbd.Pool;
import dev.flashcopy.rbd.RadosCluster;
import dev.flashcopy.rbd.RbdImage;
import dev.flashcopy.rbd.TestCluster;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Three connections to the real cluster act as three servers sharing a pool. Short terms (a 3 s lease) keep the
 * expiry waits short; the logic is the one the defaults run.
 */
class LeaseTest {
    static final LeaseTerms SHORT =
            new LeaseTerms(Duration.ofSeconds(3), Duration.ofMillis(500), Duration.ofSeconds(120));
    private static final int BLOCK = 64 * 1024;

    private final List<AutoCloseable> open = new ArrayList<>();
    private final List<String> fenced = new ArrayList<>();
    private final List<String> objects = new ArrayList<>();
    private final List<String> images = new ArrayList<>();
    private Server a;
    private Server b;
    private Server c;

    /** One server: its own connection and pool context, and what its listener was told. */
    record Server(String name, RadosCluster cluster, Pool pool, LinkedBlockingQueue<String> lost) {
        Lease lease(String objectName) throws CephException {
            return new Lease(cluster, pool, objectName, name, SHORT, (lease, reason) -> lost.add(reason));
        }

        Lease lease(String objectName, Handovers handovers) throws CephException {
            return new Lease(cluster, pool, objectName, name, SHORT, (lease, reason) -> lost.add(reason), handovers);
        }
    }

    @BeforeEach
    void startServers() throws CephException {
        a = server("lease-a");
        b = server("lease-b");
        c = server("lease-c");
    }

    private Server server(String prefix) throws CephException {
        RadosCluster cluster = TestCluster.connect();
        Pool pool = cluster.openPool(TestCluster.POOL);
        open.addFirst(cluster);
        open.addFirst(pool);
        return new Server(TestCluster.unique(prefix), cluster, pool, new LinkedBlockingQueue<>());
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (AutoCloseable closeable : open) {
            closeable.close();
        }
        try (RadosCluster admin = TestCluster.connect();
                Pool pool = admin.openPool(TestCluster.POOL)) {
            for (String oid : objects) {
                try {
                    pool.remove(oid);
                } catch (CephException e) {
                    if (e.errno() != Errno.ENOENT) {
                        throw e;
                    }
                }
            }
            for (String image : images) {
                RbdImage.remove(pool, image);
            }
            // Last: removing an image whose exclusive lock a fenced client still holds breaks that lock, and librbd
            // then blocklists the client again (for an hour). Lift every fence on our clients once that is done.
            for (String address : fenced) {
                admin.unblocklist(address);
            }
        }
    }

    private String leaseObject() {
        String oid = TestCluster.unique("lease-family");
        objects.add(oid);
        return oid;
    }

    @Test
    void secondServerIsRefusedWithTheHolderNamedUntilTheFirstReleases() throws Exception {
        String oid = leaseObject();
        Lease leaseA = a.lease(oid);
        leaseA.acquire();
        assertTrue(leaseA.isHeld());

        LeaseHeldException held =
                assertThrows(LeaseHeldException.class, () -> b.lease(oid).acquire());
        assertEquals(a.name(), held.serverName());
        assertEquals(a.cluster().address(), held.address());
        assertFalse(held.stale());
        assertEquals(oid + " is held by server " + a.name() + " (" + held.address() + ")", held.getMessage());
        assertThrows(LeaseHeldException.class, () -> c.lease(oid).takeOver(), "a live holder is never taken over");

        HolderRecord recorded = Lease.read(b.pool(), oid).orElseThrow();
        assertEquals(new HolderRecord(true, a.name(), a.cluster().address()), recorded);
        assertEquals(recorded, Lease.owner(c.pool(), oid).orElseThrow());

        leaseA.release();
        assertFalse(leaseA.isHeld());
        assertFalse(Lease.read(b.pool(), oid).orElseThrow().held());
        assertTrue(Lease.owner(c.pool(), oid).isEmpty(), "released: nobody owns it");
        Lease leaseB = b.lease(oid);
        leaseB.acquire();
        assertTrue(leaseB.isHeld());
        assertEquals(b.name(), Lease.read(c.pool(), oid).orElseThrow().serverName());
        leaseB.release();
        assertTrue(a.lost().isEmpty() && b.lost().isEmpty(), "a release is not a loss");
    }

    @Test
    void aHandoverGoesToTheNamedServerAndToAnyoneOnceItsBoundPassed() throws Exception {
        String oid = leaseObject();
        Lease leaseA = a.lease(oid);
        leaseA.acquire();
        leaseA.handOver(b.name());
        assertFalse(leaseA.isHeld());
        assertEquals(
                new HolderRecord(false, a.name(), a.cluster().address(), b.name()),
                Lease.read(c.pool(), oid).orElseThrow());

        Handovers cWatch = new Handovers(Duration.ofMillis(1500));
        LeaseHeldException refused = assertThrows(
                LeaseHeldException.class, () -> c.lease(oid, cWatch).takeOver());
        assertEquals(b.name(), refused.serverName(), "the other server is told whom the lease was handed to");
        Lease leaseB = b.lease(oid, new Handovers(Duration.ofMillis(1500)));
        leaseB.takeOver();
        assertTrue(leaseB.isHeld(), "the named server takes it at once, with no fence");
        assertTrue(fenced.isEmpty());

        // Handed to a server that never comes: after the bound, the lease is anyone's.
        leaseB.handOver(a.name() + "-gone");
        Handovers later = new Handovers(Duration.ofMillis(1500));
        assertThrows(LeaseHeldException.class, () -> c.lease(oid, later).takeOver());
        Thread.sleep(1600);
        Lease leaseC = c.lease(oid, later);
        leaseC.takeOver();
        assertTrue(leaseC.isHeld());
        leaseC.release();
    }

    @Test
    void holderKeepsTheLeaseByRenewingPastManyDurations() throws Exception {
        String oid = leaseObject();
        Lease leaseA = a.lease(oid);
        leaseA.acquire();
        Thread.sleep(SHORT.duration().multipliedBy(3).toMillis());
        assertTrue(leaseA.isHeld());
        assertTrue(a.lost().isEmpty(), a.lost().toString());
        assertThrows(LeaseHeldException.class, () -> b.lease(oid).takeOver());
        leaseA.release();
    }

    @Test
    void survivorTakesOverAPausedHolderAndTheHolderCannotWriteAnotherByte() throws Exception {
        String oid = leaseObject();
        String dataOid = leaseObject();
        String image = TestCluster.unique("lease-img");
        RbdImage.create(a.pool(), image, 4L << 20);
        images.add(image);
        RbdImage imageA = RbdImage.open(a.pool(), image);
        open.addFirst(imageA);
        Arena arena = Arena.ofShared();
        open.addFirst(arena);

        Lease leaseA = a.lease(oid);
        leaseA.acquire();
        a.pool().writeFull(dataOid, "written while held".getBytes(UTF_8));
        imageA.write(0, filled(arena, (byte) 0x11));
        imageA.flush();

        leaseA.suspend(); // a paused process: no renewal, nothing noticed
        long pausedAt = System.nanoTime();
        Lease leaseB = b.lease(oid);
        LeaseHeldException stale = waitUntilStale(b.lease(oid));
        assertEquals(a.name(), stale.serverName());
        assertTrue(Lease.owner(c.pool(), oid).isEmpty(), "a holder that stopped renewing owns nothing");
        leaseB.takeOver();
        long takeoverMillis = (System.nanoTime() - pausedAt) / 1_000_000;
        fenced.add(a.cluster().address());
        assertTrue(takeoverMillis < SHORT.duration().toMillis() + 5000, "took over after " + takeoverMillis + " ms");
        assertEquals(b.name(), Lease.read(c.pool(), oid).orElseThrow().serverName());

        // The woken holder writes as if nothing happened: the OSDs refuse every byte.
        CephException objectWrite =
                assertThrows(CephException.class, () -> a.pool().writeFull(dataOid, "stale".getBytes(UTF_8)));
        assertEquals(Errno.EBLOCKLISTED, objectWrite.errno(), objectWrite.getMessage());
        CephException append =
                assertThrows(CephException.class, () -> a.pool().append(dataOid, "stale".getBytes(UTF_8)));
        assertEquals(Errno.EBLOCKLISTED, append.errno());
        ExecutionException imageWrite = assertThrows(
                ExecutionException.class,
                () -> imageA.writeAsync(0, filled(arena, (byte) 0x55)).get(30, TimeUnit.SECONDS));
        assertTrue(imageWrite.getCause() instanceof CephException, imageWrite.toString());
        CephException renew = assertThrows(
                CephException.class,
                () -> new ObjectLocks(a.pool())
                        .lockExclusive(oid, Lease.LOCK_NAME, a.name(), a.name(), SHORT.duration(), true));
        assertEquals(Errno.EBLOCKLISTED, renew.errno());

        // It notices at its next tick.
        leaseA.resume();
        String reason = a.lost().poll(5, TimeUnit.SECONDS);
        assertNotNull(reason, "the woken holder was not told it lost the lease");
        assertTrue(reason.startsWith("no renewal confirmed within 3000 ms"), reason);
        assertTrue(reason.endsWith("; no renewal in flight"), "a paused process sent none: " + reason);
        assertFalse(leaseA.isHeld());

        // Nothing landed: read back through the survivor.
        assertArrayEquals("written while held".getBytes(UTF_8), b.pool().readAll(dataOid));
        try (RbdImage imageB = RbdImage.open(b.pool(), image)) {
            MemorySegment back = arena.allocate(BLOCK);
            imageB.read(0, back);
            assertEquals(-1, back.mismatch(filled(arena, (byte) 0x11)), "the fenced holder's image write landed");
        }
        assertTrue(b.lost().isEmpty(), b.lost().toString());
        leaseB.release();
    }

    @Test
    void withTheDefaultTermsASurvivorTakesOverWithinThirtySeconds() throws Exception {
        String oid = leaseObject();
        Lease leaseA = new Lease(
                a.cluster(),
                a.pool(),
                oid,
                a.name(),
                LeaseTerms.DEFAULT,
                (l, r) -> a.lost().add(r));
        leaseA.acquire();
        leaseA.suspend();
        long pausedAt = System.nanoTime();
        Lease leaseB = new Lease(b.cluster(), b.pool(), oid, b.name(), LeaseTerms.DEFAULT, (l, r) -> {});
        long deadline = pausedAt + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                leaseB.takeOver();
                break;
            } catch (LeaseHeldException e) {
                assertTrue(System.nanoTime() < deadline, "no takeover within 30 s: " + e.getMessage());
                Thread.sleep(LeaseTerms.DEFAULT.renewEvery().toMillis()); // a survivor's poll
            }
        }
        fenced.add(a.cluster().address());
        long millis = (System.nanoTime() - pausedAt) / 1_000_000;
        System.out.println("default terms: survivor took over " + millis + " ms after the holder stopped renewing");
        assertTrue(
                millis
                        >= LeaseTerms.DEFAULT.duration().toMillis()
                                - LeaseTerms.DEFAULT.renewEvery().toMillis(),
                "not before the lease could have expired: " + millis + " ms");
        leaseA.resume();
        assertNotNull(a.lost().poll(5, TimeUnit.SECONDS));
        leaseB.release();
    }

    @Test
    void renewalThatFailsTellsTheHolder() throws Exception {
        String oid = leaseObject();
        Lease leaseA = a.lease(oid);
        leaseA.acquire();
        // An administrator breaks the lock (rbd lock rm would): A's next renewal finds it gone.
        Locker holder = new ObjectLocks(b.pool()).lockers(oid, Lease.LOCK_NAME).getFirst();
        new ObjectLocks(b.pool()).breakLock(oid, Lease.LOCK_NAME, holder);
        String reason = a.lost().poll(5, TimeUnit.SECONDS);
        assertNotNull(reason, "the holder was not told");
        assertTrue(reason.startsWith("renewal failed: rados_lock_exclusive(renew)"), reason);
        assertTrue(reason.endsWith("ENOENT"), reason);
        assertFalse(leaseA.isHeld());
        Thread.sleep(SHORT.renewEvery().multipliedBy(3).toMillis());
        assertTrue(a.lost().isEmpty(), "told once, not again: " + a.lost());
    }

    @Test
    void serverNameRegisteredTwiceIsRefusedUntilTheFirstStopsRenewing() throws Exception {
        String name = TestCluster.unique("lease-srv");
        objects.add(ServerNames.objectName(name));
        Lease first = ServerNames.register(
                a.cluster(), a.pool(), name, SHORT, (l, r) -> a.lost().add(r));
        ServerNameInUseException refused = assertThrows(
                ServerNameInUseException.class,
                () -> ServerNames.register(
                        b.cluster(), b.pool(), name, SHORT, (l, r) -> b.lost().add(r)));
        assertEquals(
                "--server-name " + name + " is in use by a live server (client " + refused.address()
                        + "); stop that server or choose another --server-name",
                refused.getMessage());
        assertEquals(a.cluster().address(), refused.address());

        first.suspend(); // the first server dies without releasing
        Lease second = null;
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (second == null) {
            try {
                second = ServerNames.register(
                        b.cluster(), b.pool(), name, SHORT, (l, r) -> b.lost().add(r));
            } catch (ServerNameInUseException e) {
                assertTrue(System.nanoTime() < deadline, "never expired");
                Thread.sleep(200);
            }
        }
        fenced.add(a.cluster().address());
        assertTrue(second.isHeld());
        assertEquals(
                Errno.EBLOCKLISTED,
                assertThrows(CephException.class, () -> a.pool().writeFull(ServerNames.objectName(name), new byte[1]))
                        .errno(),
                "the dead registration's server is fenced");
        second.release();
    }

    /**
     * A server restarted by its supervisor right after a crash meets its own last registration, still locked: with
     * patience, one call waits it out and takes the name (fencing the dead one), while a twin that keeps renewing
     * is still refused once the patience is spent.
     */
    @Test
    void registeringWithPatienceWaitsOutADeadHolderButNotALiveOne() throws Exception {
        String name = TestCluster.unique("lease-restart");
        objects.add(ServerNames.objectName(name));
        Duration patience = SHORT.duration().plus(SHORT.renewEvery());
        Lease first = ServerNames.register(
                a.cluster(), a.pool(), name, SHORT, (l, r) -> a.lost().add(r));

        List<String> heard = new ArrayList<>();
        long started = System.nanoTime();
        ServerNameInUseException refused = assertThrows(
                ServerNameInUseException.class,
                () -> ServerNames.register(
                        b.cluster(), b.pool(), name, SHORT, (l, r) -> b.lost().add(r), patience, heard::add));
        long waited = System.nanoTime() - started;
        assertTrue(waited >= patience.toNanos(), "refused after " + waited / 1_000_000 + " ms");
        assertEquals(a.cluster().address(), refused.address());
        assertEquals(List.of(a.cluster().address()), heard, "told once whom it waits for");
        assertTrue(first.isHeld(), "the live holder kept its name");

        first.suspend(); // killed: nothing renews from here on
        Lease second = ServerNames.register(
                b.cluster(), b.pool(), name, SHORT, (l, r) -> b.lost().add(r), patience, holder -> {});
        fenced.add(a.cluster().address());
        assertTrue(second.isHeld());
        assertEquals(
                Errno.EBLOCKLISTED,
                assertThrows(CephException.class, () -> a.pool().writeFull(ServerNames.objectName(name), new byte[1]))
                        .errno(),
                "the dead registration's server is fenced");
        second.release();
    }

    /** Polls {@code acquire} until the holder's lock expired and the lease is reported stale. */
    static LeaseHeldException waitUntilStale(Lease probe) throws InterruptedException, IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (true) {
            LeaseHeldException e = assertThrows(LeaseHeldException.class, probe::acquire);
            if (e.stale()) {
                return e;
            }
            assertTrue(System.nanoTime() < deadline, "the paused holder's lock never expired");
            Thread.sleep(100);
        }
    }

    static MemorySegment filled(Arena arena, byte value) {
        MemorySegment block = arena.allocate(BLOCK);
        block.fill(value);
        return block;
    }
}
