package dev.flashcopy.nbd.transmission;

import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.protocol.ProtocolViolation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * Frames transmission-phase requests into {@link NbdRequest}s. A small state machine:
 * <pre>
 *   HEADER ──WRITE, length ≤ max, budget reserved──▶ PAYLOAD ──payload complete──▶ HEADER
 *      │ ──WRITE, length ≤ max, no budget yet──▶ WAIT_BUDGET ──granted──▶ PAYLOAD
 *      │ ──READ, 0 < length ≤ max, no reply budget yet──▶ WAIT_BUDGET ──granted, request emitted──▶ HEADER
 *      │ ──WRITE, max < length ≤ 2·max──▶ DISCARD ──payload skipped, request emitted──▶ HEADER
 *      │ ──WRITE, length > 2·max, DISC or bad magic──▶ IGNORE (everything after is dropped)
 * </pre>
 * Before reading a WRITE's payload the decoder reserves its whole length from the server's
 * {@link PayloadBudget}; while it waits for room the connection reads nothing ({@link ReadSwitch}), so the
 * bytes it holds stay bounded. The reservation goes with the request and is given back when its payload
 * is released. A READ likewise reserves its length from the server's reply budget before it is emitted,
 * for the reply its data will be copied into; that reservation goes back once the reply is sent. A payload that has fully arrived leaves as a retained slice of the cumulation (no copy); a
 * large one still streaming in is gathered, piece by piece as received, into a composite buffer. An
 * oversized WRITE's data is skipped as it streams in, never buffered, and the request is emitted (flagged,
 * without payload, to be refused) only once the last byte is skipped: a client such as libnbd matches a
 * reply only to a request it has finished sending. Not thread-safe: one per channel, used on its event
 * loop.
 */
public final class RequestDecoder extends ByteToMessageDecoder {
    /** Payloads up to this size stay in the cumulation and leave as a retained slice of it. */
    static final int COPY_THRESHOLD = 64 * 1024;

    /**
     * An oversized WRITE up to this length is read and refused; a longer one closes the connection (the
     * spec lets a server disconnect over a payload it deems a denial of service; nbdkit draws the line at
     * twice its maximum too).
     */
    static final long MAX_DISCARD = 2L * NbdWire.MAX_PAYLOAD;

    /** A full-size payload read 4 KiB at a time still fits; a composite past its limit would copy itself whole. */
    private static final int MAX_PIECES = NbdWire.MAX_PAYLOAD / 4096;

    private enum State {
        HEADER,
        WAIT_BUDGET,
        PAYLOAD_START,
        PAYLOAD,
        DISCARD,
        IGNORE
    }

    private final PayloadBudget budget;
    private final PayloadBudget replies;
    /** Runs when a budget grants a reservation this decoder waited for; its identity also cancels it. */
    private final Runnable granted = this::granted;
    /** The budget this decoder waits for in WAIT_BUDGET ({@link #budget} for a WRITE, {@link #replies} a READ). */
    private PayloadBudget waitingFor;

    private ChannelHandlerContext ctx;
    private State state = State.HEADER;
    private int flags;
    private int type;
    private long cookie;
    private long offset;
    private long length;
    private long toDiscard;
    /** True while this decoder holds a reservation of {@link #length} for a payload not yet emitted. */
    private boolean reserved;

    private boolean removed;
    /** The payload being gathered when it exceeds {@link #COPY_THRESHOLD}; null otherwise. */
    private CompositeByteBuf payload;

    /** A decoder drawing on no shared budget (tests). */
    public RequestDecoder() {
        this(PayloadBudget.unlimited());
    }

    /** A decoder whose READ replies draw on no shared budget (tests). */
    public RequestDecoder(PayloadBudget budget) {
        this(budget, PayloadBudget.unlimited());
    }

    /**
     * @param budget  the server-wide bound on write payload held, shared by every connection
     * @param replies the server-wide bound on READ reply data held, shared by every connection
     */
    public RequestDecoder(PayloadBudget budget, PayloadBudget replies) {
        this.budget = budget;
        this.replies = replies;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case HEADER -> decodeHeader(ctx, in, out);
            case WAIT_BUDGET -> {
                // Reading stopped; bytes already received wait in the cumulation until the grant.
            }
            case PAYLOAD_START -> startPayload(ctx, in, out);
            case PAYLOAD -> decodePayload(in, out);
            case DISCARD -> {
                int n = (int) Math.min(in.readableBytes(), toDiscard);
                in.skipBytes(n);
                toDiscard -= n;
                if (toDiscard == 0) {
                    out.add(new NbdRequest(flags, type, cookie, offset, length, null, true));
                    state = State.HEADER;
                }
            }
            case IGNORE -> in.skipBytes(in.readableBytes());
        }
    }

    private void startPayload(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        this.ctx = ctx;
        state = State.PAYLOAD;
        if (length > COPY_THRESHOLD && in.readableBytes() < length) {
            // A large payload still on the wire: gather the received pieces as they are, without
            // copying. Taking all input each time lets the decoder drop its cumulation, so the
            // next read becomes the cumulation as is, instead of being copied onto it.
            payload = ctx.alloc().compositeDirectBuffer(MAX_PIECES);
        }
        decodePayload(in, out);
    }

    private void decodePayload(ByteBuf in, List<Object> out) {
        if (payload != null) {
            fillPayload(in, out);
        } else if (in.readableBytes() >= length) {
            emitWrite(in.readRetainedSlice((int) length), out);
        }
    }

    private void fillPayload(ByteBuf in, List<Object> out) {
        int n = (int) Math.min(in.readableBytes(), length - payload.writerIndex());
        if (n == 0) {
            return; // the header was all there was so far
        }
        if (n < in.capacity() / 2) {
            // A slice keeps its whole receive buffer (up to 1 MiB) alive; a read that filled less than half of
            // one is copied out instead, so a gathered payload never holds more than twice its size.
            ByteBuf copy = ctx.alloc().directBuffer(n);
            copy.writeBytes(in, n);
            payload.addComponent(true, copy);
        } else {
            payload.addComponent(true, in.readRetainedSlice(n));
        }
        if (payload.writerIndex() == length) {
            CompositeByteBuf complete = payload;
            payload = null;
            emitWrite(complete, out);
        }
    }

    /** The request takes over the payload and the reservation that covers it. */
    private void emitWrite(ByteBuf data, List<Object> out) {
        reserved = false;
        out.add(new NbdRequest(flags, type, cookie, offset, length, data, false, budget, null));
        state = State.HEADER;
    }

    /** On whichever thread released the room: hand over to the loop. */
    private void granted() {
        try {
            ctx.executor().execute(this::resumeAfterGrant);
        } catch (RejectedExecutionException e) {
            waitingFor.release(length); // the loop is gone, and the connection with it
        }
    }

    /**
     * On the loop: the reservation is held. A WRITE goes on to read its payload; a READ is emitted now (the bytes
     * that follow it may all be in the cumulation already, or none may be). Then read again, starting with what
     * already arrived.
     */
    private void resumeAfterGrant() {
        if (removed) {
            waitingFor.release(length);
            return;
        }
        if (type == NbdCommand.READ.code()) {
            state = State.HEADER;
            ctx.fireChannelRead(new NbdRequest(flags, type, cookie, offset, length, null, false, null, replies));
        } else {
            reserved = true;
            state = State.PAYLOAD_START;
        }
        ReadSwitch.of(ctx.channel()).resume(ReadSwitch.BUDGET);
        try {
            channelRead(ctx, Unpooled.EMPTY_BUFFER); // decodes the bytes already in the cumulation
        } catch (Exception e) {
            ctx.fireExceptionCaught(e);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (ReadSwitch.of(ctx.channel()).stopped()) {
            // ByteToMessageDecoder asks for another read when this one decoded nothing (a large payload
            // still arriving) even with auto-read off: that would defeat a stop for budget or backlog.
            ctx.fireChannelReadComplete();
            return;
        }
        super.channelReadComplete(ctx);
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        removed = true;
        if (payload != null) {
            payload.release(); // a connection closed halfway through a large write
            payload = null;
        }
        if (reserved) {
            reserved = false;
            budget.release(length);
        }
        // When the reservation was granted but not yet taken up on the loop, resumeAfterGrant gives it back.
        if (state == State.WAIT_BUDGET) {
            waitingFor.cancel(granted);
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
            throw violation(in, "bad request magic 0x" + Integer.toHexString(magic));
        }
        flags = in.readUnsignedShort();
        type = in.readUnsignedShort();
        cookie = in.readLong();
        offset = in.readLong();
        length = in.readUnsignedInt();
        if (type == NbdCommand.WRITE.code()) {
            if (length > MAX_DISCARD) {
                // Spec, "Size constraints": either side MAY disconnect over a payload large enough to be
                // deemed a denial of service. Reading gigabytes just to refuse them is not worth it.
                throw violation(in, "write of " + length + " bytes, over twice the maximum payload");
            } else if (length > NbdWire.MAX_PAYLOAD) {
                toDiscard = length;
                state = State.DISCARD;
            } else if (length == 0) {
                out.add(new NbdRequest(flags, type, cookie, offset, 0, null, false));
            } else {
                this.ctx = ctx; // before reserving: a release on another thread may grant at once
                if (budget.reserve(length, granted)) {
                    reserved = true;
                    state = State.PAYLOAD_START;
                    return;
                }
                waitFor(ctx, budget);
            }
            return;
        }
        if (type == NbdCommand.READ.code() && length > 0 && length <= NbdWire.MAX_PAYLOAD) {
            // Its reply will hold the data (unless sent from the file): bounded server-wide like write payloads.
            // A longer READ is refused without a reply of data, so it reserves nothing.
            this.ctx = ctx;
            if (replies.reserve(length, granted)) {
                out.add(new NbdRequest(flags, type, cookie, offset, length, null, false, null, replies));
            } else {
                waitFor(ctx, replies);
            }
            return;
        }
        out.add(new NbdRequest(flags, type, cookie, offset, length, null, false));
        if (type == NbdCommand.DISC.code()) {
            // Spec: "A client MUST NOT send anything to the server after sending an NBD_CMD_DISC".
            state = State.IGNORE;
        }
    }

    /** Stops reading until {@code of} grants the reservation just asked for. */
    private void waitFor(ChannelHandlerContext ctx, PayloadBudget of) {
        waitingFor = of;
        state = State.WAIT_BUDGET;
        ReadSwitch.of(ctx.channel()).stop(ReadSwitch.BUDGET);
    }

    /** Drops all further input; the handler at the pipeline's end closes the connection (see there). */
    private ProtocolViolation violation(ByteBuf in, String what) {
        state = State.IGNORE;
        in.skipBytes(in.readableBytes());
        return new ProtocolViolation(what);
    }
}
