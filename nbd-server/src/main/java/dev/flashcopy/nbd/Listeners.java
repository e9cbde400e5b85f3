package dev.flashcopy.nbd;

import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.listen.ListenFailure;
import dev.flashcopy.nbd.listen.UnixSocketFile;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.Socket;
import java.io.IOException;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.file.InvalidPathException;
import java.util.ArrayList;
import java.util.List;

/**
 * The listening channels of one {@link NbdServer}, one per {@link Endpoint}: bound all or none, and on close the
 * socket files this server created removed (an inherited socket's file belongs to systemd and stays).
 * Thread-safe: immutable after {@link #bind}; {@link #close()} is called once, by the server.
 */
final class Listeners implements AutoCloseable {
    /** One listening channel and the address clients reach it at (a {@link UnixDomainSocketAddress} for unix). */
    record Bound(Endpoint endpoint, Channel channel, SocketAddress address) {}

    private static final System.Logger LOG = System.getLogger(Listeners.class.getName());

    private final List<Bound> bound;

    private Listeners(List<Bound> bound) {
        this.bound = bound;
    }

    /** Binds every endpoint with a copy of {@code base} (child handler and options set); all or none. */
    static Listeners bind(ServerBootstrap base, Transport transport, List<Endpoint> endpoints) throws ListenFailure {
        List<Bound> done = new ArrayList<>();
        try {
            for (Endpoint endpoint : endpoints) {
                done.add(bindOne(base.clone(), transport, endpoint));
            }
        } catch (ListenFailure | RuntimeException e) {
            new Listeners(done).close();
            throw e;
        }
        return new Listeners(List.copyOf(done));
    }

    List<Bound> bound() {
        return bound;
    }

    private static Bound bindOne(ServerBootstrap b, Transport transport, Endpoint endpoint) throws ListenFailure {
        try {
            return switch (endpoint) {
                case Endpoint.Tcp tcp -> {
                    Channel ch = tcpChildren(b)
                            .channel(transport.serverChannel())
                            .option(ChannelOption.SO_REUSEADDR, true)
                            .bind(tcp.host(), tcp.port())
                            .syncUninterruptibly()
                            .channel();
                    yield new Bound(endpoint, ch, ch.localAddress());
                }
                case Endpoint.Unix unix -> {
                    ownSentence(endpoint, () -> UnixSocketFile.makeWay(unix.path()));
                    Channel ch = b.channel(transport.unixServerChannel())
                            .bind(transport.unixAddress(unix.path()))
                            .syncUninterruptibly()
                            .channel();
                    try {
                        ownSentence(endpoint, () -> UnixSocketFile.apply(unix.path(), unix.access()));
                    } catch (ListenFailure e) {
                        ch.close().syncUninterruptibly();
                        UnixSocketFile.remove(unix.path());
                        throw e;
                    }
                    yield new Bound(endpoint, ch, UnixDomainSocketAddress.of(unix.path()));
                }
                case Endpoint.Inherited inherited -> {
                    ServerBootstrap wrapping = inherited.unix() ? b : tcpChildren(b);
                    Channel ch = wrapping.channelFactory(() -> transport.inherited(inherited.fd(), inherited.unix()))
                            .register()
                            .syncUninterruptibly()
                            .channel();
                    yield new Bound(endpoint, ch, inheritedAddress(ch, inherited));
                }
            };
        } catch (ListenFailure e) {
            throw e;
        } catch (Exception e) { // Netty rethrows a BindException unchecked-style, so catch everything
            throw new ListenFailure(endpoint, rootMessage(e), e);
        }
    }

    /** A file step whose IOException already says what is wrong in words: its message is the reason. */
    private static void ownSentence(Endpoint endpoint, FileStep step) throws ListenFailure {
        try {
            step.run();
        } catch (IOException e) {
            throw new ListenFailure(endpoint, e.getMessage(), e);
        }
    }

    @FunctionalInterface
    private interface FileStep {
        void run() throws IOException;
    }

    /** Options only TCP connections have: a unix socket would log each as unknown. */
    private static ServerBootstrap tcpChildren(ServerBootstrap b) {
        return b.childOption(ChannelOption.TCP_NODELAY, true).childOption(ChannelOption.SO_KEEPALIVE, true);
    }

    /** Where an inherited socket listens; Netty knows it for TCP, and asks the kernel for a unix socket's path. */
    private static SocketAddress inheritedAddress(Channel ch, Endpoint.Inherited inherited) {
        SocketAddress local = ch.localAddress();
        if (local == null && inherited.unix()) {
            local = new Socket(inherited.fd()).localDomainSocketAddress();
        }
        if (local instanceof DomainSocketAddress d) {
            try {
                return UnixDomainSocketAddress.of(d.path());
            } catch (InvalidPathException e) {
                return d; // an abstract socket (no file), named by a leading NUL byte
            }
        }
        return local;
    }

    private static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }

    /** Stops accepting on every channel, then removes the socket files this server created. */
    @Override
    public void close() {
        for (Bound b : bound) {
            b.channel().close().syncUninterruptibly();
            if (b.endpoint() instanceof Endpoint.Unix unix) {
                try {
                    UnixSocketFile.remove(unix.path());
                } catch (IOException e) {
                    LOG.log(System.Logger.Level.WARNING, "cannot remove socket file {0}: {1}", unix.path(), e);
                }
            }
        }
    }
}
