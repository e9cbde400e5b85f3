package dev.flashcopy.nbd.tls;

import javax.net.ssl.SSLException;

/**
 * Tells a connection failure that the client's TLS caused (bytes after STARTTLS that are not TLS records, a
 * handshake it failed, a certificate it lacked) from one that is the server's own: the first is the client's
 * mistake, worth a line at most, the second a bug, worth its stack trace. Netty's {@code SslHandler} reports both
 * through {@code exceptionCaught}, the first as an {@link SSLException} somewhere in the cause chain. Stateless.
 */
public final class PeerTlsFailure {
    private PeerTlsFailure() {}

    /** True when {@code cause}, or a cause of it, is a TLS failure. */
    public static boolean is(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof SSLException) {
                return true;
            }
        }
        return false;
    }

    /**
     * What went wrong, in one line: the message of {@code cause}, then the first different message of a cause of
     * it. OpenSSL reports a refused client certificate as its own error ({@code CERTIFICATE_VERIFY_FAILED}) and
     * keeps the trust manager's reason ({@code PKIX path building failed}) as the cause; both belong in the log.
     */
    public static String reason(Throwable cause) {
        String first = String.valueOf(cause.getMessage());
        for (Throwable t = cause.getCause(); t != null && t != t.getCause(); t = t.getCause()) {
            if (t.getMessage() != null && !first.contains(t.getMessage())) {
                return first + ": " + t.getMessage();
            }
        }
        return first;
    }

    /**
     * Logs, at DEBUG, why the connection to {@code peer} closes: one line when the client's TLS failed, the stack
     * trace when the failure is anything else ({@code what} then names the phase that failed).
     */
    public static void log(System.Logger log, Object peer, String what, Throwable cause) {
        if (is(cause)) {
            log.log(System.Logger.Level.DEBUG, "TLS with {0} failed: {1}; closing", peer, reason(cause));
        } else {
            log.log(System.Logger.Level.DEBUG, what + " with " + peer + " failed; closing", cause);
        }
    }
}
