package dev.flashcopy.tools.serve;

import dev.flashcopy.nbd.listen.Endpoint;
import java.nio.file.Path;
import java.util.List;

/**
 * What {@code serve} was asked for: the data directory, where NBD listens (TCP addresses, unix socket files,
 * sockets from systemd; at least one), the admin API's address, the demo volume,
 * security (TLS, export rules, handshake timeout), and the directories whose images {@code mkvol --file}
 * may register ({@code --image-dir}; {@code DATA/volumes} always may), and where volumes live ({@code --store}).
 * Immutable.
 */
public record ServeSettings(
        Path dataDir,
        List<Endpoint> nbd,
        HostPort admin,
        boolean demo,
        ServeSecurity security,
        List<Path> imageDirs,
        StoreChoice store) {
    public ServeSettings {
        nbd = List.copyOf(nbd);
        if (nbd.isEmpty()) {
            throw new IllegalArgumentException("nbd: no endpoint (expected: at least one place to listen)");
        }
        imageDirs = List.copyOf(imageDirs);
    }

    /** On the file store. */
    public ServeSettings(
            Path dataDir,
            List<Endpoint> nbd,
            HostPort admin,
            boolean demo,
            ServeSecurity security,
            List<Path> imageDirs) {
        this(dataDir, nbd, admin, demo, security, imageDirs, new StoreChoice.Files());
    }

    /** The same with volumes in {@code store}. */
    public ServeSettings withStore(StoreChoice store) {
        return new ServeSettings(dataDir, nbd, admin, demo, security, imageDirs, store);
    }

    /** NBD on one TCP address. */
    public ServeSettings(
            Path dataDir, HostPort nbd, HostPort admin, boolean demo, ServeSecurity security, List<Path> imageDirs) {
        this(dataDir, List.of(new Endpoint.Tcp(nbd.host(), nbd.port())), admin, demo, security, imageDirs);
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
