package dev.flashcopy.rbd;

import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The cluster the tests run against: the {@code ceph.conf} named by the system property {@code ceph.conf}, else the
 * environment's {@code CEPH_CONF} (bin/test exports it after {@code bin/ceph-dev up}), else bin/ceph-dev's default
 * place. No cluster is a test failure, never a skip: these tests are required.
 */
public final class TestCluster {
    public static final String POOL = "rbd";
    private static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(15);

    private TestCluster() {}

    public static Path conf() {
        String conf = System.getProperty("ceph.conf", System.getenv("CEPH_CONF"));
        if (conf == null || conf.isBlank()) {
            String dir = System.getenv().getOrDefault("FLASHCOPY_CEPH_DIR", "/tmp/flashcopy-ceph");
            conf = dir + "/ceph.conf";
        }
        return Path.of(conf);
    }

    /** Connects as client.admin, or fails the test saying how to start a cluster. */
    public static RadosCluster connect() {
        Path conf = conf();
        if (!Files.isReadable(conf)) {
            fail("no Ceph cluster for the RBD tests: " + conf + " does not exist; run bin/ceph-dev up"
                    + " (bin/test does), or set CEPH_CONF to a cluster's ceph.conf");
        }
        try {
            return RadosCluster.connect(conf, "admin", MOUNT_TIMEOUT);
        } catch (CephException e) {
            return fail("no Ceph cluster reachable through " + conf + " (" + e.getMessage() + "); run bin/ceph-dev up"
                    + " (bin/test does)");
        }
    }

    /** A name no earlier run used, so a run that died half-way leaves nothing in this one's way. */
    public static String unique(String prefix) {
        return prefix + "-" + ProcessHandle.current().pid() + "-" + System.nanoTime();
    }
}
