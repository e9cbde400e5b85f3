package dev.flashcopy.nbd.protocol;

import dev.flashcopy.nbd.listen.PeerName;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.DecoderException;

/**
 * A client broke the protocol in a way that loses the stream's framing (bad magic, unknown client flags, a
 * payload too large to read): the spec's answer is to disconnect. A decoder stops reading and throws this; the
 * handler that ends the pipeline catches it in {@code exceptionCaught} and calls {@link #close}, as Netty's own
 * codecs report a corrupted frame. Extends {@link DecoderException} so {@code ByteToMessageDecoder} passes it on
 * as it is. Immutable; no stack trace (it is the client's mistake, not ours).
 */
public final class ProtocolViolation extends DecoderException {
    private static final System.Logger LOG = System.getLogger(ProtocolViolation.class.getName());

    public ProtocolViolation(String message) {
        super(message);
    }

    @Override
    public synchronized Throwable fillInStackTrace() {
        return this; // thrown over a client's mistake, where a trace would only cost
    }

    /**
     * Logs one line and closes the connection once the replies already written are flushed: a plain close would
     * fail them, and the client would never see answers to the requests before the violation.
     */
    public void close(ChannelHandlerContext ctx) {
        LOG.log(System.Logger.Level.WARNING, "{0}: {1}; closing", PeerName.of(ctx.channel()), getMessage());
        ctx.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
}
