package dev.flashcopy.nbd.transmission;

import dev.flashcopy.nbd.protocol.NbdError;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.protocol.ReplyType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/** Encoders for simple replies and structured reply chunks. Stateless. */
final class Replies {
    private Replies() {}

    static void simpleHeader(ByteBuf out, long cookie, int error) {
        out.writeInt(NbdWire.SIMPLE_REPLY_MAGIC);
        out.writeInt(error);
        out.writeLong(cookie);
    }

    static void chunkHeader(ByteBuf out, boolean done, ReplyType type, long cookie, int payloadLength) {
        out.writeInt(NbdWire.STRUCTURED_REPLY_MAGIC);
        out.writeShort(done ? NbdWire.REPLY_FLAG_DONE : 0);
        out.writeShort(type.code());
        out.writeLong(cookie);
        out.writeInt(payloadLength);
    }

    /** A payload-free success: a simple reply, which the spec allows for all but READ. */
    static ByteBuf success(ByteBufAllocator alloc, long cookie) {
        ByteBuf out = alloc.directBuffer(NbdWire.SIMPLE_REPLY_HEADER_LENGTH);
        simpleHeader(out, cookie, 0);
        return out;
    }

    /** The final {@code NONE} chunk of a structured reply that has no content. */
    static ByteBuf none(ByteBufAllocator alloc, long cookie) {
        ByteBuf out = alloc.directBuffer(NbdWire.CHUNK_HEADER_LENGTH);
        chunkHeader(out, true, ReplyType.NONE, cookie, 0);
        return out;
    }

    /**
     * An error reply: a structured {@code ERROR} chunk carrying {@code message} when structured
     * replies are on (the spec prefers them, and requires them for READ), else a simple reply.
     */
    static ByteBuf error(ByteBufAllocator alloc, boolean structured, long cookie, NbdError error, String message) {
        if (!structured) {
            ByteBuf out = alloc.directBuffer(NbdWire.SIMPLE_REPLY_HEADER_LENGTH);
            simpleHeader(out, cookie, error.code());
            return out;
        }
        byte[] text = truncatedUtf8(message, NbdWire.MAX_ERROR_MESSAGE_LENGTH);
        ByteBuf out = alloc.directBuffer(NbdWire.CHUNK_HEADER_LENGTH + NbdWire.ERROR_PREFIX + text.length);
        chunkHeader(out, true, ReplyType.ERROR, cookie, NbdWire.ERROR_PREFIX + text.length);
        out.writeInt(error.code());
        out.writeShort(text.length);
        out.writeBytes(text);
        return out;
    }

    /** UTF-8 bytes of {@code text}, cut at a character boundary to at most {@code max} bytes. */
    static byte[] truncatedUtf8(String text, int max) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        if (bytes.length <= max) {
            return bytes;
        }
        int end = max;
        while (end > 0 && (bytes[end] & 0xC0) == 0x80) {
            end--; // never split a multi-byte character: the client may show the message
        }
        return Arrays.copyOf(bytes, end);
    }
}
