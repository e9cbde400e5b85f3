package dev.flashcopy.tools.serve;

import dev.flashcopy.nbd.NbdSecurity;
import dev.flashcopy.nbd.access.ExportAccess;
import dev.flashcopy.nbd.tls.TlsMode;
import java.nio.file.Path;
import java.time.Duration;

/**
 * What {@code serve} was asked for about security: TLS for NBD (and HTTPS for the admin API when a
 * certificate is given), export rules, and the handshake timeout. The files are only named here;
 * {@link FlashcopyServer} loads them at start, so a bad file is a start failure. Immutable.
 *
 * @param tlsMode          NBD TLS mode; {@link TlsMode#OFF} when no certificate is given
 * @param certificate      PEM certificate, or null
 * @param key              PEM private key, or null (given exactly when {@code certificate} is)
 * @param clientCa         PEM CA that NBD client certificates must chain to, or null for none required
 * @param access           export rules
 * @param handshakeTimeout see {@link NbdSecurity#handshakeTimeout()}
 */
public record ServeSecurity(
        TlsMode tlsMode, Path certificate, Path key, Path clientCa, ExportAccess access, Duration handshakeTimeout) {
    /** Nothing asked: no TLS, open exports, the default handshake timeout. */
    public static final ServeSecurity NONE =
            new ServeSecurity(TlsMode.OFF, null, null, null, ExportAccess.OPEN, NbdSecurity.DEFAULT_HANDSHAKE_TIMEOUT);

    /** Checks the combination; the message says which option to add or drop. */
    public ServeSecurity {
        if ((certificate == null) != (key == null)) {
            throw new IllegalArgumentException("--tls-cert and --tls-key go together (give both, or neither)");
        }
        if (tlsMode != TlsMode.OFF && certificate == null) {
            throw new IllegalArgumentException("--tls " + tlsMode + " needs --tls-cert FILE and --tls-key FILE");
        }
        if (clientCa != null && tlsMode == TlsMode.OFF) {
            throw new IllegalArgumentException("--tls-ca only applies with TLS on (add --tls on or --tls require,"
                    + " with --tls-cert and --tls-key)");
        }
    }

    public boolean hasCertificate() {
        return certificate != null;
    }
}
