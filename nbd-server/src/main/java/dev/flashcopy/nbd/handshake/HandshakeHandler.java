package dev.flashcopy.nbd.handshake;

import dev.flashcopy.nbd.dispatch.IoDispatcher;
import dev.flashcopy.nbd.dispatch.IoTask;
import dev.flashcopy.nbd.listen.PeerName;
import dev.flashcopy.nbd.protocol.HandshakeFlag;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.protocol.ProtocolViolation;
import dev.flashcopy.nbd.tls.PeerTlsFailure;
import dev.flashcopy.nbd.transmission.PayloadBudget;
import dev.flashcopy.nbd.transmission.RequestDecoder;
import dev.flashcopy.nbd.transmission.TransmissionHandler;
import dev.flashcopy.nbd.transmission.TransmissionSession;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The handshake phase of one connection, as a state machine over the bytes the client sends:
 * <pre>
 *   CLIENT_FLAGS ─▶ OPTION_HEADER ─▶ OPTION_DATA ─┬─▶ BUSY ─▶ OPTION_HEADER (next option)
 *                          └──────▶ SKIP_DATA ────┘      └──▶ transmission phase, or closed
 * </pre>
 * Each framed option goes to an I/O thread ({@link OptionNegotiator}); while it is answered the
 * handler reads nothing more (the spec forbids the client to send the next option before the
 * reply). On success of GO or EXPORT_NAME the handler puts {@link RequestDecoder} and {@link
 * TransmissionHandler} in its place; bytes the client already pipelined pass on to them. When
 * STARTTLS is acknowledged the handler flushes the ACK in clear text, puts an {@link SslHandler} in
 * front of itself and goes on reading options, now decrypted. A connection still here after the
 * handshake timeout (TLS handshake included) is closed, so idle or stalled clients cannot hold
 * sockets forever. Not thread-safe: one per channel, used on its event loop.
 */
public final class HandshakeHandler extends ByteToMessageDecoder {
    public static final String NAME = "nbd-handshake";
    public static final String TLS_NAME = "nbd-tls";

    private static final System.Logger LOG = System.getLogger(HandshakeHandler.class.getName());

    private enum State {
        CLIENT_FLAGS,
        OPTION_HEADER,
        OPTION_DATA,
        SKIP_DATA,
        BUSY,
        CLOSED
    }

    private final OptionNegotiator negotiator;
    private final IoDispatcher dispatcher;
    private final SslContext tls;
    private final Duration timeout;
    private final PayloadBudget budget;
    private final PayloadBudget replyBudget;
    private ScheduledFuture<?> deadline;
    private State state = State.CLIENT_FLAGS;
    private int option;
    private long dataLength;
    private long toSkip;

    /** No TLS, no time limit. */
    public HandshakeHandler(OptionNegotiator negotiator, IoDispatcher dispatcher) {
        this(negotiator, dispatcher, null, Duration.ZERO);
    }

    /**
     * @param tls     the context STARTTLS upgrades to, or null when the negotiator never acknowledges it
     * @param timeout how long the whole handshake may take; {@link Duration#ZERO} for no limit
     */
    public HandshakeHandler(OptionNegotiator negotiator, IoDispatcher dispatcher, SslContext tls, Duration timeout) {
        this(
                negotiator,
                dispatcher,
                tls,
                timeout,
                new PayloadBudget(Long.MAX_VALUE),
                new PayloadBudget(Long.MAX_VALUE));
    }

    /**
     * As above, the transmission phase drawing its write payloads from the server-wide {@code budget} and its READ
     * replies' data from the server-wide {@code replyBudget}.
     */
    public HandshakeHandler(
            OptionNegotiator negotiator,
            IoDispatcher dispatcher,
            SslContext tls,
            Duration timeout,
            PayloadBudget budget,
            PayloadBudget replyBudget) {
        this.budget = budget;
        this.replyBudget = replyBudget;
        this.negotiator = negotiator;
        this.dispatcher = dispatcher;
        this.tls = tls;
        this.timeout = timeout;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (timeout.isPositive()) {
            deadline = ctx.executor().schedule(() -> expire(ctx), timeout.toNanos(), TimeUnit.NANOSECONDS);
        }
        ByteBuf greeting = ctx.alloc().buffer(NbdWire.GREETING_LENGTH);
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
                    throw violation(in, "unknown client flags 0x" + Integer.toHexString(flags));
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
                    throw violation(in, "bad option magic 0x" + Long.toHexString(magic));
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

    /** Drops all further input; {@link #exceptionCaught} closes the connection. */
    private ProtocolViolation violation(ByteBuf in, String what) {
        state = State.CLOSED;
        in.skipBytes(in.readableBytes());
        return new ProtocolViolation(what);
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
            case START_TLS -> {
                ctx.flush();
                startTls(ctx);
            }
            case CONTINUE -> {
                state = State.OPTION_HEADER;
                ctx.flush();
                ctx.channel().config().setAutoRead(true);
                if (internalBuffer().isReadable()) {
                    try {
                        channelRead(ctx, Unpooled.EMPTY_BUFFER); // decode what arrived meanwhile
                    } catch (Exception e) {
                        exceptionCaught(ctx, e); // this handler ends the handshake's pipeline
                    }
                }
            }
        }
    }

    private void expire(ChannelHandlerContext ctx) {
        if (!ctx.isRemoved() && ctx.channel().isActive()) {
            LOG.log(
                    System.Logger.Level.INFO,
                    "{0} did not finish the NBD handshake within {1} s; closing",
                    PeerName.of(ctx.channel()),
                    timeout.toMillis() / 1000.0);
            state = State.CLOSED;
            ctx.close();
        }
    }

    @Override
    protected void handlerRemoved0(ChannelHandlerContext ctx) {
        if (deadline != null) {
            deadline.cancel(false);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (deadline != null) {
            deadline.cancel(false);
        }
        super.channelInactive(ctx);
    }

    /**
     * The ACK is already flushed in clear text; from here both directions pass through TLS. A
     * client must wait for the ACK before its TLS hello, so bytes already buffered are a violation.
     */
    private void startTls(ChannelHandlerContext ctx) {
        if (internalBuffer().isReadable()) {
            violation(internalBuffer(), "data sent before the STARTTLS reply").close(ctx);
            return;
        }
        if (tls == null) { // the negotiator acknowledged STARTTLS without a context: a wiring bug
            LOG.log(System.Logger.Level.ERROR, "STARTTLS acknowledged but no TLS context; closing");
            ctx.close();
            return;
        }
        SslHandler ssl = tls.newHandler(ctx.alloc());
        ssl.handshakeFuture().addListener(f -> {
            if (!f.isSuccess()) {
                // Spec: a failed TLS handshake after the ACK MUST end the session (SslHandler closes it).
                LOG.log(
                        System.Logger.Level.WARNING,
                        "TLS handshake with {0} failed: {1}",
                        PeerName.of(ctx.channel()),
                        PeerTlsFailure.reason(f.cause()));
            }
        });
        ctx.pipeline().addBefore(ctx.name(), TLS_NAME, ssl);
        state = State.OPTION_HEADER;
        ctx.channel().config().setAutoRead(true);
    }

    private void enterTransmission(ChannelHandlerContext ctx, TransmissionSession session) {
        ChannelPipeline pipeline = ctx.pipeline();
        pipeline.addAfter(ctx.name(), "nbd-requests", new RequestDecoder(budget, replyBudget));
        pipeline.addAfter("nbd-requests", "nbd-transmission", new TransmissionHandler(session, dispatcher));
        ctx.channel().config().setAutoRead(true);
        pipeline.remove(this); // hands any bytes buffered after the option to the request decoder
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof ProtocolViolation violation) {
            violation.close(ctx);
            return;
        }
        // A client whose TLS failed (or that sent something else after STARTTLS) gets one line, not a stack trace.
        PeerTlsFailure.log(LOG, PeerName.of(ctx.channel()), "handshake", cause);
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
