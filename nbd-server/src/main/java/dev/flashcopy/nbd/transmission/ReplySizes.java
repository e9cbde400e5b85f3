package dev.flashcopy.nbd.transmission;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufHolder;
import io.netty.channel.FileRegion;
import io.netty.channel.MessageSizeEstimator;

/**
 * Sizes replies waiting in a connection's outbound buffer by the bytes they will put on the wire, file
 * regions included: Netty's default counts a region as 0 bytes, so a client that asks for large reads and
 * never reads its socket would pile up regions without the socket ever turning unwritable, and the handler
 * would never stop reading its requests. Set as the server's {@code MESSAGE_SIZE_ESTIMATOR}. Stateless.
 */
public final class ReplySizes implements MessageSizeEstimator, MessageSizeEstimator.Handle {
    public static final ReplySizes INSTANCE = new ReplySizes();

    /** What Netty's default assumes for a message it does not know. */
    private static final int UNKNOWN = 8;

    private ReplySizes() {}

    @Override
    public Handle newHandle() {
        return this;
    }

    @Override
    public int size(Object msg) {
        if (msg instanceof ByteBuf buf) {
            return buf.readableBytes();
        }
        if (msg instanceof FileRegion region) {
            return (int) Math.min(Integer.MAX_VALUE, region.count() - region.transferred());
        }
        if (msg instanceof ByteBufHolder holder) {
            return holder.content().readableBytes();
        }
        return UNKNOWN;
    }
}
