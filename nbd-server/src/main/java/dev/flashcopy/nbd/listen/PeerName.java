package dev.flashcopy.nbd.listen;

import io.netty.channel.Channel;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.PeerCredentials;
import io.netty.channel.uring.IoUringDomainSocketChannel;
import io.netty.util.AttributeKey;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;

/**
 * What the log calls the client at the other end of an accepted connection. A TCP client is its address; a unix
 * socket client has none (clients of a socket file connect unnamed), so it is named by the socket it came in on and,
 * where the transport asks the kernel ({@code SO_PEERCRED}: epoll and io_uring, not NIO), by the process that
 * connected: {@code unix:/run/flashcopy/nbd.sock (pid 4242, uid 0)}. Worked out once per connection, at accept, and
 * kept on the channel. Thread-safe: a channel attribute.
 */
public final class PeerName {
    private static final AttributeKey<String> KEY = AttributeKey.valueOf(PeerName.class, "peer");

    private PeerName() {}

    /** The name of {@code channel}'s client, worked out on the first call and kept. */
    public static String of(Channel channel) {
        String name = channel.attr(KEY).get();
        if (name == null) {
            name = describe(channel);
            channel.attr(KEY).setIfAbsent(name);
        }
        return name;
    }

    private static String describe(Channel channel) {
        SocketAddress remote = channel.remoteAddress();
        String path = unixPath(remote);
        if (path == null || path.isEmpty()) {
            path = unixPath(channel.localAddress());
        }
        if (path == null) {
            return String.valueOf(remote); // TCP: the client's address and port
        }
        PeerCredentials who = credentials(channel);
        return "unix:" + path + (who == null ? "" : " (pid " + who.pid() + ", uid " + who.uid() + ")");
    }

    /** The path of a unix socket address, empty for an unnamed one; null for any other kind of address. */
    private static String unixPath(SocketAddress address) {
        if (address instanceof DomainSocketAddress netty) {
            return netty.path();
        }
        if (address instanceof UnixDomainSocketAddress jdk) {
            return jdk.getPath().toString();
        }
        return null;
    }

    /** Who connected, as the kernel recorded it at connect; null where the transport cannot ask. */
    private static PeerCredentials credentials(Channel channel) {
        try {
            if (channel instanceof EpollDomainSocketChannel epoll) {
                return epoll.peerCredentials();
            }
            if (channel instanceof IoUringDomainSocketChannel uring) {
                return uring.peerCredentials();
            }
        } catch (IOException e) {
            return null; // the connection is already gone: its path alone names it
        }
        return null;
    }
}
