package dev.flashcopy.nbd.listen;

import java.nio.file.Path;

/** One place the NBD server listens. Immutable. */
public sealed interface Endpoint {

    /**
     * A TCP address to bind.
     *
     * @param host a name or literal; {@code 0.0.0.0} for all interfaces
     * @param port 0 for an ephemeral one (NBD's own is 10809)
     */
    record Tcp(String host, int port) implements Endpoint {
        public Tcp {
            if (host == null || host.isBlank()) {
                throw new IllegalArgumentException("host: '" + host + "' (expected: a host name or address)");
            }
            if (port < 0 || port > 65535) {
                throw new IllegalArgumentException("port: " + port + " (expected: 0..65535)");
            }
        }

        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    /** A unix socket file to create at {@code path} (see {@link UnixSocketFile}), with {@code access} applied. */
    record Unix(Path path, SocketFileAccess access) implements Endpoint {
        public Unix {
            if (path == null || path.toString().isEmpty()) {
                throw new IllegalArgumentException("path: empty (expected: the socket file to create)");
            }
            path = path.toAbsolutePath().normalize();
        }

        public Unix(Path path) {
            this(path, SocketFileAccess.UMASK);
        }

        @Override
        public String toString() {
            return "unix:" + path;
        }
    }

    /**
     * A listening socket already open as descriptor {@code fd}, passed by systemd (or any launcher speaking its
     * protocol); it is neither bound nor removed by us.
     *
     * @param unix whether it is a unix socket (else TCP)
     * @param name its name in {@code LISTEN_FDNAMES}, or {@code fdN} without one
     */
    record Inherited(int fd, boolean unix, String name) implements Endpoint {
        public Inherited {
            if (fd < ActivatedSockets.FIRST_FD) {
                throw new IllegalArgumentException(
                        "fd: " + fd + " (expected: >= " + ActivatedSockets.FIRST_FD + ", as systemd passes them)");
            }
        }

        @Override
        public String toString() {
            return "fd " + fd + " (" + name + ", " + (unix ? "unix" : "tcp") + ", from systemd)";
        }
    }
}
