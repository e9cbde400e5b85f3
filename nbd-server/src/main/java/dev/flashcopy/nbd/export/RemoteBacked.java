package dev.flashcopy.nbd.export;

import io.netty.buffer.ByteBuf;
import java.nio.ByteBuffer;
import java.util.concurrent.CompletableFuture;

/**
 * A device whose data lives behind another server, so that every call is a network round trip. A server does not
 * ask such a device for its allocation map before a structured READ (the read would wait for two trips instead of
 * one); its reads go out as one data chunk, and clients that want the holes ask with block status, which the device
 * forwards. READs and WRITEs may also start from the event loop itself ({@link #startRead}, {@link #startWrite}):
 * nothing waits for the far server, so no I/O thread is held for a round trip.
 *
 * <p>Implementations are thread-safe.
 */
public interface RemoteBacked {
    /**
     * Whether the data is behind another server at this moment. A device that may move between this server's engine
     * and a forward to another (a server sharing its store) says which it is now; the server asks before a structured
     * READ whether the allocation map would be a round trip of its own.
     */
    default boolean remote() {
        return true;
    }

    /**
     * Starts reading {@code dst.remaining()} bytes at {@code offset} into {@code dst}, without waiting; null when that
     * cannot be done now without waiting (no open connection, a read to split), and the caller reads the blocking
     * way. The future completes on another thread, failing with a {@code BlockIoException}, and only after nothing
     * will write into {@code dst} any more.
     */
    CompletableFuture<Void> startRead(long offset, ByteBuffer dst);

    /**
     * Starts writing {@code payload}'s readable bytes at {@code offset}, as {@link #startRead}. The device retains what
     * it sends; the caller keeps its own reference and releases it when the future completes.
     */
    CompletableFuture<Void> startWrite(long offset, ByteBuf payload, boolean fua);
}
