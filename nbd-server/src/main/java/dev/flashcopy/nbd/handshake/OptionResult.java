package dev.flashcopy.nbd.handshake;

import dev.flashcopy.nbd.transmission.TransmissionSession;
import io.netty.buffer.ByteBuf;

/**
 * The answer to one option: the bytes to send and what happens next. Owns {@code reply} and, for
 * {@link Next#TRANSMIT}, the session's lease, until the handler passes them on or {@link #release}s
 * them. Immutable.
 */
record OptionResult(ByteBuf reply, Next next, TransmissionSession session) {
    enum Next {
        /** Wait for the next option. */
        CONTINUE,
        /** Send the reply, then close the connection. */
        CLOSE,
        /** Send the reply, then enter the transmission phase with {@link #session}. */
        TRANSMIT,
        /** Send the reply in clear text, then run a TLS handshake and read the next option over TLS. */
        START_TLS
    }

    static OptionResult proceed(ByteBuf reply) {
        return new OptionResult(reply, Next.CONTINUE, null);
    }

    static OptionResult close(ByteBuf reply) {
        return new OptionResult(reply, Next.CLOSE, null);
    }

    static OptionResult startTls(ByteBuf reply) {
        return new OptionResult(reply, Next.START_TLS, null);
    }

    static OptionResult transmit(ByteBuf reply, TransmissionSession session) {
        return new OptionResult(reply, Next.TRANSMIT, session);
    }

    void release() {
        reply.release();
        if (session != null) {
            session.lease().close();
        }
    }
}
