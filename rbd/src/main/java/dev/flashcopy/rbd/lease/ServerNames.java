package dev.flashcopy.rbd.lease;

import dev.flashcopy.rbd.Pool;
import dev.flashcopy.rbd.RadosCluster;
import java.io.IOException;

/**
 * Servers' names in the cluster: a server registers its {@code --server-name} by holding the lease {@code
 * flashcopy.server.NAME} for as long as it runs, so a second live server under the same name is refused. A
 * registration whose server died (stopped renewing) is taken over once its lease expired, fencing the dead one.
 *
 * <p>Thread-safe: stateless.
 */
public final class ServerNames {
    private static final String PREFIX = "flashcopy.server.";

    private ServerNames() {}

    /** The lease object that registers {@code serverName}. */
    public static String objectName(String serverName) {
        Lease.requireName("serverName", serverName);
        return PREFIX + serverName;
    }

    /**
     * Registers {@code serverName} for this connection and keeps it registered until the returned lease is released
     * or lost ({@code listener} is told). Fails with {@link ServerNameInUseException} while a live server holds the
     * name.
     */
    public static Lease register(
            RadosCluster cluster, Pool pool, String serverName, LeaseTerms terms, LeaseListener listener)
            throws IOException {
        Lease lease = new Lease(cluster, pool, objectName(serverName), serverName, terms, listener);
        try {
            lease.takeOver();
            return lease;
        } catch (LeaseHeldException e) {
            lease.close();
            throw new ServerNameInUseException(serverName, e.address());
        } catch (IOException | RuntimeException e) {
            lease.close();
            throw e;
        }
    }
}
