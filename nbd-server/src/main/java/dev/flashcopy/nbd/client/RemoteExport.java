package dev.flashcopy.nbd.client;

import dev.flashcopy.nbd.listen.Endpoint;
import io.netty.handler.ssl.SslContext;
import java.time.Duration;

/**
 * Where an export lives and how to reach it: a TCP address or a unix socket file of an NBD server, the export's name
 * there, and TLS (STARTTLS with the given client context) when not null. Immutable.
 *
 * @param endpoint   {@link Endpoint.Tcp} or {@link Endpoint.Unix}; a socket inherited from systemd is not dialable
 * @param exportName the name the server knows the export by (may be empty: the server's default export)
 * @param tls        a client {@link SslContext}, or null for plain text
 * @param timeout    how long connecting and the handshake may take together
 */
public record RemoteExport(Endpoint endpoint, String exportName, SslContext tls, Duration timeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    public RemoteExport {
        if (!(endpoint instanceof Endpoint.Tcp) && !(endpoint instanceof Endpoint.Unix)) {
            throw new IllegalArgumentException(
                    "endpoint: " + endpoint + " (expected: a TCP address or a unix socket file to connect to)");
        }
        if (exportName == null) {
            throw new IllegalArgumentException("exportName: null (expected: a name, or empty for the default)");
        }
        if (tls != null && !tls.isClient()) {
            throw new IllegalArgumentException("tls: a server context (expected: a client SslContext)");
        }
        if (timeout == null || timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("timeout: " + timeout + " (expected: a positive duration)");
        }
    }

    /** Plain text, the default timeout. */
    public RemoteExport(Endpoint endpoint, String exportName) {
        this(endpoint, exportName, null, DEFAULT_TIMEOUT);
    }

    @Override
    public String toString() {
        return "'" + exportName + "' on " + endpoint;
    }
}
