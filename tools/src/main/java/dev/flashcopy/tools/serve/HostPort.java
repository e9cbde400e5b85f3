package dev.flashcopy.tools.serve;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * A listen address as the user writes it, {@code HOST:PORT} or {@code [IPv6]:PORT}; port 0 asks
 * the kernel for a free one. Immutable.
 */
public record HostPort(String host, int port) {
    public HostPort {
        if (host == null || host.isEmpty()) {
            throw new IllegalArgumentException("host: empty (expected: a host name or IP address)");
        }
        if (port < 0 || port > 65535) {
            throw new IllegalArgumentException("port: " + port + " (expected: 0 to 65535, 0 picks a free port)");
        }
    }

    /** Parses {@code 127.0.0.1:10809}, {@code localhost:0}, {@code [::1]:10809}; the message says the form. */
    public static HostPort parse(String text) {
        String s = text == null ? "" : text.trim();
        int colon = s.lastIndexOf(':');
        String host = colon < 0 ? "" : s.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        } else if (host.contains(":")) {
            host = ""; // an unbracketed IPv6 address is ambiguous: which colon starts the port?
        }
        try {
            int port = Integer.parseInt(s.substring(colon + 1));
            return new HostPort(host, port);
        } catch (IllegalArgumentException | IndexOutOfBoundsException e) {
            throw new IllegalArgumentException("address '" + text + "' is not valid (expected: HOST:PORT such as"
                    + " 127.0.0.1:10809 or [::1]:10809, port 0 to 65535, 0 picks a free port)");
        }
    }

    /** Resolves the host; an unknown host is a clear error rather than Netty's UnresolvedAddressException. */
    public InetSocketAddress resolve() {
        InetSocketAddress a = new InetSocketAddress(host, port);
        if (a.isUnresolved()) {
            throw new IllegalArgumentException("host '" + host + "' cannot be resolved to an address");
        }
        return a;
    }

    /** {@code HOST:PORT} of a bound address, IPv6 in brackets, as URLs and {@code admin.json} want it. */
    public static String format(InetSocketAddress a) {
        String host = hostOf(a);
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + a.getPort();
    }

    /** The bare host of a bound address: the IP literal, so clients need no name lookup. */
    public static String hostOf(InetSocketAddress a) {
        InetAddress ip = a.getAddress();
        return ip == null ? a.getHostString() : ip.getHostAddress();
    }

    @Override
    public String toString() {
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
    }
}
