package dev.flashcopy.tools.serve;

import java.nio.file.Path;
import java.util.List;

/**
 * What {@code serve} was asked for: the data directory, the two listen addresses, the demo volume,
 * security (TLS, export rules, handshake timeout), and the directories whose images {@code mkvol --file}
 * may register ({@code --image-dir}; {@code DATA/volumes} always may). Immutable.
 */
public record ServeSettings(
        Path dataDir, HostPort nbd, HostPort admin, boolean demo, ServeSecurity security, List<Path> imageDirs) {
    public ServeSettings {
        imageDirs = List.copyOf(imageDirs);
    }

    /** No {@code --image-dir}: only {@code DATA/volumes}. */
    public ServeSettings(Path dataDir, HostPort nbd, HostPort admin, boolean demo, ServeSecurity security) {
        this(dataDir, nbd, admin, demo, security, List.of());
    }

    /** Without security settings: no TLS, open exports. */
    public ServeSettings(Path dataDir, HostPort nbd, HostPort admin, boolean demo) {
        this(dataDir, nbd, admin, demo, ServeSecurity.NONE);
    }
}
