package dev.flashcopy.nbd.client;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DirtyMapDevice;
import dev.flashcopy.engine.device.DirtySink;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.device.ZeroMode;
import dev.flashcopy.nbd.export.RemoteBacked;
import dev.flashcopy.nbd.protocol.CommandFlag;
import dev.flashcopy.nbd.protocol.TransmissionFlag;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A {@link BlockDevice} whose data lives in another server's NBD export. Each call becomes one request, or several
 * pipelined ones when it is larger than the server takes at once (its maximum payload for READ and WRITE, 1 GiB for
 * the others), and waits for all of them. What the server does not offer is done another way with the same meaning:
 * FUA becomes a FLUSH after the write, zeroes without WRITE_ZEROES become written zero bytes (a fast-only zero then
 * fails with NOT_SUPPORTED), and TRIM, CACHE and FLUSH become nothing (TRIM and CACHE are hints; a server without
 * FLUSH has nothing to flush). Error replies keep their meaning ({@link RemoteErrors}); a lost connection fails the
 * requests in flight with {@link BlockError#IO}, and later ones either dial again or fail, as the {@link Reconnect}
 * policy says. A server that stays silent while requests wait (stopped, or cut off without a reset) counts as lost
 * after the export's reply timeout ({@link RemoteExport#replyTimeout()}, see {@link ReplyWatchdog}); TCP keepalive
 * ({@link KeepAlive}) finds a vanished host under an idle connection. The size is fixed when the device opens: a
 * reconnect to an export of another size fails.
 *
 * <p>Thread-safe: calls from many threads share the connection, pipelined.
 */
public final class RemoteDevice implements BlockDevice, DirtyMapDevice, RemoteBacked, AutoCloseable {
    /** The most a TRIM, WRITE_ZEROES, CACHE or BLOCK_STATUS asks for at once: a power of two, so aligned. */
    static final long MAX_SPAN = 1L << 30;

    private static final int ZERO_CHUNK = 1 << 20;
    private static final ByteBuffer ZEROES =
            ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    private final String name;
    private final Dialer dialer;
    private final Reconnect reconnect;
    private final long size;
    private final boolean readOnly;
    private final Object dialing = new Object();
    private volatile NbdConnection connection;
    private final RemoteMaps maps;
    private volatile boolean closed;

    private RemoteDevice(String name, Dialer dialer, Reconnect reconnect, NbdConnection first) {
        this.name = name;
        this.dialer = dialer;
        this.reconnect = reconnect;
        this.connection = first;
        this.size = first.details().size();
        this.readOnly = first.details().readOnly();
        this.maps = new RemoteMaps(name, dialer);
    }

    /** Dials once, now, and keeps that connection; fails as the dial does. */
    public static RemoteDevice open(String name, Dialer dialer, Reconnect reconnect) throws IOException {
        return new RemoteDevice(name, dialer, reconnect, dialer.dial());
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public long size() {
        return size;
    }

    @Override
    public boolean readOnly() {
        return readOnly;
    }

    /** The connection requests go on now (for tests and status pages); may be closed. */
    public NbdConnection connection() {
        return connection;
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws BlockIoException {
        int length = dst.remaining();
        if (length == 0) {
            return;
        }
        NbdConnection c = open();
        int max = c.details().maximumPayload();
        List<CompletableFuture<?>> parts = new ArrayList<>(1 + length / max);
        for (int done = 0; done < length; done += max) {
            int n = Math.min(max, length - done);
            parts.add(c.read(offset + done, dst.slice(dst.position() + done, n), 0));
        }
        Completions.awaitAll(parts);
        dst.position(dst.limit());
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
        int length = src.remaining();
        write(offset, Unpooled.wrappedBuffer(src.slice()), fua);
        src.position(src.position() + length);
    }

    @Override
    public void write(long offset, ByteBuffer[] srcs, boolean fua) throws BlockIoException {
        ByteBuffer[] slices = new ByteBuffer[srcs.length];
        for (int i = 0; i < srcs.length; i++) {
            slices[i] = srcs[i].slice();
        }
        write(offset, Unpooled.wrappedBuffer(slices), fua);
        for (ByteBuffer src : srcs) {
            src.position(src.limit());
        }
    }

    /** Writes {@code data} (which it releases) in pieces of the maximum payload, pipelined. */
    private void write(long offset, ByteBuf data, boolean fua) throws BlockIoException {
        NbdConnection c;
        List<CompletableFuture<?>> parts;
        boolean flushAfter;
        try {
            int length = data.readableBytes();
            if (length == 0) {
                return;
            }
            c = open();
            flushAfter = fua && !c.details().has(TransmissionFlag.SEND_FUA);
            int flags = fua && !flushAfter ? CommandFlag.FUA.bit() : 0;
            int max = c.details().maximumPayload();
            parts = new ArrayList<>(1 + length / max);
            for (int done = 0; done < length; done += max) {
                int n = Math.min(max, length - done);
                parts.add(c.write(offset + done, data.retainedSlice(data.readerIndex() + done, n), flags));
            }
        } finally {
            data.release();
        }
        Completions.awaitAll(parts);
        if (flushAfter) {
            // Durability: every piece above has been answered, so this flush covers them all.
            flush(c);
        }
    }

    @Override
    public CompletableFuture<Void> startRead(long offset, ByteBuffer dst) {
        NbdConnection c = connection;
        if (closed || !c.isOpen() || dst.remaining() > c.details().maximumPayload()) {
            return null;
        }
        return Completions.asBlockErrors(c.read(offset, dst, 0));
    }

    @Override
    public CompletableFuture<Void> startWrite(long offset, ByteBuf payload, boolean fua) {
        NbdConnection c = connection;
        if (closed
                || !c.isOpen()
                || payload.readableBytes() > c.details().maximumPayload()
                || (fua && !c.details().has(TransmissionFlag.SEND_FUA))) {
            return null;
        }
        return Completions.asBlockErrors(c.write(offset, payload.retainedSlice(), fua ? CommandFlag.FUA.bit() : 0));
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws BlockIoException {
        NbdConnection c = open();
        if (!c.details().has(TransmissionFlag.SEND_TRIM)) {
            return; // a hint the server does not take: the data may stay, which TRIM allows
        }
        boolean flushAfter = fua && !c.details().has(TransmissionFlag.SEND_FUA);
        int flags = fua && !flushAfter ? CommandFlag.FUA.bit() : 0;
        List<CompletableFuture<?>> parts = new ArrayList<>();
        for (long done = 0; done < length; done += MAX_SPAN) {
            parts.add(c.trim(offset + done, Math.min(MAX_SPAN, length - done), flags));
        }
        Completions.awaitAll(parts);
        if (flushAfter) {
            // Durability: the trims above have been answered; this flush makes them stick.
            flush(c);
        }
    }

    @Override
    public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua)
            throws BlockIoException {
        NbdConnection c = open();
        ExportDetails d = c.details();
        if (fastOnly && !(d.has(TransmissionFlag.SEND_WRITE_ZEROES) && d.has(TransmissionFlag.SEND_FAST_ZERO))) {
            throw new BlockIoException(
                    BlockError.NOT_SUPPORTED, "the server of " + name + " cannot say whether zeroing is fast");
        }
        boolean flushAfter = fua && !d.has(TransmissionFlag.SEND_FUA);
        int fuaFlag = fua && !flushAfter ? CommandFlag.FUA.bit() : 0;
        List<CompletableFuture<?>> parts = new ArrayList<>();
        if (d.has(TransmissionFlag.SEND_WRITE_ZEROES)) {
            int flags = fuaFlag
                    | (mode == ZeroMode.ALLOCATE ? CommandFlag.NO_HOLE.bit() : 0)
                    | (fastOnly ? CommandFlag.FAST_ZERO.bit() : 0);
            for (long done = 0; done < length; done += MAX_SPAN) {
                parts.add(c.writeZeroes(offset + done, Math.min(MAX_SPAN, length - done), flags));
            }
        } else {
            int piece = Math.min(ZERO_CHUNK, d.maximumPayload());
            for (long done = 0; done < length; done += piece) {
                int n = (int) Math.min(piece, length - done);
                parts.add(c.write(offset + done, Unpooled.wrappedBuffer(ZEROES.slice(0, n)), fuaFlag));
            }
        }
        Completions.awaitAll(parts);
        if (flushAfter) {
            // Durability: the zeroes above have been answered; this flush covers them.
            flush(c);
        }
    }

    @Override
    public void flush() throws BlockIoException {
        flush(open());
    }

    private static void flush(NbdConnection c) throws BlockIoException {
        if (c.details().has(TransmissionFlag.SEND_FLUSH)) {
            // Durability: the far server makes every write it completed before this request durable.
            Completions.awaitAll(List.of(c.flush()));
        }
    }

    @Override
    public void cache(long offset, long length) throws BlockIoException {
        NbdConnection c = open();
        if (!c.details().has(TransmissionFlag.SEND_CACHE)) {
            return;
        }
        List<CompletableFuture<?>> parts = new ArrayList<>();
        for (long done = 0; done < length; done += MAX_SPAN) {
            parts.add(c.cache(offset + done, Math.min(MAX_SPAN, length - done)));
        }
        Completions.awaitAll(parts);
    }

    @Override
    public void mapAllocation(long offset, long length, ExtentSink sink) throws BlockIoException {
        if (length > 0) {
            maps.allocation(open(), offset, length, sink);
        }
    }

    @Override
    public List<String> dirtyMapNames() {
        return maps.dirtyMapNames();
    }

    @Override
    public void mapDirty(String mapName, long offset, long length, DirtySink sink) throws BlockIoException {
        if (closed) {
            throw new BlockIoException(BlockError.SHUTDOWN, name + " is closed");
        }
        maps.mapDirty(mapName, offset, length, sink);
    }

    /** The open connection, dialled again first when it was lost and the policy allows it. */
    private NbdConnection open() throws BlockIoException {
        NbdConnection c = connection;
        if (c.isOpen()) {
            return c;
        }
        if (closed) {
            throw new BlockIoException(BlockError.SHUTDOWN, name + " is closed");
        }
        if (reconnect == Reconnect.NEVER) {
            throw new BlockIoException(BlockError.IO, "connection to " + c.export() + " was lost");
        }
        synchronized (dialing) {
            if (closed) {
                throw new BlockIoException(BlockError.SHUTDOWN, name + " is closed");
            }
            c = connection;
            if (c.isOpen()) {
                return c;
            }
            NbdConnection fresh;
            try {
                fresh = dialer.dial();
            } catch (IOException e) {
                throw new BlockIoException(BlockError.IO, "cannot reconnect " + name + ": " + e.getMessage(), e);
            }
            if (fresh.details().size() != size) {
                fresh.close();
                throw new BlockIoException(
                        BlockError.IO,
                        "cannot reconnect " + name + ": " + fresh.export() + " is "
                                + fresh.details().size() + " bytes now, not " + size);
            }
            connection = fresh;
            return fresh;
        }
    }

    /** Closes the connection; later requests fail with {@link BlockError#SHUTDOWN}. Idempotent. */
    @Override
    public void close() {
        closed = true;
        synchronized (dialing) {
            connection.close();
            maps.close();
        }
    }

    @Override
    public String toString() {
        return "remote device " + name + " (" + connection.export() + ")";
    }
}
