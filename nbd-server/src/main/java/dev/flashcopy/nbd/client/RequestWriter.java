package dev.flashcopy.nbd.client;

import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdWire;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.CompositeByteBuf;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.ChannelPromise;

/**
 * Turns a {@link ClientRequest} into its 28-byte header (and a WRITE's payload behind it, as one gathered message),
 * registering it in the {@link InFlight} table first, so a reply can never arrive for a request the decoder does
 * not know. A write the transport fails (the channel is gone) fails its request and closes the connection. Runs on
 * the connection's event loop; one instance per connection.
 */
final class RequestWriter extends ChannelOutboundHandlerAdapter {
    static final String NAME = "nbd-request-writer";

    private final InFlight inFlight;
    private final String server;

    RequestWriter(InFlight inFlight, String server) {
        this.inFlight = inFlight;
        this.server = server;
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (!(msg instanceof ClientRequest r)) {
            ctx.write(msg, promise);
            return;
        }
        ChannelPromise sent = promise.unvoid();
        inFlight.add(r);
        if (r.done.isDone()) {
            sent.setFailure(new ConnectionLost("connection to " + server + " is closed"));
            return;
        }
        ByteBuf header = ctx.alloc().ioBuffer(NbdWire.REQUEST_HEADER_LENGTH);
        header.writeInt(NbdWire.REQUEST_MAGIC);
        header.writeShort(r.flags);
        header.writeShort(r.command.code());
        header.writeLong(r.cookie);
        header.writeLong(r.offset);
        header.writeInt((int) r.length);
        ByteBuf out = header;
        if (r.payload != null) {
            CompositeByteBuf both = ctx.alloc().compositeDirectBuffer(2);
            both.addComponents(true, header, r.payload);
            r.payload = null; // the transport owns it now
            r.sending();
            out = both;
        }
        if (r.command == NbdCommand.DISC) {
            inFlight.remove(r.cookie); // no reply comes: done once written
            sent.addListener(f -> r.done.complete(null));
        }
        ctx.write(out, sent).addListener((ChannelFutureListener) f -> {
            if (f.isSuccess()) {
                r.sent();
            } else {
                inFlight.remove(r.cookie);
                r.fail(new ConnectionLost("cannot send " + r + " to " + server, f.cause()));
                f.channel().close();
            }
        });
    }
}
