package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.device.DeviceProvider;
import dev.flashcopy.nbd.NbdSecurity;
import dev.flashcopy.nbd.NbdServer;
import dev.flashcopy.nbd.NbdServerConfig;
import dev.flashcopy.nbd.metrics.RequestMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The NBD server exporting a {@link DeviceProvider}: the one place that knows the nbd-server
 * module's API, so its evolution touches one file. Thread-safe as the server it wraps.
 */
final class NbdExport implements AutoCloseable {
    private final NbdServer server;

    private NbdExport(NbdServer server) {
        this.server = server;
    }

    /** Starts listening, counting requests into {@code metrics}; port 0 picks a free port. */
    static NbdExport start(HostPort bind, NbdSecurity security, DeviceProvider devices, RequestMetrics metrics)
            throws IOException {
        try {
            return new NbdExport(
                    NbdServer.start(new NbdServerConfig(bind.host(), bind.port()), security, devices, metrics));
        } catch (Exception e) {
            // Netty may rethrow the bind failure undeclared; either way the user wants the root cause.
            throw new IOException("cannot listen for NBD on " + bind + ": " + rootMessage(e), e);
        }
    }

    InetSocketAddress address() {
        return server.address();
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
