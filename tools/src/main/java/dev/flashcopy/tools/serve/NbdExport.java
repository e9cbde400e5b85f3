package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.device.DeviceProvider;
import dev.flashcopy.nbd.NbdSecurity;
import dev.flashcopy.nbd.NbdServer;
import dev.flashcopy.nbd.NbdServerConfig;
import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.listen.ListenFailure;
import dev.flashcopy.nbd.metrics.RequestMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;

/**
 * The NBD server exporting a {@link DeviceProvider}: the one place that knows the nbd-server
 * module's API, so its evolution touches one file. Thread-safe as the server it wraps.
 */
final class NbdExport implements AutoCloseable {
    private final NbdServer server;

    private NbdExport(NbdServer server) {
        this.server = server;
    }

    /** Starts listening on every endpoint, counting requests into {@code metrics}; port 0 picks a free port. */
    static NbdExport start(
            List<Endpoint> endpoints, NbdSecurity security, DeviceProvider devices, RequestMetrics metrics)
            throws IOException {
        try {
            return new NbdExport(NbdServer.start(new NbdServerConfig(endpoints), security, devices, metrics));
        } catch (ListenFailure e) {
            throw new IOException("cannot listen for NBD on " + e.endpoint() + ": " + e.reason(), e);
        } catch (Exception e) {
            // Netty may rethrow a failure undeclared; either way the user wants the root cause.
            throw new IOException("cannot start NBD: " + rootMessage(e), e);
        }
    }

    /** Every NBD address, in the order of the endpoints: {@link InetSocketAddress} or {@code UnixDomainSocketAddress}. */
    List<SocketAddress> addresses() {
        return server.addresses();
    }

    @Override
    public void close() {
        server.close();
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
