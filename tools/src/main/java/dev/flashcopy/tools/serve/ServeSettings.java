package dev.flashcopy.tools.serve;

import java.nio.file.Path;

/**
 * What {@code serve} was asked for: the data directory, the two listen addresses, the demo volume,
 * and security (TLS, export rules, handshake timeout). Immutable.
 */
public record ServeSettings(Path dataDir, HostPort nbd, HostPort admin, boolean demo, ServeSecurity security) {
    /** Without security settings: no TLS, open exports. */
    public ServeSettings(Path dataDir, HostPort nbd, HostPort admin, boolean demo) {
        this(dataDir, nbd, admin, demo, ServeSecurity.NONE);
    }
}
