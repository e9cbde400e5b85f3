package dev.flashcopy.engine.image;

import static org.junit.jupiter.api.Assertions.fail;

import dev.flashcopy.rbd.CephException;
import dev.flashcopy.rbd.Pool;
import dev.flashcopy.rbd.RadosCluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The Ceph cluster the RBD-backed engine tests run against, found as the rbd module's tests find it: the system
 * property {@code ceph.conf}, else the environment's {@code CEPH_CONF} (bin/test exports it after {@code
 * bin/ceph-dev up}), else bin/ceph-dev's default place. One connection and one pool handle serve the whole test
 * JVM. No cluster is a test failure, never a skip: these tests are required.
 */
public final class CephTestCluster {
    static final String POOL = "rbd";
    private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(15);

    private static RadosCluster cluster;
    private static Pool pool;

    private CephTestCluster() {}

    /** The test pool, connecting on first use; fails the test saying how to start a cluster. */
    public static synchronized Pool pool() {
        if (pool == null) {
            cluster = connect();
            try {
                pool = cluster.openPool(POOL);
            } catch (CephException e) {
                fail("pool " + POOL + " not usable (" + e.getMessage() + "); bin/ceph-dev up creates it");
            }
            Runtime.getRuntime().addShutdownHook(new Thread(CephTestCluster::disconnect));
        }
        return pool;
    }

    private static synchronized void disconnect() {
        pool.close();
        cluster.close();
    }

    private static RadosCluster connect() {
        String conf = System.getProperty("ceph.conf", System.getenv("CEPH_CONF"));
        if (conf == null || conf.isBlank()) {
            conf = System.getenv().getOrDefault("FLASHCOPY_CEPH_DIR", "/tmp/flashcopy-ceph") + "/ceph.conf";
        }
        Path path = Path.of(conf);
        if (!Files.isReadable(path)) {
            fail("no Ceph cluster for the RBD tests: " + path + " does not exist; run bin/ceph-dev up"
                    + " (bin/test does), or set CEPH_CONF to a cluster's ceph.conf");
        }
        try {
            return RadosCluster.connect(path, "admin", MOUNT_TIMEOUT);
        } catch (CephException e) {
            return fail("no Ceph cluster reachable through " + path + " (" + e.getMessage()
                    + "); run bin/ceph-dev up (bin/test does)");
        }
    }

    /** A name no earlier run used, so a run that died half-way leaves nothing in this one's way. */
    public static String unique(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }
}
