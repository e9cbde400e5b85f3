package dev.flashcopy.nbd.client;

import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.protocol.HandshakeFlag;
import dev.flashcopy.nbd.protocol.InfoType;
import dev.flashcopy.nbd.protocol.NbdOption;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.protocol.OptionReplyType;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.ssl.SslHandler;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The client side of the fixed-newstyle handshake, as a small state machine: greeting, client flags, then one option
 * at a time ({@code STARTTLS} when TLS is asked for, {@code STRUCTURED_REPLY}, {@code SET_META_CONTEXT
 * base:allocation}, {@code GO} with {@code NBD_INFO_BLOCK_SIZE}; {@code EXPORT_NAME} for a server without
 * {@code GO}). Options the server refuses that the client can do without (structured replies, the context) are
 * dropped; a refused STARTTLS or GO fails the handshake with the server's message. On success the handler puts the
 * transmission handlers in the pipeline, removes itself and completes {@link #opened()}. Runs on the connection's
 * event loop; one instance per connection.
 */
final class ClientHandshake extends ByteToMessageDecoder {
    static final String NAME = "nbd-client-handshake";
    /** An option reply longer than this is not one this client asked for. */
    private static final int MAX_OPTION_REPLY = NbdWire.MAX_OPTION_LENGTH;

    private enum State {
        GREETING,
        OPTION_REPLY,
        EXPORT_NAME_REPLY,
        TLS,
        DONE
    }

    /** What the handshake is for: opening the export, or only listing contexts of it (then it aborts). */
    enum Purpose {
        OPEN,
        LIST_CONTEXTS
    }

    private final RemoteExport export;
    private final Purpose purpose;
    /** Contexts to select (OPEN: {@code base:allocation} first), or the queries to list (LIST_CONTEXTS). */
    private final List<String> contextQueries;

    private final CompletableFuture<ExportDetails> opened = new CompletableFuture<>();
    private final CompletableFuture<List<String>> listed = new CompletableFuture<>();
    private final Map<String, Long> contexts = new HashMap<>();
    private final List<String> names = new ArrayList<>();
    private State state = State.GREETING;
    private int awaited;
    private boolean noZeroes;
    private boolean structured;
    private long size = -1;
    private int transmissionFlags;
    private int minimumBlock = 1;
    private int preferredBlock = NbdWire.PREFERRED_BLOCK_SIZE;
    private int maximumPayload = ExportDetails.DEFAULT_MAXIMUM_PAYLOAD;

    ClientHandshake(RemoteExport export, Purpose purpose, List<String> contextQueries) {
        this.export = export;
        this.purpose = purpose;
        this.contextQueries = List.copyOf(contextQueries);
        // One outcome fails the other: whichever the caller waits for learns why the handshake ended.
        opened.whenComplete((d, failure) -> {
            if (failure != null) {
                listed.completeExceptionally(failure);
            }
        });
    }

    CompletableFuture<ExportDetails> opened() {
        return opened;
    }

    CompletableFuture<List<String>> listed() {
        return listed;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        try {
            while (!opened.isDone() && !listed.isDone() && step(ctx, in)) {
                // one message at a time
            }
        } catch (HandshakeRefused e) {
            in.skipBytes(in.readableBytes());
            opened.completeExceptionally(e);
            ctx.close();
        }
    }

    private boolean step(ChannelHandlerContext ctx, ByteBuf in) throws HandshakeRefused {
        return switch (state) {
            case GREETING -> greeting(ctx, in);
            case OPTION_REPLY -> optionReply(ctx, in);
            case EXPORT_NAME_REPLY -> exportNameReply(ctx, in);
            case TLS, DONE -> false;
        };
    }

    private boolean greeting(ChannelHandlerContext ctx, ByteBuf in) throws HandshakeRefused {
        if (in.readableBytes() < NbdWire.GREETING_LENGTH) {
            return false;
        }
        long magic = in.readLong();
        long second = in.readLong();
        int flags = in.readUnsignedShort();
        if (magic != NbdWire.NBD_MAGIC) {
            throw refused("it is not an NBD server (greeting 0x" + Long.toHexString(magic) + ")");
        }
        if (second != NbdWire.OPTION_MAGIC || !HandshakeFlag.FIXED_NEWSTYLE.isSet(flags)) {
            throw refused("it speaks only the old NBD handshake; this client needs fixed newstyle");
        }
        noZeroes = HandshakeFlag.NO_ZEROES.isSet(flags);
        ByteBuf reply = ctx.alloc().buffer(NbdWire.CLIENT_FLAGS_LENGTH);
        reply.writeInt(HandshakeFlag.FIXED_NEWSTYLE.bit() | (noZeroes ? HandshakeFlag.NO_ZEROES.bit() : 0));
        ctx.write(reply);
        if (export.tls() != null) {
            option(ctx, NbdOption.STARTTLS, null);
        } else {
            option(ctx, NbdOption.STRUCTURED_REPLY, null);
        }
        return true;
    }

    private boolean optionReply(ChannelHandlerContext ctx, ByteBuf in) throws HandshakeRefused {
        if (in.readableBytes() < NbdWire.OPTION_REPLY_HEADER_LENGTH) {
            return false;
        }
        int start = in.readerIndex();
        long magic = in.getLong(start);
        int option = in.getInt(start + 8);
        int type = in.getInt(start + 12);
        long length = in.getUnsignedInt(start + 16);
        if (magic != NbdWire.OPTION_REPLY_MAGIC || option != awaited || length > MAX_OPTION_REPLY) {
            throw refused("it sent a malformed option reply (magic 0x" + Long.toHexString(magic) + ", option " + option
                    + ", " + length + " bytes)");
        }
        if (in.readableBytes() < NbdWire.OPTION_REPLY_HEADER_LENGTH + length) {
            return false;
        }
        in.skipBytes(NbdWire.OPTION_REPLY_HEADER_LENGTH);
        ByteBuf data = in.readSlice((int) length);
        NbdOption asked = NbdOption.of(option);
        if (type < 0) {
            rejected(ctx, asked, type, data.toString(StandardCharsets.UTF_8));
            return true;
        }
        if (type == OptionReplyType.ACK.code()) {
            acked(ctx, asked);
        } else if (type == OptionReplyType.INFO.code() && asked == NbdOption.GO) {
            info(data);
        } else if (type == OptionReplyType.META_CONTEXT.code()
                && (asked == NbdOption.SET_META_CONTEXT || asked == NbdOption.LIST_META_CONTEXT)) {
            long id = data.readUnsignedInt();
            String name = data.toString(StandardCharsets.UTF_8);
            contexts.put(name, id);
            names.add(name);
        } // other replies (an info item we did not ask for) carry nothing we need
        return true;
    }

    private void acked(ChannelHandlerContext ctx, NbdOption option) throws HandshakeRefused {
        switch (option) {
            case STARTTLS -> startTls(ctx);
            case STRUCTURED_REPLY -> {
                structured = true;
                ByteBuf query = ctx.alloc().buffer();
                writeString(query, export.exportName());
                query.writeInt(contextQueries.size());
                for (String q : contextQueries) {
                    writeString(query, q);
                }
                option(ctx, purpose == Purpose.OPEN ? NbdOption.SET_META_CONTEXT : NbdOption.LIST_META_CONTEXT, query);
            }
            case SET_META_CONTEXT -> go(ctx);
            case LIST_META_CONTEXT -> {
                listed.complete(List.copyOf(names));
                option(ctx, NbdOption.ABORT, null); // spec: a client that is done ends with ABORT
                ctx.close();
            }
            case GO -> {
                if (size < 0) {
                    throw refused("it opened the export without saying its size (no NBD_INFO_EXPORT)");
                }
                transmit(ctx);
            }
            default -> throw refused("it acknowledged " + option + ", which was not asked");
        }
    }

    private void rejected(ChannelHandlerContext ctx, NbdOption option, int type, String message)
            throws HandshakeRefused {
        String why = describe(type) + (message.isEmpty() ? "" : ": " + message);
        switch (option) {
            case STARTTLS -> throw refused("it would not start TLS (" + why + ")");
            case STRUCTURED_REPLY, SET_META_CONTEXT -> {
                if (purpose == Purpose.LIST_CONTEXTS) {
                    listed.complete(List.of()); // no structured replies, or no contexts: nothing to list
                    ctx.close();
                } else {
                    go(ctx); // without them reads come back whole, and every range counts as data
                }
            }
            case LIST_META_CONTEXT -> {
                listed.complete(List.of());
                ctx.close();
            }
            case GO -> {
                if (type == OptionReplyType.ERR_UNSUP.code()) {
                    ByteBuf name = ctx.alloc().buffer();
                    name.writeCharSequence(export.exportName(), StandardCharsets.UTF_8);
                    option(ctx, NbdOption.EXPORT_NAME, name);
                    state = State.EXPORT_NAME_REPLY;
                } else {
                    throw refused(why);
                }
            }
            default -> throw refused("it refused " + option + " (" + why + ")");
        }
    }

    private static String describe(int type) {
        try {
            return "NBD_REP_" + OptionReplyType.of(type).name();
        } catch (IllegalArgumentException e) {
            return "error reply " + Integer.toUnsignedString(type);
        }
    }

    private void info(ByteBuf data) throws HandshakeRefused {
        if (data.readableBytes() < NbdWire.INFO_TYPE_LENGTH) {
            throw refused("it sent an empty NBD_REP_INFO");
        }
        int type = data.readUnsignedShort();
        if (type == InfoType.EXPORT.code() && data.readableBytes() >= NbdWire.INFO_EXPORT_LENGTH - 2) {
            size = data.readLong();
            transmissionFlags = data.readUnsignedShort();
        } else if (type == InfoType.BLOCK_SIZE.code() && data.readableBytes() >= NbdWire.INFO_BLOCK_SIZE_LENGTH - 2) {
            minimumBlock = Math.max(1, data.readInt());
            preferredBlock = data.readInt();
            long max = data.readUnsignedInt();
            maximumPayload = (int) Math.min(max, NbdWire.MAX_PAYLOAD);
        }
    }

    /** The old {@code EXPORT_NAME} reply: size, flags, and 124 zeroes unless both sides agreed to drop them. */
    private boolean exportNameReply(ChannelHandlerContext ctx, ByteBuf in) {
        int length = 8 + 2 + (noZeroes ? 0 : NbdWire.EXPORT_NAME_ZEROES);
        if (in.readableBytes() < length) {
            return false;
        }
        size = in.readLong();
        transmissionFlags = in.readUnsignedShort();
        in.skipBytes(length - 10);
        transmit(ctx);
        return true;
    }

    private void go(ChannelHandlerContext ctx) {
        ByteBuf request = ctx.alloc().buffer();
        writeString(request, export.exportName());
        request.writeShort(1);
        request.writeShort(InfoType.BLOCK_SIZE.code());
        option(ctx, NbdOption.GO, request);
    }

    /**
     * Spec, STARTTLS: after the ACK everything is TLS, and what was agreed before it does not count (nothing was,
     * here). The options go on once the TLS handshake is done.
     */
    private void startTls(ChannelHandlerContext ctx) {
        state = State.TLS;
        SslHandler tls = export.endpoint() instanceof Endpoint.Tcp tcp
                ? export.tls().newHandler(ctx.alloc(), tcp.host(), tcp.port())
                : export.tls().newHandler(ctx.alloc());
        ctx.pipeline().addFirst("tls", tls);
        tls.handshakeFuture().addListener(f -> {
            if (f.isSuccess()) {
                state = State.OPTION_REPLY;
                option(ctx, NbdOption.STRUCTURED_REPLY, null);
            } else {
                opened.completeExceptionally(refused("TLS failed: " + f.cause().getMessage()));
                ctx.close();
            }
        });
    }

    private void transmit(ChannelHandlerContext ctx) {
        state = State.DONE;
        ExportDetails details = new ExportDetails(
                size,
                transmissionFlags,
                minimumBlock,
                preferredBlock,
                maximumPayload,
                structured,
                structured ? contexts : Map.of());
        InFlight inFlight = new InFlight();
        String server = export.endpoint().toString();
        ctx.pipeline()
                .addLast("flush-consolidation", new FlushConsolidationHandler(256, true))
                .addLast(ReplyWatchdog.NAME, new ReplyWatchdog(inFlight, export.replyTimeout(), server))
                .addLast(ReplyDecoder.NAME, new ReplyDecoder(inFlight, server))
                .addLast(RequestWriter.NAME, new RequestWriter(inFlight, server));
        ctx.pipeline().remove(this);
        opened.complete(details);
    }

    private void option(ChannelHandlerContext ctx, NbdOption option, ByteBuf data) {
        awaited = option.code();
        state = State.OPTION_REPLY;
        ByteBuf header = ctx.alloc().buffer(NbdWire.OPTION_HEADER_LENGTH);
        header.writeLong(NbdWire.OPTION_MAGIC);
        header.writeInt(option.code());
        header.writeInt(data == null ? 0 : data.readableBytes());
        ctx.write(header);
        if (data != null) {
            ctx.write(data);
        }
        ctx.flush();
    }

    private static void writeString(ByteBuf out, String s) {
        byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
        out.writeInt(bytes.length);
        out.writeBytes(bytes);
    }

    private HandshakeRefused refused(String why) {
        return new HandshakeRefused(
                "server " + export.endpoint() + " refused export '" + export.exportName() + "': " + why);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (listed.isDone()) {
            super.channelInactive(ctx);
            return;
        }
        opened.completeExceptionally(refused("it closed the connection during the handshake"));
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        opened.completeExceptionally(refused("the handshake failed: " + cause.getMessage()));
        ctx.close();
    }
}
