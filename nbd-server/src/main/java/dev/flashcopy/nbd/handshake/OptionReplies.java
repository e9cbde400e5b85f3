package dev.flashcopy.nbd.handshake;

import dev.flashcopy.nbd.protocol.InfoType;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.protocol.OptionReplyType;
import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;

/** Encoders for fixed-newstyle option replies, appended to one buffer per option. Stateless. */
final class OptionReplies {
    private OptionReplies() {}

    static void header(ByteBuf out, int option, OptionReplyType type, int length) {
        out.writeLong(NbdWire.OPTION_REPLY_MAGIC);
        out.writeInt(option);
        out.writeInt(type.code());
        out.writeInt(length);
    }

    static void ack(ByteBuf out, int option) {
        header(out, option, OptionReplyType.ACK, 0);
    }

    /** An error reply; the spec lets it carry a message for humans. */
    static void error(ByteBuf out, int option, OptionReplyType type, String message) {
        byte[] text = message.getBytes(StandardCharsets.UTF_8);
        header(out, option, type, text.length);
        out.writeBytes(text);
    }

    /** {@code NBD_REP_SERVER}: name length, name, then the description for humans. */
    static void server(ByteBuf out, int option, String name, String description) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        byte[] d = description == null ? new byte[0] : description.getBytes(StandardCharsets.UTF_8);
        header(out, option, OptionReplyType.SERVER, NbdWire.STRING_LENGTH_PREFIX + n.length + d.length);
        out.writeInt(n.length);
        out.writeBytes(n);
        out.writeBytes(d);
    }

    static void infoExport(ByteBuf out, int option, long size, int transmissionFlags) {
        header(out, option, OptionReplyType.INFO, NbdWire.INFO_EXPORT_LENGTH);
        out.writeShort(InfoType.EXPORT.code());
        out.writeLong(size);
        out.writeShort(transmissionFlags);
    }

    /** {@code NBD_INFO_NAME} or {@code NBD_INFO_DESCRIPTION}: a type and a string. */
    static void infoText(ByteBuf out, int option, InfoType type, String text) {
        byte[] bytes = text.getBytes(StandardCharsets.UTF_8);
        header(out, option, OptionReplyType.INFO, NbdWire.INFO_TYPE_LENGTH + bytes.length);
        out.writeShort(type.code());
        out.writeBytes(bytes);
    }

    static void infoBlockSize(ByteBuf out, int option) {
        header(out, option, OptionReplyType.INFO, NbdWire.INFO_BLOCK_SIZE_LENGTH);
        out.writeShort(InfoType.BLOCK_SIZE.code());
        out.writeInt(NbdWire.MIN_BLOCK_SIZE);
        out.writeInt(NbdWire.PREFERRED_BLOCK_SIZE);
        out.writeInt(NbdWire.MAX_PAYLOAD);
    }

    static void metaContext(ByteBuf out, int option, int id, String name) {
        byte[] n = name.getBytes(StandardCharsets.UTF_8);
        header(out, option, OptionReplyType.META_CONTEXT, NbdWire.STRING_LENGTH_PREFIX + n.length);
        out.writeInt(id);
        out.writeBytes(n);
    }
}
