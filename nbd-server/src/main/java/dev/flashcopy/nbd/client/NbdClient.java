package dev.flashcopy.nbd.client;

import dev.flashcopy.nbd.listen.Endpoint;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.AdaptiveRecvByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.WriteBufferWaterMark;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/** Dials NBD servers: connects, runs the handshake and hands back an open {@link NbdConnection}. Stateless. */
public final class NbdClient {
    /** Reads grow up to 1 MiB so large READ replies arrive in few system calls. */
    private static final AdaptiveRecvByteBufAllocator RECEIVE_SIZES =
            new AdaptiveRecvByteBufAllocator(512, 16 << 10, 1 << 20);
    /** Requests queued beyond this make the channel unwritable; the caller's own depth bounds them anyway. */
    private static final WriteBufferWaterMark REQUEST_BUFFER = new WriteBufferWaterMark(8 << 20, 32 << 20);

    private NbdClient() {}

    /**
     * Opens {@code export} with {@code base:allocation}; the future fails with {@link HandshakeRefused} when the server
     * refuses it, or with an {@link IOException} saying why the server could not be reached, within the export's
     * timeout.
     */
    public static CompletableFuture<NbdConnection> connect(RemoteExport export, ClientLoops loops) {
        return connect(export, loops, List.of(ExportDetails.BASE_ALLOCATION));
    }

    /** As {@link #connect(RemoteExport, ClientLoops)}, selecting {@code contexts} (those the server has). */
    public static CompletableFuture<NbdConnection> connect(
            RemoteExport export, ClientLoops loops, List<String> contexts) {
        ClientHandshake handshake = new ClientHandshake(export, ClientHandshake.Purpose.OPEN, contexts);
        Channel channel = dial(export, loops, handshake);
        CompletableFuture<NbdConnection> result = new CompletableFuture<>();
        handshake.opened().whenComplete((details, failure) -> {
            if (failure != null) {
                channel.close();
                result.completeExceptionally(failure);
            } else {
                result.complete(new NbdConnection(channel, details, export));
            }
        });
        return result;
    }

    /**
     * The metadata contexts the server offers on {@code export} that match {@code query} ({@code NBD_OPT_LIST_META_CONTEXT};
     * a query ending in a colon lists a namespace), from a connection that only asks and then aborts. Empty when the
     * server has no structured replies or no such contexts.
     */
    public static List<String> listContexts(RemoteExport export, ClientLoops loops, String query) throws IOException {
        ClientHandshake handshake = new ClientHandshake(export, ClientHandshake.Purpose.LIST_CONTEXTS, List.of(query));
        Channel channel = dial(export, loops, handshake);
        try {
            return await(handshake.listed(), export);
        } finally {
            channel.close();
        }
    }

    private static Channel dial(RemoteExport export, ClientLoops loops, ClientHandshake handshake) {
        long timeoutMillis = export.timeout().toMillis();
        Bootstrap b = new Bootstrap()
                .group(loops.group())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeoutMillis))
                .option(ChannelOption.RCVBUF_ALLOCATOR, RECEIVE_SIZES)
                .option(ChannelOption.WRITE_BUFFER_WATER_MARK, REQUEST_BUFFER)
                .handler(handshake);
        SocketAddress address;
        if (export.endpoint() instanceof Endpoint.Tcp tcp) {
            b.channel(loops.transport().socketChannel()).option(ChannelOption.TCP_NODELAY, true);
            KeepAlive.onTcp(b, loops.transport());
            address = InetSocketAddress.createUnresolved(tcp.host(), tcp.port());
        } else {
            Endpoint.Unix unix = (Endpoint.Unix) export.endpoint();
            b.channel(loops.transport().unixChannel());
            address = loops.transport().unixAddress(unix.path());
        }
        ChannelFuture connecting = b.connect(address);
        Channel channel = connecting.channel();
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                handshake
                        .opened()
                        .completeExceptionally(new IOException(
                                "cannot connect to NBD server " + export.endpoint() + ": " + rootMessage(f.cause()),
                                f.cause()));
                return;
            }
            channel.eventLoop()
                    .schedule(
                            () -> {
                                if (!handshake.opened().isDone()
                                        && !handshake.listed().isDone()) {
                                    handshake
                                            .opened()
                                            .completeExceptionally(new HandshakeRefused("server " + export.endpoint()
                                                    + " did not finish the handshake for export '"
                                                    + export.exportName() + "' within " + export.timeout()));
                                    channel.close();
                                }
                            },
                            timeoutMillis,
                            TimeUnit.MILLISECONDS);
        });
        return channel;
    }

    /** As {@link #connect}, waiting for the outcome. */
    public static NbdConnection open(RemoteExport export, ClientLoops loops) throws IOException {
        return open(export, loops, List.of(ExportDetails.BASE_ALLOCATION));
    }

    /** As {@link #connect(RemoteExport, ClientLoops, List)}, waiting for the outcome. */
    public static NbdConnection open(RemoteExport export, ClientLoops loops, List<String> contexts) throws IOException {
        CompletableFuture<NbdConnection> opening = connect(export, loops, contexts);
        try {
            return await(opening, export);
        } catch (InterruptedIOException e) {
            opening.thenAccept(NbdConnection::close);
            throw e;
        }
    }

    private static <T> T await(CompletableFuture<T> f, RemoteExport export) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while opening " + export);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException("cannot open " + export + ": " + rootMessage(e.getCause()), e.getCause());
        }
    }

    static String rootMessage(Throwable t) {
        while (t.getCause() != null && t.getCause() != t) {
            t = t.getCause();
        }
        return t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
    }
}
