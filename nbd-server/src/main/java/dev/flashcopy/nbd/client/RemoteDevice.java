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
 * FLUSH has nothing to flush). Error replies keep their meaning ({@link RemoteErrors}). A lost connection either fails
 * the requests in flight with {@link BlockError#IO}, later ones dialling again or failing, or sends them again on a
 * new connection until a window closes, as the {@link Reconnect} policy says. A server that stays silent while
 * requests wait (stopped, or cut off without a reset) counts as lost after the export's reply timeout
 * ({@link RemoteExport#replyTimeout()}, see {@link ReplyWatchdog}); TCP keepalive ({@link KeepAlive}) finds a vanished
 * host under an idle connection. The size is fixed when the device opens: a reconnect to an export of another size
 * fails. Each connection keeps a {@link Ledger} of the writes it answered and the flushes that covered them, which
 * {@link TrackedRemoteDevice} reads to tell a host whose unflushed writes went down with a connection.
 *
 * <p>Thread-safe: calls from many threads share the connection, pipelined.
 */
public final class RemoteDevice implements BlockDevice, DirtyMapDevice, RemoteBacked, AutoCloseable {
    /** The most a TRIM, WRITE_ZEROES, CACHE or BLOCK_STATUS asks for at once: a power of two, so aligned. */
    static final long MAX_SPAN = 1L << 30;

    private static final int ZERO_CHUNK = 1 << 20;
    private static final ByteBuffer ZEROES =
            ByteBuffer.allocateDirect(ZERO_CHUNK).asReadOnlyBuffer();

    /** Told where a write was answered, for a flush to account for later; FUA writes are durable and not told. */
    interface Answers {
        void answered(Ledger ledger, long number);
    }

    /** Where a completed FLUSH ran, and the last write of that connection it covers. */
    record FlushPoint(Ledger ledger, long upTo) {}

    /** A connection and its ledger. */
    private record Link(NbdConnection connection, Ledger ledger) {
        Link(NbdConnection connection) {
            this(connection, new Ledger(connection.export().toString()));
        }
    }

    /** One try of a call on the link of the moment. */
    private interface Attempt<T> {
        T on(Link link) throws BlockIoException;
    }

    private static final Answers UNTRACKED = (ledger, number) -> {};

    private final String name;
    private final Dialer dialer;
    private final Reconnect reconnect;
    private final long size;
    private final boolean readOnly;
    private final Object dialing = new Object();
    private volatile Link link;
    private final RemoteMaps maps;
    private volatile boolean closed;
    private final Resends resends;

    private RemoteDevice(String name, Dialer dialer, Reconnect reconnect, NbdConnection first) {
        this.name = name;
        this.dialer = dialer;
        this.reconnect = reconnect;
        this.resends = new Resends(name, reconnect);
        this.link = new Link(first);
        this.size = first.details().size();
        this.readOnly = first.details().readOnly();
        this.maps = new RemoteMaps(name, dialer);
    }

    /**
     * Dials now and keeps that connection; fails as the dial does. A policy that resends dials again while it fails,
     * within its window ({@link Resends#firstDial}).
     */
    public static RemoteDevice open(String name, Dialer dialer, Reconnect reconnect) throws IOException {
        return new RemoteDevice(name, dialer, reconnect, Resends.firstDial(name, reconnect, dialer::dial));
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
        return link.connection();
    }

    @Override
    public void read(long offset, ByteBuffer dst) throws BlockIoException {
        int length = dst.remaining();
        if (length == 0) {
            return;
        }
        resending(l -> {
            NbdConnection c = l.connection();
            int max = c.details().maximumPayload();
            List<CompletableFuture<?>> parts = new ArrayList<>(1 + length / max);
            for (int done = 0; done < length; done += max) {
                int n = Math.min(max, length - done);
                parts.add(c.read(offset + done, dst.slice(dst.position() + done, n), 0));
            }
            Completions.awaitAll(parts);
            return null;
        });
        dst.position(dst.limit());
    }

    @Override
    public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
        write(offset, src, fua, UNTRACKED);
    }

    void write(long offset, ByteBuffer src, boolean fua, Answers answers) throws BlockIoException {
        int length = src.remaining();
        write(offset, Unpooled.wrappedBuffer(src.slice()), fua, answers);
        src.position(src.position() + length);
    }

    @Override
    public void write(long offset, ByteBuffer[] srcs, boolean fua) throws BlockIoException {
        write(offset, srcs, fua, UNTRACKED);
    }

    void write(long offset, ByteBuffer[] srcs, boolean fua, Answers answers) throws BlockIoException {
        ByteBuffer[] slices = new ByteBuffer[srcs.length];
        for (int i = 0; i < srcs.length; i++) {
            slices[i] = srcs[i].slice();
        }
        write(offset, Unpooled.wrappedBuffer(slices), fua, answers);
        for (ByteBuffer src : srcs) {
            src.position(src.limit());
        }
    }

    /** Writes {@code data} (which it releases) in pieces of the maximum payload, pipelined. */
    private void write(long offset, ByteBuf data, boolean fua, Answers answers) throws BlockIoException {
        try {
            int length = data.readableBytes();
            if (length == 0) {
                return;
            }
            resending(l -> {
                NbdConnection c = l.connection();
                boolean flushAfter = fua && !c.details().has(TransmissionFlag.SEND_FUA);
                int flags = fua && !flushAfter ? CommandFlag.FUA.bit() : 0;
                int max = c.details().maximumPayload();
                List<CompletableFuture<?>> parts = new ArrayList<>(1 + length / max);
                for (int done = 0; done < length; done += max) {
                    int n = Math.min(max, length - done);
                    parts.add(c.write(offset + done, data.retainedSlice(data.readerIndex() + done, n), flags));
                }
                return settle(l, parts, flushAfter, fua, answers);
            });
        } finally {
            data.release();
        }
    }

    /**
     * Waits for the pieces of a write (or trim, or zeroing) on {@code l}, then makes it durable as FUA asked (a FLUSH
     * after it where the server takes no FUA) and tells {@code answers} where one without FUA was answered.
     */
    private static Void settle(
            Link l, List<CompletableFuture<?>> parts, boolean flushAfter, boolean fua, Answers answers)
            throws BlockIoException {
        Completions.awaitAll(parts);
        if (flushAfter) {
            // Durability: every piece has been answered, so this flush covers them all.
            flush(l);
        }
        if (!fua) {
            answers.answered(l.ledger(), l.ledger().answered());
        }
        return null;
    }

    @Override
    public CompletableFuture<Void> startRead(long offset, ByteBuffer dst) {
        Link l = link;
        NbdConnection c = l.connection();
        if (closed || !c.isOpen() || dst.remaining() > c.details().maximumPayload()) {
            return null;
        }
        ByteBuffer again = dst.duplicate();
        return resends.orResent(c.read(offset, dst, 0), () -> read(offset, again), () -> closed);
    }

    @Override
    public CompletableFuture<Void> startWrite(long offset, ByteBuf payload, boolean fua) {
        return startWrite(offset, payload, fua, UNTRACKED);
    }

    CompletableFuture<Void> startWrite(long offset, ByteBuf payload, boolean fua, Answers answers) {
        Link l = link;
        NbdConnection c = l.connection();
        if (closed
                || !c.isOpen()
                || payload.readableBytes() > c.details().maximumPayload()
                || (fua && !c.details().has(TransmissionFlag.SEND_FUA))) {
            return null;
        }
        CompletableFuture<Void> first = c.write(offset, payload.retainedSlice(), fua ? CommandFlag.FUA.bit() : 0);
        if (!fua) {
            first = first.thenRun(() -> answers.answered(l.ledger(), l.ledger().answered()));
        }
        // The caller holds the payload until the returned future completes, so a resend may still send it.
        return resends.orResent(first, () -> write(offset, payload.retainedSlice(), fua, answers), () -> closed);
    }

    @Override
    public void trim(long offset, long length, boolean fua) throws BlockIoException {
        trim(offset, length, fua, UNTRACKED);
    }

    void trim(long offset, long length, boolean fua, Answers answers) throws BlockIoException {
        resending(l -> {
            NbdConnection c = l.connection();
            if (!c.details().has(TransmissionFlag.SEND_TRIM)) {
                return null; // a hint the server does not take: the data may stay, which TRIM allows
            }
            boolean flushAfter = fua && !c.details().has(TransmissionFlag.SEND_FUA);
            int flags = fua && !flushAfter ? CommandFlag.FUA.bit() : 0;
            List<CompletableFuture<?>> parts = new ArrayList<>();
            for (long done = 0; done < length; done += MAX_SPAN) {
                parts.add(c.trim(offset + done, Math.min(MAX_SPAN, length - done), flags));
            }
            return settle(l, parts, flushAfter, fua, answers);
        });
    }

    @Override
    public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua)
            throws BlockIoException {
        writeZeroes(offset, length, mode, fastOnly, fua, UNTRACKED);
    }

    void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua, Answers answers)
            throws BlockIoException {
        resending(l -> {
            NbdConnection c = l.connection();
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
            return settle(l, parts, flushAfter, fua, answers);
        });
    }

    @Override
    public void flush() throws BlockIoException {
        flushPoint();
    }

    /** Flushes, and says on which connection and up to which of its writes (see {@link TrackedRemoteDevice}). */
    FlushPoint flushPoint() throws BlockIoException {
        return resending(RemoteDevice::flush);
    }

    private static FlushPoint flush(Link l) throws BlockIoException {
        long upTo = l.ledger().answeredSoFar();
        if (l.connection().details().has(TransmissionFlag.SEND_FLUSH)) {
            // Durability: the far server makes every write it completed before this request durable.
            Completions.awaitAll(List.of(l.connection().flush()));
        }
        l.ledger().flushed(upTo);
        return new FlushPoint(l.ledger(), upTo);
    }

    @Override
    public void cache(long offset, long length) throws BlockIoException {
        resending(l -> {
            NbdConnection c = l.connection();
            if (!c.details().has(TransmissionFlag.SEND_CACHE)) {
                return null;
            }
            List<CompletableFuture<?>> parts = new ArrayList<>();
            for (long done = 0; done < length; done += MAX_SPAN) {
                parts.add(c.cache(offset + done, Math.min(MAX_SPAN, length - done)));
            }
            Completions.awaitAll(parts);
            return null;
        });
    }

    @Override
    public void mapAllocation(long offset, long length, ExtentSink sink) throws BlockIoException {
        if (length > 0) {
            resending(l -> {
                maps.allocation(l.connection(), offset, length, sink);
                return null;
            });
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

    /** Runs {@code attempt} on the open link, again on a new one as the policy says ({@link Resends}). */
    private <T> T resending(Attempt<T> attempt) throws BlockIoException {
        return resends.run(() -> attempt.on(open()), () -> closed);
    }

    /** The open link, dialled again first when it was lost and the policy allows it. */
    private Link open() throws BlockIoException {
        Link l = link;
        if (l.connection().isOpen()) {
            return l;
        }
        if (closed) {
            throw new BlockIoException(BlockError.SHUTDOWN, name + " is closed");
        }
        if (!reconnect.dials()) {
            throw new BlockIoException(
                    BlockError.IO,
                    "connection to " + l.connection().export() + " was lost",
                    new ConnectionLost("connection to " + l.connection().export() + " was lost"));
        }
        synchronized (dialing) {
            if (closed) {
                throw new BlockIoException(BlockError.SHUTDOWN, name + " is closed");
            }
            l = link;
            if (l.connection().isOpen()) {
                return l;
            }
            NbdConnection fresh;
            try {
                fresh = dialer.dial();
            } catch (IOException e) {
                String message = "cannot reconnect " + name + ": " + e.getMessage();
                throw new BlockIoException(BlockError.IO, message, new ConnectionLost(message, e));
            }
            if (fresh.details().size() != size) {
                fresh.close();
                throw new BlockIoException(
                        BlockError.IO,
                        "cannot reconnect " + name + ": " + fresh.export() + " is "
                                + fresh.details().size() + " bytes now, not " + size);
            }
            link = new Link(fresh);
            resends.reconnected(fresh.export());
            return link;
        }
    }

    /** Closes the connection; later requests fail with {@link BlockError#SHUTDOWN}. Idempotent. */
    @Override
    public void close() {
        closed = true;
        synchronized (dialing) {
            link.connection().close();
            maps.close();
        }
    }

    @Override
    public String toString() {
        return "remote device " + name + " (" + link.connection().export() + ")";
    }
}
