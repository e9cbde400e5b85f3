package dev.flashcopy.nbd.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.protocol.ReplyType;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import org.junit.jupiter.api.Test;

/**
 * Replies as bytes, fed to the decoder whole and one byte at a time: a structured read reassembles from data and hole
 * chunks in any order, a simple read streams into the buffer, error chunks keep their errno and message, and a reply
 * that breaks the protocol fails every request and closes the connection.
 */
class ReplyDecoderTest {
    private static final int READ_LENGTH = 10_000;

    private InFlight inFlight;

    /** A fresh connection: its own table of requests in flight. */
    private EmbeddedChannel channel() {
        inFlight = new InFlight();
        return new EmbeddedChannel(new ReplyDecoder(inFlight, "test"));
    }

    private ClientRequest submitRead(long offset, ByteBuffer dst) {
        ClientRequest r = ClientRequest.read(0, offset, dst);
        inFlight.add(r);
        return r;
    }

    private static void chunkHeader(ByteBuf out, boolean done, int type, long cookie, int length) {
        out.writeInt(NbdWire.STRUCTURED_REPLY_MAGIC);
        out.writeShort(done ? NbdWire.REPLY_FLAG_DONE : 0);
        out.writeShort(type);
        out.writeLong(cookie);
        out.writeInt(length);
    }

    /** A structured reply to a read at 4096: the tail as data first, then a hole, then the head as data. */
    private static ByteBuf structuredRead(long cookie, byte[] data) {
        ByteBuf out = Unpooled.buffer();
        int tail = 6000;
        chunkHeader(out, false, ReplyType.OFFSET_DATA.code(), cookie, 8 + (READ_LENGTH - tail));
        out.writeLong(4096 + tail);
        out.writeBytes(data, tail, READ_LENGTH - tail);
        chunkHeader(out, false, ReplyType.OFFSET_HOLE.code(), cookie, NbdWire.OFFSET_HOLE_LENGTH);
        out.writeLong(4096 + 1000);
        out.writeInt(tail - 1000);
        chunkHeader(out, true, ReplyType.OFFSET_DATA.code(), cookie, 8 + 1000);
        out.writeLong(4096);
        out.writeBytes(data, 0, 1000);
        return out;
    }

    private static byte[] expected(byte[] data) {
        byte[] e = data.clone();
        Arrays.fill(e, 1000, 6000, (byte) 0);
        return e;
    }

    private static void feed(EmbeddedChannel ch, ByteBuf bytes, boolean byteByByte) {
        if (!byteByByte) {
            ch.writeInbound(bytes);
            return;
        }
        while (bytes.isReadable()) {
            ch.writeInbound(bytes.readRetainedSlice(1));
        }
        bytes.release();
    }

    @Test
    void structuredReadReassemblesWholeAndByteByByte() throws Exception {
        for (boolean byteByByte : List.of(false, true)) {
            byte[] data = new byte[READ_LENGTH];
            new Random(31).nextBytes(data);
            EmbeddedChannel ch = channel();
            ByteBuffer dst = ByteBuffer.allocate(READ_LENGTH);
            Arrays.fill(dst.array(), (byte) 0x5a); // the hole must be zeroed, not left as it was
            ClientRequest r = submitRead(4096, dst);
            feed(ch, structuredRead(r.cookie, data), byteByByte);
            r.done.get();
            assertArrayEquals(expected(data), dst.array());
            assertEquals(0, inFlight.size());
            assertFalse(ch.finish(), "the decoder produced or kept something");
        }
    }

    @Test
    void simpleReadStreamsIntoTheBuffer() throws Exception {
        byte[] data = new byte[READ_LENGTH];
        new Random(32).nextBytes(data);
        EmbeddedChannel ch = channel();
        ByteBuffer dst = ByteBuffer.allocate(READ_LENGTH);
        ClientRequest r = submitRead(0, dst);
        ClientRequest flush = ClientRequest.plain(NbdCommand.FLUSH, 0, 0, 0);
        inFlight.add(flush);
        ByteBuf out = Unpooled.buffer();
        out.writeInt(NbdWire.SIMPLE_REPLY_MAGIC).writeInt(0).writeLong(r.cookie).writeBytes(data);
        out.writeInt(NbdWire.SIMPLE_REPLY_MAGIC).writeInt(0).writeLong(flush.cookie);
        feed(ch, out, true);
        r.done.get();
        flush.done.get();
        assertArrayEquals(data, dst.array());
        assertFalse(ch.finish());
    }

    @Test
    void errorChunksKeepTheirErrnoAndMessage() {
        EmbeddedChannel ch = channel();
        ClientRequest r = submitRead(0, ByteBuffer.allocate(512));
        byte[] message = "disk on fire".getBytes(StandardCharsets.UTF_8);
        ByteBuf out = Unpooled.buffer();
        chunkHeader(out, true, ReplyType.ERROR_OFFSET.code(), r.cookie, 4 + 2 + message.length + 8);
        out.writeInt(5).writeShort(message.length).writeBytes(message).writeLong(0);
        feed(ch, out, true);
        ExecutionException e = assertThrows(ExecutionException.class, r.done::get);
        ErrorReply reply = assertInstanceOf(ErrorReply.class, e.getCause());
        assertEquals(5, reply.errno());
        assertTrue(reply.getMessage().contains("disk on fire"), reply.getMessage());
        assertTrue(ch.isOpen(), "an error reply closed the connection");
        assertFalse(ch.finish());
    }

    @Test
    void aChunkOutsideItsRequestFailsEverythingAndCloses() {
        EmbeddedChannel ch = channel();
        ClientRequest r = submitRead(4096, ByteBuffer.allocate(512));
        ClientRequest other = ClientRequest.plain(NbdCommand.FLUSH, 0, 0, 0);
        inFlight.add(other);
        ByteBuf out = Unpooled.buffer();
        chunkHeader(out, true, ReplyType.OFFSET_DATA.code(), r.cookie, 8 + 512);
        out.writeLong(4096 + 1).writeZero(512); // one byte past the end of the read
        feed(ch, out, false);
        for (ClientRequest failed : List.of(r, other)) {
            ExecutionException e = assertThrows(ExecutionException.class, failed.done::get);
            assertInstanceOf(ConnectionLost.class, e.getCause());
        }
        assertFalse(ch.isOpen());
    }

    @Test
    void aReplyForAnUnknownCookieClosesTheConnection() {
        EmbeddedChannel ch = channel();
        ClientRequest r = submitRead(0, ByteBuffer.allocate(512));
        ByteBuf out = Unpooled.buffer();
        out.writeInt(NbdWire.SIMPLE_REPLY_MAGIC).writeInt(0).writeLong(r.cookie + 100);
        feed(ch, out, false);
        assertTrue(r.done.isCompletedExceptionally());
        assertFalse(ch.isOpen());
    }
}
