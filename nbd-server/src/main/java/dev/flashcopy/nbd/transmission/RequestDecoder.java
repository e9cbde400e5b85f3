package dev.flashcopy.nbd.transmission;

import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdWire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;

/**
 * Frames transmission-phase requests into {@link NbdRequest}s. A small state machine:
 * <pre>
 *   HEADER ──WRITE, length ≤ max──▶ PAYLOAD ──payload complete──▶ HEADER
 *      │ ──WRITE, length > max───▶ DISCARD ──payload skipped───▶ HEADER
 *      │ ──DISC or bad magic─────▶ IGNORE (everything after is dropped)
 * </pre>
 * A payload that has fully arrived leaves as a retained slice of the cumulation (no copy); a
 * large one still streaming in is gathered, piece by piece as received, into a composite buffer. An oversized WRITE is emitted at
 * once (flagged, without payload) so it can be refused, and its data is skipped as it streams in
 * rather than buffered. Not thread-safe: one per channel, used on
 * its event loop.
 */
public final class RequestDecoder extends ByteToMessageDecoder {
    private static final System.Logger LOG = System.getLogger(RequestDecoder.class.getName());

    /** Payloads up to this size stay in the cumulation and leave as a retained slice of it. */
    static final int COPY_THRESHOLD = 64 * 1024;

    /** Even 32 MiB read 4 KiB at a time fits; a composite past its limit would copy itself whole. */
    private static final int MAX_PIECES = NbdWire.MAX_PAYLOAD / 4096;

    private enum State { HEADER, PAYLOAD, DISCARD, IGNORE }

    private State state = State.HEADER;
    private int flags;
    private int type;
    private long cookie;
    private long offset;
    private long length;
    private long toDiscard;
    /** The payload being gathered when it exceeds {@link #COPY_THRESHOLD}; null otherwise. */
    private CompositeByteBuf payload;

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEADER -> decodeHeader(ctx, in, out);
            case PAYLOAD -> {
                if (payload != null) {
                    fillPayload(in, out);
                } else if (in.readableBytes() >= length) {
                    out.add(new NbdRequest(flags, type, cookie, offset, length, in.readRetainedSlice((int) length), false));
                    state = State.HEADER;
                }
            }
            case DISCARD -> {
                int n = (int) Math.min(in.readableBytes(), toDiscard);
                in.skipBytes(n);
                toDiscard -= n;
                if (toDiscard == 0) {
                    state = State.HEADER;
                }
            }
            case IGNORE -> in.skipBytes(in.readableBytes());
        }
    }

    private void fillPayload(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(in.readableBytes(), length - payload.writerIndex());
        payload.addComponent(true, in.readRetainedSlice(n));
        if (payload.writerIndex() == length) {
            out.add(new NbdRequest(flags, type, cookie, offset, length, payload, false));
            payload = null;
            state = State.HEADER;
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (payload != null) {
            payload.release(); // a connection closed halfway through a large write
            payload = null;
        }
    }

    private void decodeHeader(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (in.readableBytes() < NbdWire.REQUEST_HEADER_LENGTH) {
            return;
        }
        int magic = in.readInt();
        if (magic != NbdWire.REQUEST_MAGIC) {
            // Spec, "Transmission": every request starts with NBD_REQUEST_MAGIC. Without it we
            // cannot find the next request boundary, so the only safe move is a hard disconnect.
            LOG.log(System.Logger.Level.WARNING, "{0}: bad request magic 0x{1}; closing",
                    ctx.channel().remoteAddress(), Integer.toHexString(magic));
            state = State.IGNORE;
            in.skipBytes(in.readableBytes());
            // Replies to the requests before this one may be written but not yet flushed: send them, then
            // close (a plain close would fail them, and the client would never see those answers).
            ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        flags = in.readUnsignedShort();
        type = in.readUnsignedShort();
        cookie = in.readLong();
        offset = in.readLong();
        length = in.readUnsignedInt();
        if (type == NbdCommand.WRITE.code()) {
            if (length > NbdWire.MAX_PAYLOAD) {
                out.add(new NbdRequest(flags, type, cookie, offset, length, null, true));
                toDiscard = length;
                state = State.DISCARD;
            } else if (length == 0) {
                out.add(new NbdRequest(flags, type, cookie, offset, 0, null, false));
            } else {
                state = State.PAYLOAD;
                if (length > COPY_THRESHOLD && in.readableBytes() < length) {
                    // A large payload still on the wire: gather the received pieces as they are, without
                    // copying. Taking all input each time lets the decoder drop its cumulation, so the
                    // next read becomes the cumulation as is, instead of being copied onto it.
                    payload = ctx.alloc().compositeDirectBuffer(MAX_PIECES);
                    fillPayload(in, out);
                }
            }
            return;
        }
        out.add(new NbdRequest(flags, type, cookie, offset, length, null, false));
        if (type == NbdCommand.DISC.code()) {
            // Spec: "A client MUST NOT send anything to the server after sending an NBD_CMD_DISC".
            state = State.IGNORE;
        }
    }
}
