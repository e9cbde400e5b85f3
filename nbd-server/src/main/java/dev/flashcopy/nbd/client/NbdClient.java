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
     * Opens {@code export}; the future fails with {@link HandshakeRefused} when the server refuses it, or with an
     * {@link IOException} saying why the server could not be reached, within the export's timeout.
     */
    public static CompletableFuture<NbdConnection> connect(RemoteExport export, ClientLoops loops) {
        ClientHandshake handshake = new ClientHandshake(export);
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
            address = InetSocketAddress.createUnresolved(tcp.host(), tcp.port());
        } else {
            Endpoint.Unix unix = (Endpoint.Unix) export.endpoint();
            b.channel(loops.transport().unixChannel());
            address = loops.transport().unixAddress(unix.path());
        }
        CompletableFuture<NbdConnection> result = new CompletableFuture<>();
        ChannelFuture connecting = b.connect(address);
        Channel channel = connecting.channel();
        connecting.addListener(f -> {
            if (!f.isSuccess()) {
                result.completeExceptionally(new IOException(
                        "cannot connect to NBD server " + export.endpoint() + ": " + rootMessage(f.cause()),
                        f.cause()));
                return;
            }
            channel.eventLoop()
                    .schedule(
                            () -> {
                                if (!handshake.opened().isDone()) {
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

    /** As {@link #connect}, waiting for the outcome. */
    public static NbdConnection open(RemoteExport export, ClientLoops loops) throws IOException {
        CompletableFuture<NbdConnection> opening = connect(export, loops);
        try {
            return opening.get();
        } catch (InterruptedException e) {
            opening.thenAccept(NbdConnection::close);
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
