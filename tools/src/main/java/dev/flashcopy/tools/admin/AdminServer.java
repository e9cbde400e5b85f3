package dev.flashcopy.tools.admin;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.ssl.SslContext;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The admin API listening on one address, HTTP or HTTPS: a single Netty event loop for HTTP, and a
 * small pool for the operations themselves, which touch the disk. Thread-safe; {@link #close()} is idempotent.
 */
public final class AdminServer implements AutoCloseable {
    /** Bodies are small JSON objects; anything near this is a mistake or an attack. */
    public static final int MAX_BODY_BYTES = 1 << 20;

    private static final int OPERATION_THREADS = 2;

    private final EventLoopGroup group;
    private final ExecutorService operations;
    private final Channel channel;
    private final AtomicReference<Router> router;

    private AdminServer(
            EventLoopGroup group, ExecutorService operations, Channel channel, AtomicReference<Router> router) {
        this.group = group;
        this.operations = operations;
        this.channel = channel;
        this.router = router;
    }

    /**
     * Binds {@code bind} (port 0 picks a free port) and serves {@code resources} to holders of
     * {@code token}. Unexpected failures are logged to {@code log}.
     *
     * @throws IOException when the address cannot be bound, with the address in the message
     */
    public static AdminServer start(
            InetSocketAddress bind, BearerToken token, List<? extends Resource> resources, PrintWriter log)
            throws IOException {
        return start(bind, AdminTokens.fullOnly(token), resources, log, null);
    }

    /**
     * As above, accepting {@code tokens} (full and read-only), over HTTPS when {@code https} is not null.
     */
    public static AdminServer start(
            InetSocketAddress bind,
            AdminTokens tokens,
            List<? extends Resource> resources,
            PrintWriter log,
            SslContext https)
            throws IOException {
        AtomicReference<Router> router = new AtomicReference<>(new Router(resources));
        ApiErrors errors = new ApiErrors(log);
        EventLoopGroup group =
                new MultiThreadIoEventLoopGroup(1, daemonThreads("flashcopy-admin-io"), NioIoHandler.newFactory());
        ExecutorService operations =
                Executors.newFixedThreadPool(OPERATION_THREADS, daemonThreads("flashcopy-admin-op"));
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(NioServerSocketChannel.class)
                    .childHandler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel ch) {
                            if (https != null) {
                                ch.pipeline().addLast("tls", https.newHandler(ch.alloc()));
                            }
                            ch.pipeline()
                                    .addLast("http", new HttpServerCodec())
                                    .addLast("aggregate", new BoundedAggregator(MAX_BODY_BYTES))
                                    .addLast("api", new AdminHandler(router::get, tokens, operations, errors));
                        }
                    })
                    .bind(bind)
                    .sync()
                    .channel();
            return new AdminServer(group, operations, channel, router);
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            operations.shutdownNow();
            throw new IOException(
                    "cannot listen for the admin API on " + bind.getHostString() + ":" + bind.getPort() + ": "
                            + e.getMessage(),
                    e);
        }
    }

    /**
     * Answers from here on with {@code resources}, and with {@code fallback} (null: 404) for paths they do not have;
     * same address, same tokens, so clients notice nothing but the answers (a standby that took its store over).
     * A request already routed finishes where it was routed.
     */
    public void serve(List<? extends Resource> resources, Route.Handler fallback) {
        router.set(new Router(resources, fallback));
    }

    /** The bound address, with the real port when 0 was asked for. */
    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    public int port() {
        return address().getPort();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        operations.shutdown();
        try {
            // Let an operation that already started finish its catalog write before the store closes.
            if (!operations.awaitTermination(10, TimeUnit.SECONDS)) {
                operations.shutdownNow();
            }
        } catch (InterruptedException e) {
            operations.shutdownNow();
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
