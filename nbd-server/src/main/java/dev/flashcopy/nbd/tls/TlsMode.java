package dev.flashcopy.nbd.tls;

import java.util.Locale;

/**
 * How a server treats TLS, named after the spec's modes. Immutable.
 * <ul>
 *   <li>{@link #OFF}: NOTLS; STARTTLS is answered {@code NBD_REP_ERR_UNSUP}.</li>
 *   <li>{@link #ON}: SELECTIVETLS with no TLS-only export; a client may upgrade, or not.</li>
 *   <li>{@link #REQUIRE}: FORCEDTLS; before STARTTLS every option but STARTTLS and ABORT is answered
 *       {@code NBD_REP_ERR_TLS_REQD}, so no export is listed or opened in clear text.</li>
 * </ul>
 */
public enum TlsMode {
    OFF,
    ON,
    REQUIRE;

    /** {@code off}, {@code on} or {@code require}, any case; the message names the choices. */
    public static TlsMode parse(String text) {
        for (TlsMode mode : values()) {
            if (mode.name().equalsIgnoreCase(text == null ? "" : text.trim())) {
                return mode;
            }
        }
        throw new IllegalArgumentException("TLS mode '" + text + "' is not valid (expected: off, on or require)");
    }

    @Override
    public String toString() {
        return name().toLowerCase(Locale.ROOT);
    }
}
