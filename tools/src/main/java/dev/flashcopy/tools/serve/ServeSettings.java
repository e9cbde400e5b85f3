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
        StoreChoice store,
        String serverName) {
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
        this(dataDir, nbd, admin, demo, security, imageDirs, new StoreChoice.Files(), null);
    }

    /** The same with volumes in {@code store}, this server called {@code serverName} there (null: the default). */
    public ServeSettings withStore(StoreChoice store, String serverName) {
        return new ServeSettings(dataDir, nbd, admin, demo, security, imageDirs, store, serverName);
    }

    /**
     * The server's name among those sharing a pool: {@code --server-name}, else {@code HOST:PORT} of its first TCP
     * listener (with port 0 or only unix sockets, {@code HOST:pidPID}, since the port is not known yet).
     */
    public String effectiveServerName(String host, long pid) {
        if (serverName != null) {
            return serverName;
        }
        for (Endpoint e : nbd) {
            if (e instanceof Endpoint.Tcp tcp && tcp.port() != 0) {
                return host + ":" + tcp.port();
            }
        }
        return host + ":pid" + pid;
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
