package dev.flashcopy.nbd;

import dev.flashcopy.nbd.access.ExportAccess;
import dev.flashcopy.nbd.tls.TlsCredentials;
import dev.flashcopy.nbd.tls.TlsMode;
import java.time.Duration;

/**
 * What an {@link NbdServer} demands of its clients: TLS, export rules, and how long a client may
 * take to reach the transmission phase. Immutable.
 *
 * @param tlsMode          off, offered (on) or required
 * @param credentials      the server's certificate and key; required unless {@code tlsMode} is off
 * @param access           who may open which export, and read-only exports
 * @param handshakeTimeout a connection still negotiating (TLS included) after this long is closed;
 *                         {@link Duration#ZERO} waits forever
 */
public record NbdSecurity(TlsMode tlsMode, TlsCredentials credentials, ExportAccess access, Duration handshakeTimeout) {
    /**
     * Two minutes, though a client that negotiates at once finishes in milliseconds: qemu opens its chardev
     * relays when the guest starts, long before the guest's NBD client speaks, and 10 s (qemu-nbd's own
     * default) cut such a guest off. The price is that a client that connects and never negotiates holds
     * its socket (a file descriptor, a few KiB) this long.
     */
    public static final Duration DEFAULT_HANDSHAKE_TIMEOUT = Duration.ofSeconds(120);

    /** No TLS, every export open, the default handshake timeout. */
    public static final NbdSecurity NONE =
            new NbdSecurity(TlsMode.OFF, null, ExportAccess.OPEN, DEFAULT_HANDSHAKE_TIMEOUT);

    public NbdSecurity {
        if (tlsMode == null || access == null || handshakeTimeout == null) {
            throw new IllegalArgumentException("tlsMode, access and handshakeTimeout: null (expected: values)");
        }
        if (tlsMode != TlsMode.OFF && credentials == null) {
            throw new IllegalArgumentException("TLS mode " + tlsMode + " needs a certificate and key"
                    + " (expected: --tls-cert FILE --tls-key FILE)");
        }
        if (handshakeTimeout.isNegative()) {
            throw new IllegalArgumentException("handshakeTimeout: " + handshakeTimeout + " (expected: >= 0)");
        }
    }
}
