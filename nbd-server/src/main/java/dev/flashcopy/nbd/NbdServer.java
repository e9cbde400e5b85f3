package dev.flashcopy.nbd;

import dev.flashcopy.engine.device.DeviceProvider;
import dev.flashcopy.nbd.dispatch.IoDispatcher;
import dev.flashcopy.nbd.dispatch.IoDispatchers;
import dev.flashcopy.nbd.handshake.HandshakeHandler;
import dev.flashcopy.nbd.handshake.OptionNegotiator;
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
import io.netty.channel.ServerChannel;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A running NBD server. {@link #start} binds and returns; {@link #close} stops accepting, closes
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

    private final EventLoopGroup loops;
    private final IoDispatcher dispatcher;
    private final Channel serverChannel;
    private final ChannelGroup connections;
    private final InetSocketAddress address;
    private final PayloadBudget budget;
    private boolean closed;

    private NbdServer(
            EventLoopGroup loops,
            IoDispatcher dispatcher,
            Channel serverChannel,
            ChannelGroup connections,
            PayloadBudget budget) {
        this.loops = loops;
        this.dispatcher = dispatcher;
        this.serverChannel = serverChannel;
        this.connections = connections;
        this.address = (InetSocketAddress) serverChannel.localAddress();
        this.budget = budget;
    }

    /** The write payload all connections hold now, and the most they ever held (tests, metrics). */
    public PayloadBudget payloadBudget() {
        return budget;
    }

    /** Binds {@code config.host():config.port()} and serves {@code devices} until {@link #close()}. */
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
        Transport transport = Transport.chosen();
        EventLoopGroup loops = new MultiThreadIoEventLoopGroup(config.eventLoops(), transport.handlers());
        Class<? extends ServerChannel> channelType = transport.serverChannel();
        IoDispatcher dispatcher = IoDispatchers.create(config.ioThreads());
        ChannelGroup connections = new DefaultChannelGroup("nbd-connections", GlobalEventExecutor.INSTANCE);
        PayloadBudget budget = new PayloadBudget(config.payloadBudget());
        try {
            Channel server = new ServerBootstrap()
                    .group(loops)
                    .channel(channelType)
                    .option(ChannelOption.SO_REUSEADDR, true)
                    .childOption(ChannelOption.TCP_NODELAY, true)
                    .childOption(ChannelOption.SO_KEEPALIVE, true)
                    .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, REPLY_BUFFER)
                    .childOption(ChannelOption.MESSAGE_SIZE_ESTIMATOR, ReplySizes.INSTANCE)
                    .childOption(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_SIZES)
                    .childHandler(new ChannelInitializer<>() {
                        @Override
                        protected void initChannel(Channel ch) {
                            connections.add(ch);
                            InetAddress client =
                                    ch.remoteAddress() instanceof InetSocketAddress a ? a.getAddress() : null;
                            OptionNegotiator negotiator = new OptionNegotiator(
                                    devices, security.tlsMode(), security.access(), client, metrics);
                            ch.pipeline()
                                    .addLast(
                                            HandshakeHandler.NAME,
                                            new HandshakeHandler(
                                                    negotiator, dispatcher, tls, security.handshakeTimeout(), budget));
                        }
                    })
                    .bind(config.host(), config.port())
                    .syncUninterruptibly()
                    .channel();
            NbdServer started = new NbdServer(loops, dispatcher, server, connections, budget);
            LOG.log(
                    System.Logger.Level.DEBUG,
                    "NBD server listening on {0} ({1}, {2} dispatcher, TLS {3})",
                    started.address,
                    transport,
                    IoDispatchers.chosen(),
                    tls == null ? "off" : security.credentials().provider().describe());
            return started;
        } catch (Exception e) { // Netty rethrows a BindException unchecked-style, so catch everything
            dispatcher.close();
            loops.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot listen on " + config.host() + ":" + config.port() + ": " + e.getMessage(), e);
        }
    }

    public int port() {
        return address.getPort();
    }

    public InetSocketAddress address() {
        return address;
    }

    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        serverChannel.close().syncUninterruptibly();
        connections.close().awaitUninterruptibly();
        // Requests already on I/O threads finish (their replies are dropped); then the loops run
        // the completions that give the device leases back, and stop.
        dispatcher.close();
        loops.shutdownGracefully(0, 5, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
