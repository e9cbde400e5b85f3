package dev.flashcopy.rbd.lease;

import dev.flashcopy.rbd.Pool;
import dev.flashcopy.rbd.RadosCluster;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * Servers' names in the cluster: a server registers its {@code --server-name} by holding the lease {@code
 * flashcopy.server.NAME} for as long as it runs, so a second live server under the same name is refused. A
 * registration whose server died (stopped renewing) is taken over once its lease expired, fencing the dead one.
 *
 * <p>Thread-safe: stateless.
 */
public final class ServerNames {
    private static final String PREFIX = "flashcopy.server.";
    private static final Duration RETRY_PAUSE = Duration.ofMillis(500);

    private ServerNames() {}

    /** The lease object that registers {@code serverName}. */
    public static String objectName(String serverName) {
        Lease.requireName("serverName", serverName);
        return PREFIX + serverName;
    }

    /**
     * Registers {@code serverName} for this connection and keeps it registered until the returned lease is released
     * or lost ({@code listener} is told). Fails at once with {@link ServerNameInUseException} while a live server
     * holds the name.
     */
    public static Lease register(
            RadosCluster cluster, Pool pool, String serverName, LeaseTerms terms, LeaseListener listener)
            throws IOException {
        return register(cluster, pool, serverName, terms, listener, Duration.ZERO, holder -> {});
    }

    /**
     * As above, but a name held by another client is retried for up to {@code patience} before it is called in use:
     * a server restarted right after it was killed (by its supervisor, say) finds its own last registration still
     * held until the lock expires, up to the lease's duration after the dead one's last renewal. A live twin keeps
     * renewing and is refused when the patience runs out. {@code waiting} hears the holder's address once, when the
     * wait starts.
     */
    public static Lease register(
            RadosCluster cluster,
            Pool pool,
            String serverName,
            LeaseTerms terms,
            LeaseListener listener,
            Duration patience,
            Consumer<String> waiting)
            throws IOException {
        Lease lease = new Lease(cluster, pool, objectName(serverName), serverName, terms, listener);
        long deadline = System.nanoTime() + patience.toNanos();
        boolean told = false;
        try {
            while (true) {
                try {
                    lease.takeOver(); // a holder whose lock expired is fenced first
                    return lease;
                } catch (LeaseHeldException e) {
                    if (System.nanoTime() - deadline >= 0) {
                        throw new ServerNameInUseException(serverName, e.address());
                    }
                    if (!told) {
                        waiting.accept(e.address());
                        told = true;
                    }
                    // A failed take leaves the lease new, so the same one is tried again.
                    Thread.sleep(RETRY_PAUSE.toMillis());
                }
            }
        } catch (InterruptedException e) {
            lease.close();
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while waiting for --server-name " + serverName);
        } catch (IOException | RuntimeException e) {
            lease.close();
            throw e;
        }
    }
}
