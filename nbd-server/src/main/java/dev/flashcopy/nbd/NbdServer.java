package dev.flashcopy.nbd;

import dev.flashcopy.engine.device.DeviceProvider;
import dev.flashcopy.nbd.dispatch.IoDispatcher;
import dev.flashcopy.nbd.dispatch.IoDispatchers;
import dev.flashcopy.nbd.handshake.HandshakeHandler;
import dev.flashcopy.nbd.handshake.OptionNegotiator;
import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.listen.ListenFailure;
import dev.flashcopy.nbd.listen.PeerName;
import dev.flashcopy.nbd.metrics.RequestMetrics;
import dev.flashcopy.nbd.tls.TlsMode;
import dev.flashcopy.nbd.transmission.PayloadBudget;
import dev.flashcopy.nbd.transmission.ReplySizes;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A running NBD server. {@link #start} binds every endpoint (TCP, unix socket, socket from systemd) and returns; {@link #close} stops accepting, closes
 * every connection, waits for device I/O already under way, and gives every device lease back.
 * Uses the native transport {@link Transport} chooses (epoll by default), NIO where it is missing. Thread-safe.
 */
public final class NbdServer implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(NbdServer.class.getName());
    /** Replies waiting in a socket's buffer beyond this stop the connection's reading (see TransmissionHandler). */
    private static final WriteBufferWaterMark REPLY_BUFFER = new WriteBufferWaterMark(8 << 20, 32 << 20);

    /** Reads grow up to 1 MiB so large WRITE payloads arrive in few system calls. */
    private static final AdaptiveRecvByteBufAllocator RECEIVE_SIZES =
            new AdaptiveRecvByteBufAllocator(512, 16 << 10, 1 << 20);

    /** What export rules see for a unix-socket client: a local peer (the socket file's mode let it in). */
    private static final InetAddress UNIX_PEER = InetAddress.getLoopbackAddress();

    private final EventLoopGroup loops;
    private final IoDispatcher dispatcher;
    private final Listeners listeners;
    private final ChannelGroup connections;
    private final PayloadBudget budget;
    private final PayloadBudget replyBudget;
    private boolean closed;

    private NbdServer(
            EventLoopGroup loops,
            IoDispatcher dispatcher,
            Listeners listeners,
            ChannelGroup connections,
            PayloadBudget budget,
            PayloadBudget replyBudget) {
        this.loops = loops;
        this.dispatcher = dispatcher;
        this.listeners = listeners;
        this.connections = connections;
        this.budget = budget;
        this.replyBudget = replyBudget;
    }

    /** The write payload all connections hold now, and the most they ever held (tests, metrics). */
    public PayloadBudget payloadBudget() {
        return budget;
    }

    /** The READ reply data all connections hold now, and the most they ever held (tests, metrics). */
    public PayloadBudget replyBudget() {
        return replyBudget;
    }

    /** Listens on {@code config.endpoints()} and serves {@code devices} until {@link #close()}. */
    public static NbdServer start(NbdServerConfig config, DeviceProvider devices) throws IOException {
        return start(config, NbdSecurity.NONE, devices);
    }

    /** As {@link #start(NbdServerConfig, DeviceProvider)}, demanding of clients what {@code security} says. */
    public static NbdServer start(NbdServerConfig config, NbdSecurity security, DeviceProvider devices)
            throws IOException {
        return start(config, security, devices, RequestMetrics.NONE);
    }

    /** As {@link #start(NbdServerConfig, NbdSecurity, DeviceProvider)}, telling {@code metrics} about every request. */
    public static NbdServer start(
            NbdServerConfig config, NbdSecurity security, DeviceProvider devices, RequestMetrics metrics)
            throws IOException {
        SslContext tls = security.tlsMode() == TlsMode.OFF
                ? null
                : security.credentials().nbdContext();
        Transport transport = transportFor(config);
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(config.eventLoops(), transport.handlers());
        IoDispatcher dispatcher = IoDispatchers.create(config.ioThreads());
        ChannelGroup connections = new DefaultChannelGroup("nbd-connections", GlobalEventExecutor.INSTANCE);
        PayloadBudget budget = new PayloadBudget(config.payloadBudget());
        // A sibling of the same size for READ replies: a client stuck on reads then never holds up writes.
        PayloadBudget replyBudget = new PayloadBudget(config.payloadBudget());
        ServerBootstrap base = new ServerBootstrap()
                .group(loops)
                .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, REPLY_BUFFER)
                .childOption(ChannelOption.MESSAGE_SIZE_ESTIMATOR, ReplySizes.INSTANCE)
                .childOption(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_SIZES)
                .childHandler(new ChannelInitializer<>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        connections.add(ch);
                        PeerName.of(ch); // a unix client's process, asked of the kernel once, while it is there
                        OptionNegotiator negotiator = new OptionNegotiator(
                                devices, security.tlsMode(), security.access(), peer(ch.remoteAddress()), metrics);
                        ch.pipeline()
                                .addLast(
                                        HandshakeHandler.NAME,
                                        new HandshakeHandler(
                                                negotiator,
                                                dispatcher,
                                                tls,
                                                security.handshakeTimeout(),
                                                budget,
                                                replyBudget));
                    }
                });
        try {
            Listeners listeners = Listeners.bind(base, transport, config.endpoints());
            NbdServer started = new NbdServer(loops, dispatcher, listeners, connections, budget, replyBudget);
            LOG.log(
                    System.Logger.Level.DEBUG,
                    "NBD server listening on {0} ({1}, {2} dispatcher, TLS {3})",
                    started.addresses(),
                    transport,
                    IoDispatchers.chosen(),
                    tls == null ? "off" : security.credentials().provider().describe());
            return started;
        } catch (ListenFailure | RuntimeException e) {
            dispatcher.close();
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e;
        }
    }

    /**
     * The chosen transport, or epoll when a socket inherited from systemd needs it (only epoll wraps one); said in
     * the log, since it overrides {@code -Dflashcopy.transport}.
     */
    private static Transport transportFor(NbdServerConfig config) throws IOException {
        Transport chosen = Transport.chosen();
        boolean inherits = config.endpoints().stream().anyMatch(e -> e instanceof Endpoint.Inherited);
        if (!inherits || chosen == Transport.EPOLL) {
            return chosen;
        }
        if (!Transport.EPOLL.available()) {
            throw new IOException("sockets passed by systemd need the epoll transport, which this system lacks");
        }
        LOG.log(
                System.Logger.Level.WARNING,
                "sockets passed by systemd need the epoll transport; using it instead of {0}",
                chosen);
        return Transport.EPOLL;
    }

    /** The address export rules judge: a TCP client's IP; a unix-socket client counts as local (loopback). */
    private static InetAddress peer(SocketAddress remote) {
        // A unix peer's address is a path, or none at all (clients of a socket file are unnamed).
        return remote instanceof InetSocketAddress a ? a.getAddress() : UNIX_PEER;
    }

    /** Every address the server listens on, in the order of {@link NbdServerConfig#endpoints()}. */
    public List<SocketAddress> addresses() {
        return listeners.bound().stream().map(Listeners.Bound::address).toList();
    }

    /** The port of {@link #address()}. */
    public int port() {
        return address().getPort();
    }

    /** The first TCP address the server listens on; null when it listens on unix sockets only. */
    public InetSocketAddress address() {
        for (SocketAddress a : addresses()) {
            if (a instanceof InetSocketAddress inet) {
                return inet;
            }
        }
        return null;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        listeners.close();
        connections.close().awaitUninterruptibly();
        // Requests already on I/O threads finish (their replies are dropped); then the loops run
        // the completions that give the device leases back, and stop.
        dispatcher.close();
        loops.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
