package dev.flashcopy.tools.serve;

import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.util.List;

/**
 * How the server's NBD addresses are written for people and tools: {@code HOST:PORT} for TCP, {@code unix:PATH}
 * for a unix socket, and the URI an NBD client takes for an export at either. Stateless, hence thread-safe.
 */
public final class NbdAddresses {
    /** The line that says where NBD listens; tools and tests parse this prefix, so keep it stable. */
    public static final String BANNER = "NBD server listening on ";

    private NbdAddresses() {}

    /** {@code 127.0.0.1:10809}, {@code [::1]:10809} or {@code unix:/run/flashcopy/nbd.sock}. */
    public static String format(SocketAddress a) {
        return switch (a) {
            case InetSocketAddress inet -> HostPort.format(inet);
            case UnixDomainSocketAddress unix -> "unix:" + unix.getPath();
            default -> String.valueOf(a);
        };
    }

    /** {@code nbd://HOST:PORT/EXPORT} or {@code nbd+unix:///EXPORT?socket=PATH} (the NBD URI standard's forms). */
    public static String uri(SocketAddress a, String export) {
        return switch (a) {
            case UnixDomainSocketAddress unix -> "nbd+unix:///" + export + "?socket=" + unix.getPath();
            default -> "nbd://" + format(a) + "/" + export;
        };
    }

    /** The address {@code admin.json} and the admin API publish: the first TCP one, else the first of all. */
    public static SocketAddress primary(List<SocketAddress> all) {
        return all.stream()
                .filter(a -> a instanceof InetSocketAddress)
                .findFirst()
                .orElse(all.getFirst());
    }
}
