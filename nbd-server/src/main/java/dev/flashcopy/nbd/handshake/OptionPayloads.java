package dev.flashcopy.nbd.handshake;

import io.netty.buffer.ByteBuf;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Parsers for the structured option payloads, strict about lengths: every count and length must
 * land exactly on the end of the data the option header announced. Stateless.
 */
final class OptionPayloads {
    /** The data of {@code NBD_OPT_INFO} and {@code NBD_OPT_GO}. */
    record ExportRequest(String name, List<Integer> infos) {}

    /** The data of {@code NBD_OPT_LIST_META_CONTEXT} and {@code NBD_OPT_SET_META_CONTEXT}. */
    record MetaContextRequest(String name, List<String> queries) {}

    private OptionPayloads() {}

    static ExportRequest exportRequest(ByteBuf data) throws MalformedOptionException {
        String name = string(data, "export name", 2);
        int count = data.readUnsignedShort();
        if (data.readableBytes() != 2L * count) {
            throw new MalformedOptionException(
                    count + " information requests need " + 2 * count + " bytes, " + data.readableBytes() + " remain");
        }
        List<Integer> infos = new ArrayList<>(count);
        for (int i = 0; i < count; i++) {
            infos.add(data.readUnsignedShort());
        }
        return new ExportRequest(name, infos);
    }

    static MetaContextRequest metaContextRequest(ByteBuf data) throws MalformedOptionException {
        String name = string(data, "export name", 4);
        long count = data.readUnsignedInt();
        if (count > data.readableBytes() / 4) {
            throw new MalformedOptionException(count + " queries cannot fit in " + data.readableBytes() + " bytes");
        }
        List<String> queries = new ArrayList<>((int) count);
        for (long i = 0; i < count; i++) {
            queries.add(string(data, "query", 0));
        }
        if (data.isReadable()) {
            throw new MalformedOptionException(data.readableBytes() + " bytes left after the last query");
        }
        return new MetaContextRequest(name, queries);
    }

    /** A 32-bit length and that many bytes of UTF-8, leaving at least {@code after} bytes. */
    private static String string(ByteBuf data, String what, int after) throws MalformedOptionException {
        if (data.readableBytes() < 4 + after) {
            throw new MalformedOptionException(what + " length missing");
        }
        long length = data.readUnsignedInt();
        if (length > data.readableBytes() - after) {
            throw new MalformedOptionException(what + " length " + length + " runs past the option data");
        }
        return data.readCharSequence((int) length, StandardCharsets.UTF_8).toString();
    }
}
