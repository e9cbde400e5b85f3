package dev.flashcopy.tools.serve;

import dev.flashcopy.engine.device.DeviceProvider;
import dev.flashcopy.nbd.NbdSecurity;
import dev.flashcopy.nbd.NbdServer;
import dev.flashcopy.nbd.NbdServerConfig;
import dev.flashcopy.nbd.metrics.RequestMetrics;
import dev.flashcopy.nbd.tls.TlsMode;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The NBD server exporting a {@link DeviceProvider}: the one place that knows the nbd-server
 * module's API, so its evolution touches one file. Thread-safe as the server it wraps.
 */
final class NbdExport implements AutoCloseable {
    private final NbdServer server;
    private final String tls;

    private NbdExport(NbdServer server, String tls) {
        this.server = server;
        this.tls = tls;
    }

    /** Starts listening, counting requests into {@code metrics}; port 0 picks a free port. */
    static NbdExport start(HostPort bind, NbdSecurity security, DeviceProvider devices, RequestMetrics metrics)
            throws IOException {
        try {
            NbdServer server =
                    NbdServer.start(new NbdServerConfig(bind.host(), bind.port()), security, devices, metrics);
            String tls = security.tlsMode() == TlsMode.OFF
                    ? null
                    : security.credentials().provider().describe();
            return new NbdExport(server, tls);
        } catch (Exception e) {
            // Netty may rethrow the bind failure undeclared; either way the user wants the root cause.
            throw new IOException("cannot listen for NBD on " + bind + ": " + rootMessage(e), e);
        }
    }

    InetSocketAddress address() {
        return server.address();
    }

    /** The TLS engine NBD connections encrypt with ({@code openssl (BoringSSL)}, {@code jdk}), null without TLS. */
    String tlsProvider() {
        return tls;
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
