package dev.flashcopy.nbd.transmission;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DirtyMapDevice;
import dev.flashcopy.engine.device.ZeroMode;
import dev.flashcopy.nbd.export.MetaContext;
import dev.flashcopy.nbd.export.RemoteBacked;
import dev.flashcopy.nbd.metrics.ExportMetrics;
import dev.flashcopy.nbd.protocol.CommandFlag;
import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdError;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.protocol.ReplyType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.util.List;

/**
 * Carries out one checked request against the device and builds its complete reply as a single
 * buffer, so a reply can never interleave with another; a large READ whose range the device lends as
 * a file ({@link FileReads}) is the exception: its reply is the header, and its data a file region the
 * handler writes right behind it. Runs on I/O threads, never on the event loop. Thread-safe: it holds
 * only immutable per-connection settings.
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
    /** Null when every READ is copied (TLS, the device lends no files, or turned off). */
    private final FileReads fileReads;

    CommandRunner(
            BlockDevice device,
            boolean structured,
            List<MetaContext> contexts,
            ByteBufAllocator alloc,
            ExportMetrics metrics,
            FileReads fileReads) {
        this.device = device;
        this.structured = structured;
        this.contexts = contexts;
        this.alloc = alloc;
        this.metrics = metrics;
        this.fileReads = fileReads;
    }

    /** Runs {@code r}, which the handler already checked, and counts it; never throws. */
    ByteBuf run(NbdRequest r) {
        return run(r, false);
    }

    /**
     * Runs {@code r}; never throws. With {@code deferSync} (only for requests that {@link #owesSync owe a
     * sync}) the sync is left to the caller and a success returns null: {@link #afterSync} builds the reply.
     */
    ByteBuf run(NbdRequest r, boolean deferSync) {
        ByteBuf reply;
        try {
            reply = perform(r, deferSync);
        } catch (BlockIoException e) {
            return failure(r, e);
        } catch (RuntimeException e) {
            LOG.log(System.Logger.Level.ERROR, r + " on " + device.name() + " failed", e);
            count(r, NbdError.EIO);
            return Replies.error(alloc, structured, r.cookie(), NbdError.EIO, r.command() + " failed: internal error");
        }
        if (reply != null) {
            count(r, null);
        }
        return reply;
    }

    /** True for the requests whose reply must wait for a sync: FLUSH, and FUA mutations. */
    static boolean owesSync(NbdRequest r) {
        return switch (r.command()) {
            case FLUSH -> true;
            case WRITE, TRIM, WRITE_ZEROES -> CommandFlag.FUA.isSet(r.flags());
            default -> false;
        };
    }

    BlockDevice device() {
        return device;
    }

    /** The reply of a request whose sync the caller did: {@code failure} is null when the sync succeeded. */
    ByteBuf afterSync(NbdRequest r, BlockIoException failure) {
        if (failure != null) {
            return failure(r, failure);
        }
        count(r, null);
        return Replies.success(alloc, r.cookie());
    }

    private ByteBuf failure(NbdRequest r, BlockIoException e) {
        NbdError error = NbdError.of(e.error());
        if (error == NbdError.EIO) {
            LOG.log(System.Logger.Level.WARNING, "{0} on {1} failed: {2}", r, device.name(), e.getMessage());
        }
        count(r, error);
        // The engine's message names server paths; the client only learns what kind of failure it was.
        return Replies.error(alloc, structured, r.cookie(), error, r.command() + " failed: " + e.error());
    }

    private void count(NbdRequest r, NbdError error) {
        NbdCommand command = r.command();
        long bytes = error == null && (command == NbdCommand.READ || command == NbdCommand.WRITE) ? r.length() : 0;
        metrics.request(command, bytes, System.nanoTime() - r.receivedNanos(), error);
    }

    private ByteBuf perform(NbdRequest r, boolean deferSync) throws BlockIoException {
        boolean fua = CommandFlag.FUA.isSet(r.flags()) && !deferSync;
        switch (r.command()) {
            case READ:
                return structured ? readStructured(r) : readSimple(r);
            case WRITE:
                write(r.offset(), r.payload(), fua);
                break;
            case FLUSH:
                if (!deferSync) {
                    device.flush();
                }
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
        return deferSync ? null : Replies.success(alloc, r.cookie());
    }

    /**
     * A payload gathered from several received buffers goes down as they are, in one gathered write
     * ({@code pwritev}) rather than being copied together first or written piece by piece.
     */
    private void write(long offset, ByteBuf payload, boolean fua) throws BlockIoException {
        if (payload.nioBufferCount() == 1) {
            device.write(offset, payload.nioBuffer(), fua);
        } else {
            device.write(offset, payload.nioBuffers(), fua);
        }
    }

    private ByteBuf readSimple(NbdRequest r) throws BlockIoException {
        ByteBuf sent = fileReads == null ? null : fileReads.simpleReply(r);
        if (sent != null) {
            return sent;
        }
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
        // A remote device's map is a round trip of its own, which would double the read's wait.
        if (!CommandFlag.DF.isSet(r.flags()) && !(device instanceof RemoteBacked remote && remote.remote())) {
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
        if (fileReads != null && extents.count() == 1 && !extents.hole(0)) {
            ByteBuf sent = fileReads.dataChunk(r);
            if (sent != null) {
                return sent;
            }
        }
        int total = 0;
        for (int i = 0; i < extents.count(); i++) {
            total += NbdWire.CHUNK_HEADER_LENGTH
                    + (extents.hole(i)
                            ? NbdWire.OFFSET_HOLE_LENGTH
                            : NbdWire.OFFSET_DATA_PREFIX + (int) extents.length(i));
        }
        ByteBuf out = alloc.directBuffer(total);
        try {
            long pos = offset;
            for (int i = 0; i < extents.count(); i++) {
                int n = (int) extents.length(i);
                boolean last = i == extents.count() - 1;
                if (extents.hole(i)) {
                    Replies.chunkHeader(out, last, ReplyType.OFFSET_HOLE, r.cookie(), NbdWire.OFFSET_HOLE_LENGTH);
                    out.writeLong(pos);
                    out.writeInt(n);
                } else {
                    // DONE may go on a data chunk: every read is finished before the first byte is sent.
                    Replies.chunkHeader(out, last, ReplyType.OFFSET_DATA, r.cookie(), NbdWire.OFFSET_DATA_PREFIX + n);
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
            total += NbdWire.CHUNK_HEADER_LENGTH
                    + NbdWire.BLOCK_STATUS_PREFIX
                    + NbdWire.BLOCK_DESCRIPTOR_LENGTH * lists[c].count();
        }
        ByteBuf out = alloc.directBuffer(total);
        for (int c = 0; c < lists.length; c++) {
            ExtentList extents = lists[c];
            int payload = NbdWire.BLOCK_STATUS_PREFIX + NbdWire.BLOCK_DESCRIPTOR_LENGTH * extents.count();
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
