package dev.flashcopy.nbd.client;

import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdError;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.protocol.ReplyType;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Frames the server's replies, simple and structured, and completes the {@link InFlight} request each one names. A
 * READ's data (a simple reply's payload, an {@code OFFSET_DATA} chunk) is copied into the request's buffer as it
 * arrives, so the cumulation never holds a whole large read; other chunks are small and decoded whole. A structured
 * reply ends with the chunk flagged DONE: the first error chunk decides its outcome, and a successful READ must have
 * had every byte covered by data or hole chunks. A reply that breaks the protocol (unknown magic or cookie, a chunk
 * outside its request, an unknown chunk type) cannot be framed past: every request fails with {@link ConnectionLost}
 * and the connection closes. Runs on the connection's event loop; one instance per connection.
 */
final class ReplyDecoder extends ByteToMessageDecoder {
    static final String NAME = "nbd-reply-decoder";

    /** Largest chunk payload other than data decoded whole: 2^20 block status descriptors, as the spec bounds them. */
    private static final int MAX_CHUNK_PAYLOAD =
            NbdWire.BLOCK_STATUS_PREFIX + NbdWire.BLOCK_DESCRIPTOR_LENGTH * (1 << 20);

    private enum State {
        HEADER,
        SIMPLE_DATA,
        DATA_OFFSET,
        DATA,
        CHUNK
    }

    private final InFlight inFlight;
    private final String server;
    private State state = State.HEADER;
    private ClientRequest current;
    private int chunkFlags;
    private int chunkType;
    /** Bytes of the current payload still to come. */
    private long remaining;
    /** Where in the current READ's buffer the next data byte goes. */
    private int at;

    ReplyDecoder(InFlight inFlight, String server) {
        this.inFlight = inFlight;
        this.server = server;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        try {
            while (!inFlight.isClosed() && step(in)) {
                // each step consumes one piece of a reply
            }
        } catch (ServerViolation e) {
            in.skipBytes(in.readableBytes());
            inFlight.failAll(new ConnectionLost("server " + server + " broke the NBD protocol: " + e.getMessage()));
            ctx.close();
        }
    }

    /** Decodes one piece; false when it needs more bytes. */
    private boolean step(ByteBuf in) {
        switch (state) {
            case HEADER:
                return header(in);
            case SIMPLE_DATA:
            case DATA: {
                int n = (int) Math.min(in.readableBytes(), remaining);
                if (n == 0) {
                    return false;
                }
                current.fill(in, at, n);
                at += n;
                remaining -= n;
                if (remaining > 0) {
                    return false;
                }
                if (state == State.SIMPLE_DATA) {
                    answered().finish();
                } else {
                    endChunk();
                }
                return true;
            }
            case DATA_OFFSET: {
                if (in.readableBytes() < NbdWire.OFFSET_DATA_PREFIX) {
                    return false;
                }
                long offset = in.readLong();
                remaining -= NbdWire.OFFSET_DATA_PREFIX;
                at = within(offset, remaining);
                current.covered += remaining;
                state = State.DATA;
                if (remaining == 0) {
                    endChunk();
                }
                return true;
            }
            case CHUNK: {
                if (in.readableBytes() < remaining) {
                    return false;
                }
                ByteBuf payload = in.readSlice((int) remaining);
                chunk(payload);
                endChunk();
                return true;
            }
            default:
                throw new IllegalStateException(state.name());
        }
    }

    private boolean header(ByteBuf in) {
        if (in.readableBytes() < 4) {
            return false;
        }
        int magic = in.getInt(in.readerIndex());
        if (magic == NbdWire.SIMPLE_REPLY_MAGIC) {
            if (in.readableBytes() < NbdWire.SIMPLE_REPLY_HEADER_LENGTH) {
                return false;
            }
            in.skipBytes(4);
            int errno = in.readInt();
            current = waiting(in.readLong());
            if (errno != 0) {
                current.error(errno, null);
                answered().finish();
            } else if (current.command == NbdCommand.READ && current.length > 0) {
                remaining = current.length;
                at = 0;
                state = State.SIMPLE_DATA;
            } else {
                answered().finish();
            }
            return true;
        }
        if (magic != NbdWire.STRUCTURED_REPLY_MAGIC) {
            throw new ServerViolation("reply magic 0x" + Integer.toHexString(magic));
        }
        if (in.readableBytes() < NbdWire.CHUNK_HEADER_LENGTH) {
            return false;
        }
        in.skipBytes(4);
        chunkFlags = in.readUnsignedShort();
        chunkType = in.readUnsignedShort();
        current = waiting(in.readLong());
        remaining = in.readUnsignedInt();
        if (chunkType == ReplyType.OFFSET_DATA.code()) {
            if (current.command != NbdCommand.READ || remaining < NbdWire.OFFSET_DATA_PREFIX) {
                throw new ServerViolation("data chunk of " + remaining + " bytes for " + current);
            }
            state = State.DATA_OFFSET;
        } else {
            if (remaining > MAX_CHUNK_PAYLOAD) {
                throw new ServerViolation("chunk of " + remaining + " bytes for " + current);
            }
            state = State.CHUNK;
        }
        return true;
    }

    private ClientRequest waiting(long cookie) {
        ClientRequest r = inFlight.get(cookie);
        if (r == null) {
            throw new ServerViolation("reply for cookie " + cookie + ", which no request in flight has");
        }
        return r;
    }

    /** The current request, out of the table: its reply is complete. */
    private ClientRequest answered() {
        ClientRequest r = current;
        inFlight.remove(r.cookie);
        current = null;
        state = State.HEADER;
        return r;
    }

    /** The index in the current READ of {@code length} bytes at {@code offset}; a violation outside it. */
    private int within(long offset, long length) {
        long from = offset - current.offset;
        if (from < 0 || length > current.length - from) {
            throw new ServerViolation(
                    "chunk at " + offset + "+" + length + " outside " + current + " (the spec forbids it)");
        }
        return (int) from;
    }

    private void chunk(ByteBuf p) {
        int type = chunkType;
        if ((type & 0x8000) != 0) { // an error chunk, known type or not (spec: treat unknown ones as errors)
            int errno = p.readInt();
            int messageLength = p.readUnsignedShort();
            if (messageLength > p.readableBytes()) {
                throw new ServerViolation("error message of " + messageLength + " bytes in a shorter chunk");
            }
            String message =
                    p.readCharSequence(messageLength, StandardCharsets.UTF_8).toString();
            current.error(errno == 0 ? NbdError.EIO.code() : errno, message);
        } else if (type == ReplyType.OFFSET_HOLE.code()) {
            if (current.command != NbdCommand.READ || p.readableBytes() != NbdWire.OFFSET_HOLE_LENGTH) {
                throw new ServerViolation("hole chunk of " + p.readableBytes() + " bytes for " + current);
            }
            long offset = p.readLong();
            long length = p.readUnsignedInt();
            int from = within(offset, length);
            current.zero(from, (int) length);
            current.covered += length;
        } else if (type == ReplyType.BLOCK_STATUS.code()) {
            if (current.command != NbdCommand.BLOCK_STATUS || p.readableBytes() < NbdWire.BLOCK_STATUS_PREFIX) {
                throw new ServerViolation("block status chunk for " + current);
            }
            long context = p.readUnsignedInt();
            if (context == current.statusContext) {
                while (p.readableBytes() >= NbdWire.BLOCK_DESCRIPTOR_LENGTH) {
                    current.extents.add(new StatusExtent(p.readUnsignedInt(), p.readInt()));
                }
            }
        } else if (type != ReplyType.NONE.code()) {
            throw new ServerViolation("chunk type " + type + ", which the spec does not define");
        }
    }

    private void endChunk() {
        state = State.HEADER;
        if ((chunkFlags & NbdWire.REPLY_FLAG_DONE) == 0) {
            return;
        }
        ClientRequest r = current;
        if (r.command == NbdCommand.READ && r.covered != r.length && !r.failedOnServer()) {
            throw new ServerViolation("reply to " + r + " covered " + r.covered + " bytes");
        }
        answered().finish();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        inFlight.failAll(new ConnectionLost("connection to " + server + " closed"));
        super.channelInactive(ctx);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        inFlight.failAll(new ConnectionLost("connection to " + server + " failed: " + cause.getMessage(), cause));
        ctx.close();
    }

    /** The server broke the protocol; decoding cannot go on. */
    private static final class ServerViolation extends RuntimeException {
        ServerViolation(String message) {
            super(message, null, false, false);
        }
    }
}
