package dev.flashcopy.nbd;

import dev.flashcopy.engine.tuning.Tunables;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.ServerChannel;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringIoHandler;
import io.netty.channel.uring.IoUringServerSocketChannel;

/**
 * The socket transport: Linux's epoll (the default), io_uring, or Java's NIO, which works everywhere.
 * {@code -Dflashcopy.transport=epoll|io_uring|nio} asks for one; a native one the system lacks falls
 * back to NIO. Immutable.
 */
enum Transport {
    EPOLL("epoll", EpollServerSocketChannel.class),
    IO_URING("io_uring", IoUringServerSocketChannel.class),
    NIO("nio", NioServerSocketChannel.class);

    static final String PROPERTY = Tunables.TRANSPORT.name();

    private final String label;
    private final Class<? extends ServerChannel> serverChannel;

    Transport(String label, Class<? extends ServerChannel> serverChannel) {
        this.label = label;
        this.serverChannel = serverChannel;
    }

    /** The transport the system property asks for, if the system has it; NIO otherwise. */
    static Transport chosen() {
        Transport t = switch (Tunables.TRANSPORT.choice()) {
            case "epoll" -> EPOLL;
            case "io_uring" -> IO_URING;
            case "nio" -> NIO;
            default -> throw new IllegalStateException("no transport " + Tunables.TRANSPORT.value());
        };
        return t.available() ? t : NIO;
    }

    boolean available() {
        return switch (this) {
            case EPOLL -> Epoll.isAvailable();
            case IO_URING -> IoUring.isAvailable();
            case NIO -> true;
        };
    }

    IoHandlerFactory handlers() {
        return switch (this) {
            case EPOLL -> EpollIoHandler.newFactory();
            case IO_URING -> IoUringIoHandler.newFactory();
            case NIO -> NioIoHandler.newFactory();
        };
    }

    Class<? extends ServerChannel> serverChannel() {
        return serverChannel;
    }

    @Override
    public String toString() {
        return label;
    }
}
