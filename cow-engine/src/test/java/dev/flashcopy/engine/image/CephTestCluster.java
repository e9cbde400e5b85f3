package dev.flashcopy.engine.image;

import static org.junit.jupiter.api.Assertions.fail;

import dev.flashcopy.rbd.CephException;
import dev.flashcopy.rbd.Pool;
import dev.flashcopy.rbd.RadosCluster;
import dev.flashcopy.rbd.TestCluster;

/**
 * The Ceph cluster the RBD-backed engine tests run against, found and connected to as the rbd module's tests do
 * ({@link TestCluster}: the system property {@code ceph.conf}, else {@code CEPH_CONF}, else bin/ceph-dev's default
 * place). One connection and one pool handle serve the whole test JVM. No cluster is a test failure, never a skip:
 * these tests are required.
 */
public final class CephTestCluster {
    private static RadosCluster cluster;
    private static Pool pool;

    private CephTestCluster() {}

    /** The test pool, connecting on first use; fails the test saying how to start a cluster. */
    public static synchronized Pool pool() {
        if (pool == null) {
            cluster = TestCluster.connect();
            try {
                pool = cluster.openPool(TestCluster.POOL);
            } catch (CephException e) {
                fail("pool " + TestCluster.POOL + " not usable (" + e.getMessage() + "); bin/ceph-dev up creates it");
            }
            Runtime.getRuntime().addShutdownHook(new Thread(CephTestCluster::disconnect));
        }
        return pool;
    }

    private static synchronized void disconnect() {
        pool.close();
        cluster.close();
    }

    /** A name no earlier run used, so a run that died half-way leaves nothing in this one's way. */
    public static String unique(String prefix) {
        return TestCluster.unique(prefix);
    }
}
