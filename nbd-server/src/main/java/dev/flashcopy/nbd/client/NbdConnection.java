package dev.flashcopy.nbd.client;

import dev.flashcopy.nbd.protocol.NbdCommand;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One open NBD connection in its transmission phase: any number of requests may be in flight at once, each under
 * its own cookie, each completing its own future (on the connection's event loop, so callers should not do long
 * work in a callback). A future fails with {@link ErrorReply} when the server answered with an error, and with
 * {@link ConnectionLost} when the connection closed first. Requests must respect the export's limits
 * ({@link ExportDetails}); {@link RemoteDevice} splits them for callers that do not. Thread-safe.
 */
public final class NbdConnection implements AutoCloseable {
    /** The largest length field of a request: 32 bits, unsigned. */
    public static final long MAX_LENGTH = 0xFFFF_FFFFL;

    private final Channel channel;
    private final ExportDetails details;
    private final RemoteExport export;
    private final CompletableFuture<Void> closed = new CompletableFuture<>();

    NbdConnection(Channel channel, ExportDetails details, RemoteExport export) {
        this.channel = channel;
        this.details = details;
        this.export = export;
        channel.closeFuture().addListener(f -> closed.complete(null));
    }

    public ExportDetails details() {
        return details;
    }

    public RemoteExport export() {
        return export;
    }

    /** Reads {@code dst.remaining()} bytes (at most the maximum payload) at {@code offset} into {@code dst}. */
    public CompletableFuture<Void> read(long offset, ByteBuffer dst, int flags) {
        checkPayload(dst.remaining());
        return submit(ClientRequest.read(flags, offset, dst));
    }

    /** Writes {@code payload} (at most the maximum payload) at {@code offset}; takes ownership of it. */
    public CompletableFuture<Void> write(long offset, ByteBuf payload, int flags) {
        try {
            checkPayload(payload.readableBytes());
        } catch (IllegalArgumentException e) {
            payload.release();
            throw e;
        }
        return submit(ClientRequest.write(flags, offset, payload));
    }

    public CompletableFuture<Void> flush() {
        return submit(ClientRequest.plain(NbdCommand.FLUSH, 0, 0, 0));
    }

    public CompletableFuture<Void> trim(long offset, long length, int flags) {
        return submit(ClientRequest.plain(NbdCommand.TRIM, flags, offset, checkLength(length)));
    }

    public CompletableFuture<Void> writeZeroes(long offset, long length, int flags) {
        return submit(ClientRequest.plain(NbdCommand.WRITE_ZEROES, flags, offset, checkLength(length)));
    }

    public CompletableFuture<Void> cache(long offset, long length) {
        return submit(ClientRequest.plain(NbdCommand.CACHE, 0, offset, checkLength(length)));
    }

    /**
     * The {@code base:allocation} status of {@code [offset, offset + length)}, as the server's descriptors (which
     * may cover less than asked, and the last one more); fails with {@link IllegalStateException} when the context
     * was not agreed.
     */
    public CompletableFuture<List<StatusExtent>> blockStatus(long offset, long length, int flags) {
        return blockStatus(ExportDetails.BASE_ALLOCATION, offset, length, flags);
    }

    /** As {@link #blockStatus(long, long, int)}, for the agreed metadata context {@code context}. */
    public CompletableFuture<List<StatusExtent>> blockStatus(String context, long offset, long length, int flags) {
        long id = details.context(context);
        if (id < 0) {
            throw new IllegalStateException("the server of " + export + " did not agree to " + context);
        }
        if (length < 1) {
            throw new IllegalArgumentException("length: " + length + " (expected: >= 1)");
        }
        ClientRequest r = ClientRequest.blockStatus(flags, offset, checkLength(length), id);
        return submit(r).thenApply(v -> r.extents);
    }

    /** The transport's channel (tests look at its options). */
    Channel channel() {
        return channel;
    }

    /** True until the connection closes, from either side. */
    public boolean isOpen() {
        return channel.isActive();
    }

    /** Completes when the connection has closed. */
    public CompletableFuture<Void> closed() {
        return closed;
    }

    /**
     * Says goodbye ({@code NBD_CMD_DISC}) and closes; requests still in flight fail with {@link ConnectionLost}.
     * Waits at most a second for the goodbye to be sent (not at all when called on the connection's own event loop,
     * from a callback). Idempotent.
     */
    @Override
    public void close() {
        if (channel.eventLoop().inEventLoop()) {
            // A callback of this connection: waiting here would wait for ourselves. Say goodbye, close when sent.
            submit(ClientRequest.plain(NbdCommand.DISC, 0, 0, 0)).whenComplete((v, e) -> channel.close());
            return;
        }
        if (channel.isActive()) {
            try {
                submit(ClientRequest.plain(NbdCommand.DISC, 0, 0, 0)).get(1, TimeUnit.SECONDS);
            } catch (Exception e) {
                // the connection is going anyway
                if (e instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        channel.close().syncUninterruptibly();
    }

    private CompletableFuture<Void> submit(ClientRequest r) {
        channel.writeAndFlush(r).addListener(f -> {
            if (!f.isSuccess()) { // never reached the writer (the channel is gone), or the writer failed it
                r.fail(new ConnectionLost("cannot send " + r + " to " + export.endpoint(), f.cause()));
            }
        });
        return r.done;
    }

    private void checkPayload(int length) {
        if (length > details.maximumPayload()) {
            throw new IllegalArgumentException("payload: " + length + " bytes (expected: at most the server's maximum "
                    + details.maximumPayload() + ")");
        }
    }

    private static long checkLength(long length) {
        if (length < 0 || length > MAX_LENGTH) {
            throw new IllegalArgumentException("length: " + length + " (expected: 0.." + MAX_LENGTH + ")");
        }
        return length;
    }

    @Override
    public String toString() {
        return "NBD connection to " + export;
    }
}
