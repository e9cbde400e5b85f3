package dev.flashcopy.rbd;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RadosClusterTest {
    @Test
    void connectsAndOpensThePool() throws CephException {
        try (RadosCluster cluster = TestCluster.connect();
                Pool pool = cluster.openPool(TestCluster.POOL)) {
            assertEquals("rbd", pool.name());
            assertEquals("admin", cluster.user());
        }
    }

    @Test
    void missingPoolIsEnoentNamingThePool() {
        try (RadosCluster cluster = TestCluster.connect()) {
            CephException e = assertThrows(CephException.class, () -> cluster.openPool("no-such-pool"));
            assertEquals(Errno.ENOENT, e.errno());
            assertEquals("rados_ioctx_create(no-such-pool): ENOENT", e.getMessage());
        }
    }

    @Test
    void missingConfigurationFileNamesTheFile(@TempDir Path dir) {
        Path conf = dir.resolve("absent.conf");
        CephException e =
                assertThrows(CephException.class, () -> RadosCluster.connect(conf, "admin", Duration.ofSeconds(5)));
        assertTrue(e.getMessage().startsWith("rados_conf_read_file(" + conf + "): "), e.getMessage());
    }

    @Test
    void unreachableMonitorFailsWithinTheMountTimeout(@TempDir Path dir) throws IOException {
        // A port of our range where nothing listens: the connect must give up, not hang for librados' 300 s.
        Path conf = dir.resolve("ceph.conf");
        Files.writeString(
                conf,
                "[global]\nmon host = v2:127.0.0.1:24999\nauth client required = cephx\nkeyring = "
                        + TestCluster.conf().resolveSibling("ceph.client.admin.keyring") + "\n");
        long start = System.nanoTime();
        CephException e =
                assertThrows(CephException.class, () -> RadosCluster.connect(conf, "admin", Duration.ofSeconds(3)));
        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        assertEquals("rados_connect", e.call());
        assertEquals(Errno.ETIMEDOUT, e.errno(), e.getMessage());
        assertTrue(seconds < 15, "took " + seconds + " s");
    }

    @Test
    void wrongKeyIsRefusedAtOnce(@TempDir Path dir) throws IOException {
        // The real monitors, a key they never issued: EACCES well within the mount timeout, not a wait.
        Path keyring = dir.resolve("wrong.keyring");
        Files.writeString(keyring, "[client.admin]\n\tkey = AQBbnsJnAAAAABAAYWJjZGVmZ2hpamtsbW5vcA==\n");
        Path conf = dir.resolve("ceph.conf");
        String monHost = Files.readAllLines(TestCluster.conf()).stream()
                .filter(line -> line.startsWith("mon host"))
                .findFirst()
                .orElseThrow();
        Files.writeString(conf, "[global]\n" + monHost + "\nkeyring = " + keyring + "\n");
        long start = System.nanoTime();
        CephException e =
                assertThrows(CephException.class, () -> RadosCluster.connect(conf, "admin", Duration.ofSeconds(20)));
        long seconds = Duration.ofNanos(System.nanoTime() - start).toSeconds();
        assertEquals("rados_connect(client.admin via " + conf + "): EACCES", e.getMessage());
        assertTrue(seconds < 10, "took " + seconds + " s");
    }
}
