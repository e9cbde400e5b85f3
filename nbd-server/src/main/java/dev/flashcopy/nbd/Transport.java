package dev.flashcopy.nbd;

import dev.flashcopy.engine.tuning.Tunables;
import io.netty.channel.Channel;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerDomainSocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDomainSocketChannel;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerDomainSocketChannel;
import io.netty.channel.uring.IoUringServerSocketChannel;
import io.netty.channel.uring.IoUringSocketChannel;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.Path;

/**
 * The socket transport: Linux's epoll (the default), io_uring, or Java's NIO, which works everywhere.
 * {@code -Dflashcopy.transport=epoll|io_uring|nio} asks for one; a native one the system lacks falls
 * back to NIO. All three serve TCP and unix sockets; only epoll can wrap a socket inherited from systemd,
 * so a server given one runs on epoll whatever was asked. The NBD client ({@code nbd.client}) dials out on the same
 * transport. Immutable.
 */
public enum Transport {
    EPOLL(
            "epoll",
            EpollServerSocketChannel.class,
            EpollServerDomainSocketChannel.class,
            EpollSocketChannel.class,
            EpollDomainSocketChannel.class),
    IO_URING(
            "io_uring",
            IoUringServerSocketChannel.class,
            IoUringServerDomainSocketChannel.class,
            IoUringSocketChannel.class,
            IoUringDomainSocketChannel.class),
    NIO(
            "nio",
            NioServerSocketChannel.class,
            NioServerDomainSocketChannel.class,
            NioSocketChannel.class,
            NioDomainSocketChannel.class);

    static final String PROPERTY = Tunables.TRANSPORT.name();

    private final String label;
    private final Class<? extends ServerChannel> serverChannel;
    private final Class<? extends ServerChannel> unixServerChannel;
    private final Class<? extends Channel> socketChannel;
    private final Class<? extends Channel> unixChannel;

    Transport(
            String label,
            Class<? extends ServerChannel> serverChannel,
            Class<? extends ServerChannel> unixServerChannel,
            Class<? extends Channel> socketChannel,
            Class<? extends Channel> unixChannel) {
        this.label = label;
        this.serverChannel = serverChannel;
        this.unixServerChannel = unixServerChannel;
        this.socketChannel = socketChannel;
        this.unixChannel = unixChannel;
    }

    /** The transport the system property asks for, if the system has it; NIO otherwise. */
    public static Transport chosen() {
        Transport t = switch (Tunables.TRANSPORT.choice()) {
            case "epoll" -> EPOLL;
            case "io_uring" -> IO_URING;
            case "nio" -> NIO;
            default -> throw new IllegalStateException("no transport " + Tunables.TRANSPORT.value());
        };
        return t.available() ? t : NIO;
    }

    public boolean available() {
        return switch (this) {
            case EPOLL -> Epoll.isAvailable();
            case IO_URING -> IoUring.isAvailable();
            case NIO -> true;
        };
    }

    public IoHandlerFactory handlers() {
        return switch (this) {
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
    }

    Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    Class<? extends ServerChannel> unixServerChannel() {
        return unixServerChannel;
    }

    /** A client's TCP connection. */
    public Class<? extends Channel> socketChannel() {
        return socketChannel;
    }

    /** A client's unix-socket connection; it connects to {@link #unixAddress}. */
    public Class<? extends Channel> unixChannel() {
        return unixChannel;
    }

    /** The address {@link #unixServerChannel()} binds: Netty's own type for the native transports, Java's for NIO. */
    public SocketAddress unixAddress(Path path) {
        return this == NIO ? UnixDomainSocketAddress.of(path) : new DomainSocketAddress(path.toString());
    }

    /** A server channel on the listening socket {@code fd} already is; epoll only (see the class comment). */
    ServerChannel inherited(int fd, boolean unix) {
        if (this != EPOLL) {
            throw new IllegalStateException("only epoll wraps inherited sockets, not " + this);
        }
        // The TCP constructor finds a listening socket active by itself; the unix one must be told, or it never
        // polls for connections.
        return unix ? new EpollServerDomainSocketChannel(fd, true) : new EpollServerSocketChannel(fd);
    }

    @Override
    public String toString() {
        return label;
    }
}
