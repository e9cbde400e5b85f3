package dev.flashcopy.nbd.handshake;

import dev.flashcopy.nbd.dispatch.IoDispatcher;
import dev.flashcopy.nbd.dispatch.IoTask;
import dev.flashcopy.nbd.protocol.HandshakeFlag;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.transmission.RequestDecoder;
import dev.flashcopy.nbd.transmission.TransmissionHandler;
import dev.flashcopy.nbd.transmission.TransmissionSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;

/**
 * The handshake phase of one connection, as a state machine over the bytes the client sends:
 * <pre>
 *   CLIENT_FLAGS ─▶ OPTION_HEADER ─▶ OPTION_DATA ─┬─▶ BUSY ─▶ OPTION_HEADER (next option)
 *                          └──────▶ SKIP_DATA ────┘      └──▶ transmission phase, or closed
 * </pre>
 * Each framed option goes to an I/O thread ({@link OptionNegotiator}); while it is answered the
 * handler reads nothing more (the spec forbids the client to send the next option before the
 * reply). On success of GO or EXPORT_NAME the handler puts {@link RequestDecoder} and {@link
 * TransmissionHandler} in its place; bytes the client already pipelined pass on to them. Not
 * thread-safe: one per channel, used on its event loop.
 */
public final class HandshakeHandler extends ByteToMessageDecoder {
    public static final String NAME = "nbd-handshake";

    private static final System.Logger LOG = System.getLogger(HandshakeHandler.class.getName());

    private enum State { CLIENT_FLAGS, OPTION_HEADER, OPTION_DATA, SKIP_DATA, BUSY, CLOSED }

    private final OptionNegotiator negotiator;
    private final IoDispatcher dispatcher;
    private State state = State.CLIENT_FLAGS;
    private int option;
    private long dataLength;
    private long toSkip;

    public HandshakeHandler(OptionNegotiator negotiator, IoDispatcher dispatcher) {
        this.negotiator = negotiator;
        this.dispatcher = dispatcher;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ByteBuf greeting = ctx.alloc().buffer(18);
        greeting.writeLong(NbdWire.NBD_MAGIC);
        greeting.writeLong(NbdWire.OPTION_MAGIC);
        greeting.writeShort(HandshakeFlag.FIXED_NEWSTYLE.bit() | HandshakeFlag.NO_ZEROES.bit());
        ctx.writeAndFlush(greeting, ctx.voidPromise());
        super.channelActive(ctx);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        switch (state) {
            case CLIENT_FLAGS -> {
                if (in.readableBytes() < NbdWire.CLIENT_FLAGS_LENGTH) {
                    return;
                }
                int flags = in.readInt();
                if ((flags & ~HandshakeFlag.KNOWN_CLIENT_FLAGS) != 0) {
                    // Spec, "Newstyle negotiation": the server MUST close if it does not recognize the client's flags.
                    violation(ctx, in, "unknown client flags 0x" + Integer.toHexString(flags));
                    return;
                }
                negotiator.clientFlags(flags);
                state = State.OPTION_HEADER;
            }
            case OPTION_HEADER -> {
                if (in.readableBytes() < NbdWire.OPTION_HEADER_LENGTH) {
                    return;
                }
                long magic = in.readLong();
                if (magic != NbdWire.OPTION_MAGIC) {
                    // Spec: every option starts with IHAVEOPT; without it the stream cannot be framed.
                    violation(ctx, in, "bad option magic 0x" + Long.toHexString(magic));
                    return;
                }
                option = in.readInt();
                dataLength = in.readUnsignedInt();
                if (dataLength <= OptionNegotiator.bufferLimit(option)) {
                    state = State.OPTION_DATA;
                    takeData(ctx, in); // at once: an option without data leaves nothing more to decode
                } else {
                    toSkip = dataLength;
                    state = State.SKIP_DATA;
                }
            }
            case OPTION_DATA -> takeData(ctx, in);
            case SKIP_DATA -> {
                int n = (int) Math.min(in.readableBytes(), toSkip);
                in.skipBytes(n);
                toSkip -= n;
                if (toSkip == 0) {
                    submit(ctx, null);
                }
            }
            case BUSY -> {
                // Leave the bytes where they are until the current option is answered.
            }
            case CLOSED -> in.skipBytes(in.readableBytes());
        }
    }

    private void takeData(ChannelHandlerContext ctx, ByteBuf in) {
        if (in.readableBytes() >= dataLength) {
            submit(ctx, dataLength == 0 ? null : in.readRetainedSlice((int) dataLength));
        }
    }

    private void violation(ChannelHandlerContext ctx, ByteBuf in, String what) {
        LOG.log(System.Logger.Level.WARNING, "{0}: {1}; closing", ctx.channel().remoteAddress(), what);
        state = State.CLOSED;
        in.skipBytes(in.readableBytes());
        ctx.close();
    }

    private void submit(ChannelHandlerContext ctx, ByteBuf data) {
        state = State.BUSY;
        ctx.channel().config().setAutoRead(false);
        dispatcher.dispatch(new OptionTask(ctx, option, data, dataLength));
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) throws Exception {
        if (state == State.BUSY) {
            // Do not let the decoder ask for more input while an option is being answered.
            ctx.fireChannelReadComplete();
            return;
        }
        super.channelReadComplete(ctx);
    }

    /** On the loop: the option is answered. */
    private void finish(ChannelHandlerContext ctx, OptionResult result) {
        if (ctx.isRemoved() || !ctx.channel().isActive()) {
            result.release();
            return;
        }
        ctx.write(result.reply(), ctx.voidPromise());
        switch (result.next()) {
            case CLOSE -> {
                state = State.CLOSED;
                ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
            }
            case TRANSMIT -> {
                state = State.CLOSED;
                ctx.flush();
                enterTransmission(ctx, result.session());
            }
            case CONTINUE -> {
                state = State.OPTION_HEADER;
                ctx.flush();
                ctx.channel().config().setAutoRead(true);
                if (internalBuffer().isReadable()) {
                    try {
                        channelRead(ctx, Unpooled.EMPTY_BUFFER); // decode what arrived meanwhile
                    } catch (Exception e) {
                        ctx.fireExceptionCaught(e);
                    }
                }
            }
        }
    }

    private void enterTransmission(ChannelHandlerContext ctx, TransmissionSession session) {
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.addAfter(ctx.name(), "nbd-requests", new RequestDecoder());
        pipeline.addAfter("nbd-requests", "nbd-transmission", new TransmissionHandler(session, dispatcher));
        ctx.channel().config().setAutoRead(true);
        pipeline.remove(this); // hands any bytes buffered after the option to the request decoder
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        LOG.log(System.Logger.Level.DEBUG, "handshake with " + ctx.channel().remoteAddress() + " failed; closing", cause);
        ctx.close();
    }

    /** One option, answered on an I/O thread; the answer goes back to the loop. */
    private final class OptionTask implements IoTask {
        private final ChannelHandlerContext ctx;
        private final int code;
        private final long length;
        private ByteBuf data;

        OptionTask(ChannelHandlerContext ctx, int code, ByteBuf data, long length) {
            this.ctx = ctx;
            this.code = code;
            this.data = data;
            this.length = length;
        }

        @Override
        public void perform() {
            OptionResult result;
            try {
                result = negotiator.handle(code, data, length, ctx.alloc());
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "option " + code + " failed", e);
                result = OptionResult.close(Unpooled.EMPTY_BUFFER);
            } finally {
                releaseData();
            }
            OptionResult answer = result;
            try {
                ctx.executor().execute(() -> finish(ctx, answer));
            } catch (RejectedExecutionException e) {
                answer.release(); // the event loop is gone with the server
            }
        }

        @Override
        public void reject() {
            releaseData();
            ctx.close();
        }

        private void releaseData() {
            if (data != null) {
                data.release();
                data = null;
            }
        }
    }
}
