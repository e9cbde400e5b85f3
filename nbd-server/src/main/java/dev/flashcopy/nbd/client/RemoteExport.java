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
 * @param replyTimeout how long the server may stay silent while requests wait for its replies before the
 *                   connection is given up as hung (see {@code ReplyWatchdog}): longer than the far server's
 *                   slowest honest answer (a disk or a cluster recovering), shorter than callers can wait
 */
public record RemoteExport(
        Endpoint endpoint, String exportName, SslContext tls, Duration timeout, Duration replyTimeout) {
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    /**
     * A minute: above the 30 s the Linux kernel's NBD client gives a request by default, so a server that the kernel
     * would still wait for is waited for here too, and within what a forwarded request's client (qemu, the kernel
     * behind a standby) is asked to bear.
     */
    public static final Duration DEFAULT_REPLY_TIMEOUT = Duration.ofSeconds(60);

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
        if (replyTimeout == null || replyTimeout.isNegative() || replyTimeout.isZero()) {
            throw new IllegalArgumentException("replyTimeout: " + replyTimeout + " (expected: a positive duration)");
        }
    }

    /** The default reply timeout. */
    public RemoteExport(Endpoint endpoint, String exportName, SslContext tls, Duration timeout) {
        this(endpoint, exportName, tls, timeout, DEFAULT_REPLY_TIMEOUT);
    }

    /** Plain text, the default timeouts. */
    public RemoteExport(Endpoint endpoint, String exportName) {
        this(endpoint, exportName, null, DEFAULT_TIMEOUT);
    }

    /** The same export with {@code replyTimeout}. */
    public RemoteExport withReplyTimeout(Duration replyTimeout) {
        return new RemoteExport(endpoint, exportName, tls, timeout, replyTimeout);
    }

    @Override
    public String toString() {
        return "'" + exportName + "' on " + endpoint;
    }
}
