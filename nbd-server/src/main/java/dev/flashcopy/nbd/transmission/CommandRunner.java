package dev.flashcopy.nbd.transmission;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DirtyMapDevice;
import dev.flashcopy.engine.device.ZeroMode;
import dev.flashcopy.nbd.export.MetaContext;
import dev.flashcopy.nbd.metrics.ExportMetrics;
import dev.flashcopy.nbd.protocol.CommandFlag;
import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdError;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.protocol.ReplyType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Carries out one checked request against the device and builds its complete reply as a single
 * buffer, so a reply can never interleave with another. Runs on I/O threads, never on the event
 * loop. Thread-safe: it holds only immutable per-connection settings.
 */
final class CommandRunner {
    /** A sparse read is cut into at most this many chunks; the rest goes out as data. */
    static final int MAX_READ_CHUNKS = 64;
    /** Extents per block status reply (the spec asks for at most 2^20). */
    static final int MAX_STATUS_EXTENTS = 4096;

    private static final System.Logger LOG = System.getLogger(CommandRunner.class.getName());

    private final BlockDevice device;
    private final boolean structured;
    private final List<MetaContext> contexts;
    private final ByteBufAllocator alloc;
    private final ExportMetrics metrics;

    CommandRunner(BlockDevice device, boolean structured, List<MetaContext> contexts, ByteBufAllocator alloc,
            ExportMetrics metrics) {
        this.device = device;
        this.structured = structured;
        this.contexts = contexts;
        this.alloc = alloc;
        this.metrics = metrics;
    }

    /** Runs {@code r}, which the handler already checked, and counts it; never throws. */
    ByteBuf run(NbdRequest r) {
        ByteBuf reply;
        NbdError error = null;
        try {
            reply = perform(r);
        } catch (BlockIoException e) {
            error = NbdError.of(e.error());
            if (error == NbdError.EIO) {
                LOG.log(System.Logger.Level.WARNING, "{0} on {1} failed: {2}", r, device.name(), e.getMessage());
            }
            // The engine's message names server paths; the client only learns what kind of failure it was.
            reply = Replies.error(alloc, structured, r.cookie(), error, r.command() + " failed: " + e.error());
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, r + " on " + device.name() + " failed", e);
            error = NbdError.EIO;
            reply = Replies.error(alloc, structured, r.cookie(), error, r.command() + " failed: internal error");
        }
        NbdCommand command = r.command();
        long bytes = error == null && (command == NbdCommand.READ || command == NbdCommand.WRITE) ? r.length() : 0;
        metrics.request(command, bytes, System.nanoTime() - r.receivedNanos(), error);
        return reply;
    }

    private ByteBuf perform(NbdRequest r) throws BlockIoException {
        boolean fua = CommandFlag.FUA.isSet(r.flags());
        switch (r.command()) {
            case READ:
                return structured ? readStructured(r) : readSimple(r);
            case WRITE:
                write(r.offset(), r.payload(), fua);
                break;
            case FLUSH:
                device.flush();
                break;
            case TRIM:
                device.trim(r.offset(), r.length(), fua);
                break;
            case WRITE_ZEROES:
                ZeroMode mode = CommandFlag.NO_HOLE.isSet(r.flags()) ? ZeroMode.ALLOCATE : ZeroMode.PUNCH;
                device.writeZeroes(r.offset(), r.length(), mode, CommandFlag.FAST_ZERO.isSet(r.flags()), fua);
                break;
            case CACHE:
                device.cache(r.offset(), r.length());
                break;
            case BLOCK_STATUS:
                return blockStatus(r);
            default:
                throw new IllegalStateException("not a dispatched command: " + r);
        }
        return Replies.success(alloc, r.cookie());
    }

    /**
     * A payload gathered from several received buffers goes down in pieces, one positional write
     * each, rather than being copied together first; FUA then becomes a flush after the last piece.
     */
    private void write(long offset, ByteBuf payload, boolean fua) throws BlockIoException {
        if (payload.nioBufferCount() == 1) {
            device.write(offset, payload.nioBuffer(), fua);
            return;
        }
        long pos = offset;
        for (ByteBuffer piece : payload.nioBuffers()) {
            int n = piece.remaining();
            device.write(pos, piece, false);
            pos += n;
        }
        if (fua) {
            // Durability: every piece above completed before this flush, so it covers them all.
            device.flush();
        }
    }

    private ByteBuf readSimple(NbdRequest r) throws BlockIoException {
        int length = (int) r.length();
        int header = NbdWire.SIMPLE_REPLY_HEADER_LENGTH;
        ByteBuf out = alloc.directBuffer(header + length);
        try {
            Replies.simpleHeader(out, r.cookie(), 0);
            device.read(r.offset(), out.nioBuffer(header, length));
            out.writerIndex(header + length);
            return out;
        } catch (BlockIoException | RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /**
     * A structured read: one data chunk when the range is all data (the usual case, found with a
     * single {@code SEEK_HOLE}) or when the client set DF; otherwise data and hole chunks in order.
     */
    private ByteBuf readStructured(NbdRequest r) throws BlockIoException {
        long offset = r.offset();
        int length = (int) r.length();
        ExtentList extents = new ExtentList(MAX_READ_CHUNKS);
        if (!CommandFlag.DF.isSet(r.flags())) {
            try {
                device.mapAllocation(offset, length, extents::allocation);
            } catch (BlockIoException e) {
                // The map only saves bandwidth; without it every byte is sent as data.
                extents = new ExtentList(1);
            }
        }
        if (extents.covered() < length) {
            extents.append(length - extents.covered(), 0);
        }
        int total = 0;
        for (int i = 0; i < extents.count(); i++) {
            total += NbdWire.CHUNK_HEADER_LENGTH + (extents.hole(i) ? 12 : 8 + (int) extents.length(i));
        }
        ByteBuf out = alloc.directBuffer(total);
        try {
            long pos = offset;
            for (int i = 0; i < extents.count(); i++) {
                int n = (int) extents.length(i);
                boolean last = i == extents.count() - 1;
                if (extents.hole(i)) {
                    Replies.chunkHeader(out, last, ReplyType.OFFSET_HOLE, r.cookie(), 12);
                    out.writeLong(pos);
                    out.writeInt(n);
                } else {
                    // DONE may go on a data chunk: every read is finished before the first byte is sent.
                    Replies.chunkHeader(out, last, ReplyType.OFFSET_DATA, r.cookie(), 8 + n);
                    out.writeLong(pos);
                    int at = out.writerIndex();
                    device.read(pos, out.nioBuffer(at, n));
                    out.writerIndex(at + n);
                }
                pos += n;
            }
            return out;
        } catch (BlockIoException | RuntimeException e) {
            out.release();
            throw e;
        }
    }

    /**
     * One chunk per selected context, each from its own walk: extents start at the request's offset, stay
     * within its length (so REQ_ONE's single extent never exceeds it) and number at most
     * {@link #MAX_STATUS_EXTENTS}. A walk that describes nothing is answered with status 0, which the spec
     * calls always safe; a dirty map that is gone fails the whole request instead, since "clean" would lie.
     */
    private ByteBuf blockStatus(NbdRequest r) throws BlockIoException {
        int limit = CommandFlag.REQ_ONE.isSet(r.flags()) ? 1 : MAX_STATUS_EXTENTS;
        ExtentList[] lists = new ExtentList[contexts.size()];
        int total = 0;
        for (int c = 0; c < lists.length; c++) {
            lists[c] = walk(contexts.get(c), r.offset(), r.length(), limit);
            total += NbdWire.CHUNK_HEADER_LENGTH + 4 + 8 * lists[c].count();
        }
        ByteBuf out = alloc.directBuffer(total);
        for (int c = 0; c < lists.length; c++) {
            ExtentList extents = lists[c];
            int payload = 4 + 8 * extents.count();
            Replies.chunkHeader(out, c == lists.length - 1, ReplyType.BLOCK_STATUS, r.cookie(), payload);
            out.writeInt(contexts.get(c).id());
            for (int i = 0; i < extents.count(); i++) {
                out.writeInt((int) extents.length(i));
                out.writeInt(extents.flags(i));
            }
        }
        return out;
    }

    private ExtentList walk(MetaContext context, long offset, long length, int limit) throws BlockIoException {
        ExtentList extents = new ExtentList(limit);
        String map = context.dirtyMap();
        if (map == null) {
            device.mapAllocation(offset, length, extents::allocation);
        } else if (device instanceof DirtyMapDevice maps) {
            maps.mapDirty(map, offset, length, extents::dirty);
        } else {
            throw new BlockIoException(BlockError.INVALID, device.name() + " keeps no dirty maps");
        }
        if (extents.count() == 0) {
            extents.append(length, 0); // status 0 is always a safe answer
        }
        return extents;
    }
}
