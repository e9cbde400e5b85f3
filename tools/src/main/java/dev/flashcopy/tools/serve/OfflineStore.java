package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.rbd.lease.LeaseTerms;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.Writer;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Path;

/**
 * A pool's store held for offline work ({@code fsck}): connected as {@code serve} connects, and owned through the
 * store's lease exactly as a server owns it, so no server serves the store while it is checked or repaired, and a
 * server that starts meanwhile waits as a standby. A holder that stopped renewing is fenced first, as a takeover
 * fences it: a repair never races a paused owner that wakes up.
 */
public final class OfflineStore implements AutoCloseable {
    private final CephStore ceph;
    private final StoreOwnership ownership;

    private OfflineStore(CephStore ceph, StoreOwnership ownership) {
        this.ceph = ceph;
        this.ownership = ownership;
    }

    /**
     * Connects and takes the store; a StartupException's message is the one line for the user (the cluster
     * unreachable, the pool or caps missing, or a live server serving the store).
     *
     * @param command the command that holds it, as the user typed it ({@code fsck}): it names the holder for
     *     servers that start meanwhile, and the refusal
     */
    public static OfflineStore claim(StoreChoice.Rbd choice, String command) throws StartupException {
        CephStore ceph = CephStore.open(choice);
        StoreOwnership ownership = null;
        try {
            ownership = StoreOwnership.register(
                    ceph,
                    command + "@" + hostName() + ":" + ProcessHandle.current().pid(),
                    LeaseTerms.DEFAULT,
                    new PrintWriter(Writer.nullWriter())); // a name with this process's pid is never held already
            if (!ownership.tryOwn()) {
                throw new StartupException(
                        "--store rbd:" + choice.pool() + ": the store is served by " + ownership.holder() + "; "
                                + command + " works on a stopped store: stop every server on pool " + choice.pool()
                                + " first",
                        null);
            }
            return new OfflineStore(ceph, ownership);
        } catch (StartupException e) {
            closeAll(ownership, ceph);
            throw e;
        } catch (IOException e) {
            closeAll(ownership, ceph);
            throw new StartupException(
                    "--store rbd:" + choice.pool() + ": could not take the store: " + e.getMessage(), e);
        }
    }

    /** Where the store's metadata appears: {@code /flashcopy}, as to every server of the pool. */
    public Path metadataRoot() {
        return ceph.metadataRoot();
    }

    /** The store's metadata under {@link #metadataRoot()}: the same objects every server of the pool uses. */
    public Disk metadata() {
        return ceph.metadata();
    }

    /** Whether the store is still held (its lease renewed in time): a repair must not outlive it. */
    public boolean held() {
        return ownership.owns();
    }

    @Override
    public void close() {
        closeAll(ownership, ceph);
    }

    private static void closeAll(StoreOwnership ownership, CephStore ceph) {
        if (ownership != null) {
            ownership.close();
        }
        ceph.close();
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (UnknownHostException e) {
            return "localhost";
        }
    }
}
