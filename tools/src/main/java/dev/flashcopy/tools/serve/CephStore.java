package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.image.rbd.RbdImageStore;
import dev.flashcopy.engine.storage.rados.RadosDisk;
import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.rbd.CephException;
import dev.flashcopy.rbd.Errno;
import dev.flashcopy.rbd.Pool;
import dev.flashcopy.rbd.RadosCluster;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The Ceph side of {@code serve --store rbd:POOL}: one cluster connection as the configured cephx user and one I/O
 * context on the pool, checked at start so that every way it can be wrong is one line naming what to fix (no
 * monitor answering, a wrong key, a missing pool, missing caps) instead of a hang or a failure at the first write.
 */
final class CephStore implements AutoCloseable {
    /** How long start waits for a monitor: the bound for "no monitor reachable" is 30 s. */
    static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(20);

    private static final String CAPS_HINT = "mon 'profile rbd' osd 'profile rbd pool=";
    private static final String PROBE = "flashcopy.probe";
    /** The object-name prefix of the metadata; the images of the engine's own are named {@code flashcopy.*}. */
    static final String METADATA_PREFIX = "flashcopy";

    private final RadosCluster cluster;
    private final Pool pool;
    private final StoreChoice.Rbd choice;
    /**
     * A second I/O context on the same pool, for the leases alone. A context's object calls take turns (the object
     * version is per context), and the metadata's calls queue up behind a slow or paused OSD: a renewal waiting
     * behind them lost a lease after a 4 s OSD pause (OsdPauseIT). The same connection, so fencing still covers it.
     */
    private final Pool leasePool;

    private CephStore(RadosCluster cluster, Pool pool, Pool leasePool, StoreChoice.Rbd choice) {
        this.cluster = cluster;
        this.pool = pool;
        this.leasePool = leasePool;
        this.choice = choice;
    }

    /** Connects and checks the pool is usable; a StartupException's message is the one line for the user. */
    static CephStore open(StoreChoice.Rbd choice) throws StartupException {
        Path conf = choice.cephConf();
        if (!Files.isReadable(conf)) {
            throw new StartupException(
                    choice.cephConfNamedBy() + ": no such readable file (expected: the cluster's"
                            + " ceph.conf, naming its monitors and keyring)",
                    null);
        }
        String user = "client." + choice.cephUser();
        RadosCluster cluster;
        try {
            cluster = RadosCluster.connect(conf, choice.cephUser(), MOUNT_TIMEOUT);
        } catch (CephException e) {
            throw new StartupException(connectFailure(e, conf, user), null);
        }
        Pool pool = null;
        try {
            pool = cluster.openPool(choice.pool());
            probe(pool);
            return new CephStore(cluster, pool, cluster.openPool(choice.pool()), choice);
        } catch (CephException e) {
            if (pool != null) {
                pool.close();
            }
            cluster.close();
            throw new StartupException(poolFailure(e, choice.pool(), user), null);
        } catch (RuntimeException e) {
            if (pool != null) {
                pool.close();
            }
            cluster.close();
            throw e;
        }
    }

    /**
     * Reads an object that need not exist, then sends it a write that cannot apply (it asserts the object exists):
     * ENOENT from both proves the OSDs answer this user on this pool, for reads and for writes; EPERM means caps are
     * missing, which would otherwise surface at the first lease, metadata or client write, in librados' words.
     */
    private static void probe(Pool pool) throws CephException {
        try {
            pool.stat(PROBE);
        } catch (CephException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
        try {
            pool.omapRemove(PROBE, PROBE);
        } catch (CephException e) {
            if (e.errno() != Errno.ENOENT) {
                throw e;
            }
        }
    }

    private static String connectFailure(CephException e, Path conf, String user) {
        return switch (e.errno()) {
            case Errno.ETIMEDOUT ->
                "no Ceph monitor answered within " + MOUNT_TIMEOUT.toSeconds() + " s (tried "
                        + String.join(", ", monitors(conf)) + " from " + conf + "); check that the cluster is up and"
                        + " reachable";
            case Errno.EACCES, Errno.EPERM ->
                "Ceph refused " + user + " (" + Errno.name(e.errno()) + "): its key"
                        + " in the keyring named by " + conf + " is wrong or missing; give --ceph-user a user whose key"
                        + " is there";
            case Errno.ENOENT ->
                "no keyring for " + user + " (" + e.getMessage() + "); name it in " + conf
                        + " ('keyring = PATH') or pick the user with --ceph-user";
            default -> "could not connect to Ceph as " + user + " through " + conf + ": " + e.getMessage();
        };
    }

    private static String poolFailure(CephException e, String pool, String user) {
        return switch (e.errno()) {
            case Errno.ENOENT ->
                "--store rbd:" + pool + ": the cluster has no pool " + pool + " (create it: ceph osd" + " pool create "
                        + pool + " && rbd pool init " + pool + ")";
            case Errno.EPERM, Errno.EACCES ->
                user + " may not use pool " + pool + " (" + Errno.name(e.errno()) + "); give it the caps " + CAPS_HINT
                        + pool + "'";
            default -> "pool " + pool + " is not usable as " + user + ": " + e.getMessage();
        };
    }

    /** The monitors {@code conf} names ({@code mon host}), for the message when none answers. */
    static List<String> monitors(Path conf) {
        try {
            for (String line : Files.readAllLines(conf)) {
                String t = line.strip();
                if (t.matches("(?i)mon[ _]host\\s*=.*")) {
                    return List.of(t.substring(t.indexOf('=') + 1).strip());
                }
            }
        } catch (IOException e) {
            // the file was read by librados a moment ago; a message without monitors is still true
        }
        return List.of("the monitors it names");
    }

    /**
     * Where the store's metadata appears to the engine and in every message: {@code /flashcopy}, so a path reads as
     * the RADOS object it names ({@code /flashcopy/flash/journal} is the object {@code flashcopy/flash/journal}), the
     * same for every server on the pool whatever its own {@code --data}, which keeps only local files.
     */
    Path metadataRoot() {
        return Path.of("/", METADATA_PREFIX);
    }

    /** The metadata of the store as RADOS objects {@code flashcopy/PATH}, seen under {@link #metadataRoot()}. */
    Disk metadata() {
        return new RadosDisk(pool, METADATA_PREFIX, metadataRoot());
    }

    RbdImageStore images() {
        return new RbdImageStore(pool);
    }

    RadosCluster cluster() {
        return cluster;
    }

    /** The options the store was opened with: for advice that repeats them. */
    StoreChoice.Rbd choice() {
        return choice;
    }

    Pool pool() {
        return pool;
    }

    /** The pool again, through an I/O context of its own: for the leases (see {@link #leasePool}). */
    Pool leases() {
        return leasePool;
    }

    @Override
    public void close() {
        leasePool.close();
        pool.close();
        cluster.close();
    }
}
