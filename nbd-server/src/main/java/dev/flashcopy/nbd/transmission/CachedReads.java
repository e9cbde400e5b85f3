package dev.flashcopy.nbd.transmission;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.tuning.Tunables;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.protocol.ReplyType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;

/**
 * Answers a READ on the event loop when the device has every byte in the page cache
 * ({@link BlockDevice#readCached}): a cached 4 KiB read costs a few microseconds, less than handing it to an
 * I/O thread and its reply back. A read that would wait (disk, locks, copy-on-write lookups) is not tried
 * here and goes to the dispatcher as before, and so does a range with holes, which the usual path
 * describes as holes in a structured reply; a structured reply here is one data chunk. Reads up to {@link #maxBytes()} only, so a
 * large copy does not hold up the loop's other connections.
 *
 * <p>Thread-safe: immutable; called on event loops.
 */
final class CachedReads {
    /** {@code -Dflashcopy.inlineReads=BYTES}: largest read tried on the loop; 0 turns it off. */
    static final int MAX_BYTES = Tunables.INLINE_READS.intValue(0);

    private CachedReads() {}

    static int maxBytes() {
        return MAX_BYTES;
    }

    /** The complete reply to {@code r} (a checked READ of at most {@link #maxBytes()}), or null to dispatch it. */
    static ByteBuf reply(NbdRequest r, BlockDevice device, boolean structured, ByteBufAllocator alloc) {
        int length = (int) r.length();
        int header = structured
                ? NbdWire.CHUNK_HEADER_LENGTH + NbdWire.OFFSET_DATA_PREFIX
                : NbdWire.SIMPLE_REPLY_HEADER_LENGTH;
        ByteBuf out = alloc.directBuffer(header + length);
        if (!device.readCached(r.offset(), out.nioBuffer(header, length))) {
            out.release();
            return null;
        }
        if (structured) {
            // DONE on the data chunk: the whole read is in this buffer.
            Replies.chunkHeader(out, true, ReplyType.OFFSET_DATA, r.cookie(), NbdWire.OFFSET_DATA_PREFIX + length);
            out.writeLong(r.offset());
        } else {
            Replies.simpleHeader(out, r.cookie(), 0);
        }
        out.writerIndex(header + length);
        return out;
    }
}
