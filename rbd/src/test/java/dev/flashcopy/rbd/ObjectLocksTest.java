package dev.flashcopy.rbd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Object locks, addresses and the blocklist, between two connections (two servers) to the real cluster. */
class ObjectLocksTest {
    private static final String LOCK = "lease-test";
    private static final Duration SHORT = Duration.ofSeconds(2);

    /** Two clients, as two servers would be, each connected afresh for every test. */
    @RegisterExtension
    final TestPool serverA = new TestPool();

    @RegisterExtension
    final TestPool serverB = new TestPool();

    private RadosCluster clusterA;
    private RadosCluster clusterB;
    private Pool a;
    private Pool b;
    private ObjectLocks locksA;
    private ObjectLocks locksB;
    private String oid;

    @BeforeEach
    void lockObject() {
        clusterA = serverA.cluster();
        clusterB = serverB.cluster();
        a = serverA.pool();
        b = serverB.pool();
        locksA = new ObjectLocks(a);
        locksB = new ObjectLocks(b);
        oid = TestCluster.unique("lease-locks");
    }

    @AfterEach
    void removeObject() throws CephException {
        try {
            b.remove(oid);
        } catch (CephException e) {
            assertEquals(Errno.ENOENT, e.errno());
        }
    }

    @Test
    void exclusiveLockIsRefusedToOthersAndListsItsHolder() throws CephException {
        locksA.lockExclusive(oid, LOCK, "cookie-a", "server a", SHORT, false);
        CephException busy =
                assertThrows(CephException.class, () -> locksB.lockExclusive(oid, LOCK, "cookie-b", "b", SHORT, false));
        assertEquals(Errno.EBUSY, busy.errno(), busy.getMessage());
        CephException again =
                assertThrows(CephException.class, () -> locksA.lockExclusive(oid, LOCK, "cookie-a", "a", SHORT, false));
        assertEquals(Errno.EEXIST, again.errno(), "the same client and cookie: already held");

        List<Locker> lockers = locksB.lockers(oid, LOCK);
        assertEquals(1, lockers.size());
        Locker holder = lockers.getFirst();
        assertEquals("client." + clusterA.instanceId(), holder.client());
        assertEquals("cookie-a", holder.cookie());
        assertTrue(holder.address().endsWith(clusterA.address()), holder + " vs " + clusterA.address());

        locksA.unlock(oid, LOCK, "cookie-a");
        assertEquals(List.of(), locksB.lockers(oid, LOCK));
        assertEquals(
                Errno.ENOENT,
                assertThrows(CephException.class, () -> locksA.unlock(oid, LOCK, "cookie-a"))
                        .errno());
        locksB.lockExclusive(oid, LOCK, "cookie-b", "b", SHORT, false);
        assertEquals("cookie-b", locksA.lockers(oid, LOCK).getFirst().cookie());
    }

    @Test
    void renewedLockOutlivesItsDurationAndAnUnrenewedOneExpires() throws Exception {
        locksA.lockExclusive(oid, LOCK, "cookie-a", "a", SHORT, false);
        for (int i = 0; i < 4; i++) {
            Thread.sleep(SHORT.toMillis() / 2);
            locksA.lockExclusive(oid, LOCK, "cookie-a", "a", SHORT, true);
        }
        assertEquals(1, locksB.lockers(oid, LOCK).size(), "renewed past twice its duration");

        Thread.sleep(SHORT.toMillis() + 1000);
        assertEquals(List.of(), locksB.lockers(oid, LOCK), "the OSD expired it");
        CephException gone =
                assertThrows(CephException.class, () -> locksA.lockExclusive(oid, LOCK, "cookie-a", "a", SHORT, true));
        assertEquals(Errno.ENOENT, gone.errno(), "a renewal does not take back an expired lock");
        locksB.lockExclusive(oid, LOCK, "cookie-b", "b", SHORT, false);
    }

    @Test
    void brokenLockCannotBeRenewed() throws CephException {
        locksA.lockExclusive(oid, LOCK, "cookie-a", "a", Duration.ofSeconds(30), false);
        locksB.breakLock(oid, LOCK, locksB.lockers(oid, LOCK).getFirst());
        assertEquals(List.of(), locksB.lockers(oid, LOCK));
        CephException gone = assertThrows(
                CephException.class,
                () -> locksA.lockExclusive(oid, LOCK, "cookie-a", "a", Duration.ofSeconds(30), true));
        assertEquals(Errno.ENOENT, gone.errno());
    }

    @Test
    void blocklistFencesExactlyOneConnectionUntilLifted() throws CephException {
        a.writeFull(oid, "from a".getBytes(UTF_8));
        String address = clusterA.address();
        clusterB.blocklist(address, Duration.ofSeconds(60), b);
        try {
            CephException fenced = assertThrows(CephException.class, () -> a.writeFull(oid, "stale".getBytes(UTF_8)));
            assertEquals(Errno.EBLOCKLISTED, fenced.errno(), fenced.getMessage());
            try (RadosCluster third = TestCluster.connect();
                    Pool c = third.openPool(TestCluster.POOL)) {
                c.append(oid, ", from c".getBytes(UTF_8));
            }
            assertArrayEquals("from a, from c".getBytes(UTF_8), b.readAll(oid), "same host, other nonce: not fenced");
        } finally {
            clusterB.unblocklist(address);
        }
    }

    /**
     * The fence's last step asks each placement group of the pool which map it has; an OSD that takes the question
     * and never answers (paused here) must not hold a takeover for ever: the fence gives up at its bound.
     */
    @Test
    void aFenceWhoseOsdNeverAnswersGivesUpAtItsBound() throws Exception {
        String address = clusterA.address();
        String osd = Files.readString(TestCluster.conf().resolveSibling("run/osd.0.pid"))
                .strip();
        long started = System.nanoTime();
        signal("-STOP", osd);
        CompletableFuture<Void> fence = CompletableFuture.runAsync(() -> {
            try {
                clusterB.blocklist(address, Duration.ofSeconds(60), b, Duration.ofSeconds(2));
            } catch (CephException x) {
                throw new CompletionException(x);
            }
        });
        Throwable e;
        try {
            // Bounded here too: a fence that hangs fails this test (and lets the OSD go) instead of hanging the run.
            e = assertThrows(ExecutionException.class, () -> fence.get(20, TimeUnit.SECONDS))
                    .getCause();
        } finally {
            signal("-CONT", osd);
            clusterB.unblocklist(address);
        }
        long millis = (System.nanoTime() - started) / 1_000_000;
        assertEquals(Errno.ETIMEDOUT, assertInstanceOf(CephException.class, e).errno(), e.getMessage());
        assertTrue(e.getMessage().contains("did not answer"), e.getMessage());
        assertTrue(millis < 8_000, "gave up after " + millis + " ms (bound 2 s)");
        // The OSD answers again (a fenced connection stays shut down for good, so through the other one).
        b.writeFull(oid, "after".getBytes(UTF_8));
        assertArrayEquals("after".getBytes(UTF_8), b.readAll(oid));
    }

    private static void signal(String which, String pid) throws Exception {
        Process p = new ProcessBuilder("kill", which, pid).inheritIO().start();
        assertEquals(0, p.waitFor(), "kill " + which + " " + pid);
    }

    @Test
    void blocklistTakesOnlyOneClientsAddress() {
        for (String wide : List.of("127.0.0.1", "127.0.0.1:0/0", "v1:127.0.0.1:0/0", "127.0.0.0/8", "", "any")) {
            IllegalArgumentException e = assertThrows(
                    IllegalArgumentException.class, () -> clusterB.blocklist(wide, Duration.ofSeconds(60), b), wide);
            assertEquals(
                    "address: " + wide + " (expected: one client's IP:PORT/NONCE with a non-zero nonce)",
                    e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> clusterB.unblocklist("127.0.0.1:0/0"));
        RadosCluster.requireClientAddress("v1:127.0.0.1:0/3356121390");
        RadosCluster.requireClientAddress("[::1]:0/42");
    }
}
