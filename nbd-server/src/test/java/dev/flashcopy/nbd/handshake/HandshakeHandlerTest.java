package dev.flashcopy.nbd.handshake;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.ExtentSink;
import dev.flashcopy.engine.device.ZeroMode;
import dev.flashcopy.nbd.testing.InlineDispatcher;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.RawNbdClient;
import dev.flashcopy.nbd.transmission.RequestDecoder;
import dev.flashcopy.nbd.transmission.TransmissionHandler;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The option phase through an {@link EmbeddedChannel}, byte-exact where the spec fixes the bytes. */
class HandshakeHandlerTest {
    private static final int ACK = 1;
    private static final int SERVER = 2;
    private static final int INFO = 3;
    private static final int META_CONTEXT = 4;
    private static final int ERR_UNSUP = 0x80000001;
    private static final int ERR_INVALID = 0x80000003;
    private static final int ERR_UNKNOWN = 0x80000006;
    private static final int ERR_TOO_BIG = 0x80000009;
    private static final int TRANSMISSION_FLAGS =
            0x0ded; // HAS_FLAGS, FLUSH, FUA, TRIM, ZEROES, DF, MULTI_CONN, CACHE, FAST_ZERO

    private final LeaseCountingDevices devices = new LeaseCountingDevices(new SizedDevice("disk", 1 << 20));
    private final EmbeddedChannel channel =
            new EmbeddedChannel(new HandshakeHandler(new OptionNegotiator(devices), InlineDispatcher.INSTANCE));

    @AfterEach
    void finish() {
        channel.finishAndReleaseAll();
    }

    /** Feeds bytes whole, or one at a time, running the answers' tasks. */
    private void feed(byte[] bytes, boolean oneByteAtATime) {
        if (oneByteAtATime) {
            for (byte b : bytes) {
                channel.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
                channel.runPendingTasks();
            }
        } else {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes));
            channel.runPendingTasks();
        }
    }

    private byte[] sent() {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteBuf buf;
        while ((buf = channel.readOutbound()) != null) {
            bytes.writeBytes(ByteBufUtil.getBytes(buf));
            buf.release();
        }
        return bytes.toByteArray();
    }

    private static byte[] option(int option, byte[] data) {
        return ByteBuffer.allocate(16 + data.length)
                .putLong(RawNbdClient.OPTION_MAGIC)
                .putInt(option)
                .putInt(data.length)
                .put(data)
                .array();
    }

    private static byte[] clientFlags(int flags) {
        return ByteBuffer.allocate(4).putInt(flags).array();
    }

    private static byte[] reply(int option, int type, byte[] data) {
        return ByteBuffer.allocate(20 + data.length)
                .putLong(RawNbdClient.OPTION_REPLY_MAGIC)
                .putInt(option)
                .putInt(type)
                .putInt(data.length)
                .put(data)
                .array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private void greeted(int flags) {
        byte[] greeting = sent();
        assertArrayEquals(
                ByteBuffer.allocate(18)
                        .putLong(RawNbdClient.NBD_MAGIC)
                        .putLong(RawNbdClient.OPTION_MAGIC)
                        .putShort((short) 3)
                        .array(),
                greeting);
        feed(clientFlags(flags), false);
    }

    private static int replyType(byte[] reply) {
        return ByteBuffer.wrap(reply).getInt(12);
    }

    @Test
    void greetingOffersFixedNewstyleAndNoZeroes() {
        greeted(3);
        assertTrue(channel.isActive());
    }

    @Test
    void unknownClientFlagsCloseTheConnection() {
        greeted(1 << 5);
        assertFalse(channel.isActive());
    }

    @Test
    void badOptionMagicClosesTheConnection() {
        greeted(3);
        feed(ByteBuffer.allocate(16).putLong(0x1234).putInt(3).putInt(0).array(), false);
        assertFalse(channel.isActive());
    }

    @Test
    void listRepliesOneServerPerExportThenAck() {
        greeted(3);
        feed(option(3, new byte[0]), false);
        byte[] name = "disk".getBytes(StandardCharsets.UTF_8);
        byte[] description = "device disk".getBytes(StandardCharsets.UTF_8);
        byte[] server = ByteBuffer.allocate(4 + name.length + description.length)
                .putInt(name.length)
                .put(name)
                .put(description)
                .array();
        assertArrayEquals(concat(reply(3, SERVER, server), reply(3, ACK, new byte[0])), sent());
    }

    @Test
    void listWithDataIsInvalid() {
        greeted(3);
        feed(option(3, new byte[] {1}), false);
        assertEquals(ERR_INVALID, replyType(sent()));
        assertTrue(channel.isActive());
    }

    @Test
    void unknownStartTlsAndExtendedHeaderOptionsAreUnsupported() {
        greeted(3);
        for (int option : new int[] {5, 11, 4, 99, 0x7fffffff}) {
            feed(option(option, new byte[] {1, 2, 3}), false);
            byte[] reply = sent();
            assertEquals(option, ByteBuffer.wrap(reply).getInt(8));
            assertEquals(ERR_UNSUP, replyType(reply), "option " + option);
        }
        assertTrue(channel.isActive());
    }

    @Test
    void structuredReplyIsAcknowledgedExactly() {
        greeted(3);
        feed(option(8, new byte[0]), false);
        assertArrayEquals(reply(8, ACK, new byte[0]), sent());
    }

    @Test
    void infoOnUnknownExportIsErrUnknown() {
        greeted(3);
        feed(option(6, RawNbdClient.goData("nope")), false);
        assertEquals(ERR_UNKNOWN, replyType(sent()));
        assertEquals(0, devices.openLeases());
    }

    @Test
    void infoRepliesExportNameDescriptionAndBlockSizeThenAck() {
        greeted(3);
        feed(option(6, RawNbdClient.goData("disk", 1, 2, 3)), false);
        byte[] export = ByteBuffer.allocate(12)
                .putShort((short) 0)
                .putLong(1 << 20)
                .putShort((short) TRANSMISSION_FLAGS)
                .array();
        byte[] name = ByteBuffer.allocate(6)
                .putShort((short) 1)
                .put("disk".getBytes(StandardCharsets.UTF_8))
                .array();
        byte[] description = ByteBuffer.allocate(13)
                .putShort((short) 2)
                .put("device disk".getBytes(StandardCharsets.UTF_8))
                .array();
        byte[] blockSize = ByteBuffer.allocate(14)
                .putShort((short) 3)
                .putInt(1)
                .putInt(4096)
                .putInt(64 << 20)
                .array();
        assertArrayEquals(
                concat(
                        reply(6, INFO, export),
                        reply(6, INFO, name),
                        reply(6, INFO, description),
                        reply(6, INFO, blockSize),
                        reply(6, ACK, new byte[0])),
                sent());
        assertNotNull(channel.pipeline().get(HandshakeHandler.class), "INFO stays in the handshake");
    }

    @Test
    void goWithBadNameLengthIsInvalid() {
        greeted(3);
        feed(option(7, ByteBuffer.allocate(6).putInt(1).putShort((short) 0).array()), false);
        assertEquals(ERR_INVALID, replyType(sent()));
        feed(
                option(
                        7,
                        ByteBuffer.allocate(10)
                                .putInt(4)
                                .put("disk".getBytes(StandardCharsets.UTF_8))
                                .putShort((short) 1)
                                .array()),
                false);
        assertEquals(ERR_INVALID, replyType(sent()), "one info request announced, none sent");
        assertEquals(0, devices.openLeases());
    }

    @Test
    void goEntersTransmissionAndPassesPipelinedRequestsOn() {
        greeted(3);
        byte[] request = ByteBuffer.allocate(28)
                .putInt(RawNbdClient.REQUEST_MAGIC)
                .putShort((short) 0)
                .putShort((short) 3)
                .putLong(42)
                .putLong(0)
                .putInt(0)
                .array();
        channel.writeInbound(Unpooled.wrappedBuffer(concat(option(7, RawNbdClient.goData("disk")), request)));
        channel.runPendingTasks();
        byte[] replies = sent();
        byte[] ack = reply(7, ACK, new byte[0]);
        byte[] flushReply = ByteBuffer.allocate(16)
                .putInt(RawNbdClient.SIMPLE_REPLY_MAGIC)
                .putInt(0)
                .putLong(42)
                .array();
        assertArrayEquals(
                concat(ack, flushReply),
                Arrays.copyOfRange(replies, replies.length - 36, replies.length),
                "GO ends with ACK, then the FLUSH sent right after GO is answered");
        assertNull(channel.pipeline().get(HandshakeHandler.class));
        assertNotNull(channel.pipeline().get(RequestDecoder.class));
        assertNotNull(channel.pipeline().get(TransmissionHandler.class));
        assertEquals(1, devices.openLeases());
        channel.close();
        assertEquals(0, devices.openLeases(), "lease given back on close");
    }

    @Test
    void exportNameSendsSizeFlagsAndZeroesUnlessNoZeroes() {
        greeted(1);
        feed(option(1, "disk".getBytes(StandardCharsets.UTF_8)), false);
        byte[] expected = ByteBuffer.allocate(134)
                .putLong(1 << 20)
                .putShort((short) TRANSMISSION_FLAGS)
                .array();
        assertArrayEquals(expected, sent());

        EmbeddedChannel noZeroes =
                new EmbeddedChannel(new HandshakeHandler(new OptionNegotiator(devices), InlineDispatcher.INSTANCE));
        ((ByteBuf) noZeroes.readOutbound()).release(); // greeting
        noZeroes.writeInbound(Unpooled.wrappedBuffer(
                concat(clientFlags(3), option(1, "disk".getBytes(StandardCharsets.UTF_8)))));
        noZeroes.runPendingTasks();
        ByteBuf reply = noZeroes.readOutbound();
        assertEquals(10, reply.readableBytes());
        reply.release();
        noZeroes.finishAndReleaseAll();
    }

    @Test
    void exportNameOfUnknownExportClosesTheConnection() {
        greeted(3);
        feed(option(1, "nope".getBytes(StandardCharsets.UTF_8)), false);
        assertEquals(0, sent().length);
        assertFalse(channel.isActive());
    }

    @Test
    void abortIsAcknowledgedThenTheConnectionCloses() {
        greeted(3);
        feed(option(2, new byte[0]), false);
        assertArrayEquals(reply(2, ACK, new byte[0]), sent());
        assertFalse(channel.isActive());
    }

    @Test
    void setMetaContextWithoutStructuredRepliesIsInvalid() {
        greeted(3);
        feed(option(10, RawNbdClient.metaData("disk", "base:allocation")), false);
        assertEquals(ERR_INVALID, replyType(sent()));
    }

    @Test
    void setMetaContextSelectsBaseAllocationAndIgnoresOtherNamespaces() {
        greeted(3);
        feed(option(8, new byte[0]), false);
        sent();
        feed(option(10, RawNbdClient.metaData("disk", "qemu:dirty-bitmap:x", "base:allocation", "base:")), false);
        byte[] context = ByteBuffer.allocate(4 + 15)
                .putInt(1)
                .put("base:allocation".getBytes(StandardCharsets.UTF_8))
                .array();
        assertArrayEquals(concat(reply(10, META_CONTEXT, context), reply(10, ACK, new byte[0])), sent());
    }

    @Test
    void listMetaContextWithoutQueriesListsAllAndForeignQueriesListNothing() {
        greeted(3);
        feed(option(8, new byte[0]), false);
        sent();
        feed(option(9, RawNbdClient.metaData("disk")), false);
        byte[] context = ByteBuffer.allocate(4 + 15)
                .putInt(0)
                .put("base:allocation".getBytes(StandardCharsets.UTF_8))
                .array();
        assertArrayEquals(concat(reply(9, META_CONTEXT, context), reply(9, ACK, new byte[0])), sent());
        feed(option(9, RawNbdClient.metaData("disk", "qemu:")), false);
        assertArrayEquals(reply(9, ACK, new byte[0]), sent());
        feed(option(9, RawNbdClient.metaData("nope")), false);
        assertEquals(ERR_UNKNOWN, replyType(sent()));
    }

    @Test
    void metaContextQueryRunningPastTheDataIsInvalid() {
        greeted(3);
        feed(option(8, new byte[0]), false);
        sent();
        byte[] data = RawNbdClient.metaData("disk", "base:allocation");
        feed(option(9, Arrays.copyOf(data, data.length - 1)), false);
        assertEquals(ERR_INVALID, replyType(sent()));
    }

    @Test
    void oversizedOptionIsSkippedAsItStreamsAndAnsweredTooBig() {
        greeted(3);
        int length = 1 << 20;
        channel.writeInbound(Unpooled.wrappedBuffer(ByteBuffer.allocate(16)
                .putLong(RawNbdClient.OPTION_MAGIC)
                .putInt(7)
                .putInt(length)
                .array()));
        for (int sent = 0; sent < length; sent += 4096) {
            channel.writeInbound(Unpooled.wrappedBuffer(new byte[4096]));
        }
        channel.runPendingTasks();
        assertEquals(ERR_TOO_BIG, replyType(sent()));
        feed(option(8, new byte[0]), false);
        assertArrayEquals(reply(8, ACK, new byte[0]), sent(), "the stream is still in step");
    }

    @Test
    void bytesArrivingOneAtATimeGiveTheSameReplies() throws IOException {
        byte[] conversation = concat(
                clientFlags(3),
                option(8, new byte[0]),
                option(3, new byte[0]),
                option(9, RawNbdClient.metaData("disk")),
                option(6, RawNbdClient.goData("disk", 1)),
                option(77, new byte[] {9, 9}),
                option(7, RawNbdClient.goData("disk")));
        sent();
        feed(conversation, false);
        byte[] whole = sent();

        EmbeddedChannel split =
                new EmbeddedChannel(new HandshakeHandler(new OptionNegotiator(devices), InlineDispatcher.INSTANCE));
        ((ByteBuf) split.readOutbound()).release();
        for (byte b : conversation) {
            split.writeInbound(Unpooled.wrappedBuffer(new byte[] {b}));
            split.runPendingTasks();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ByteBuf buf;
        while ((buf = split.readOutbound()) != null) {
            bytes.writeBytes(ByteBufUtil.getBytes(buf));
            buf.release();
        }
        assertArrayEquals(whole, bytes.toByteArray());
        assertNotNull(split.pipeline().get(TransmissionHandler.class), "GO completed");
        assertNull(split.inboundMessages().peek(), "nothing left over");
        split.finishAndReleaseAll();
        assertEquals(1, devices.openLeases(), "the first channel's lease");
    }

    /** Only size and read-only matter to the handshake. */
    private record SizedDevice(String name, long size) implements BlockDevice {
        @Override
        public boolean readOnly() {
            return false;
        }

        @Override
        public void read(long offset, ByteBuffer dst) {
            dst.put(new byte[dst.remaining()]);
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) {
            src.position(src.limit());
        }

        @Override
        public void trim(long offset, long length, boolean fua) {}

        @Override
        public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua) {}

        @Override
        public void flush() {}

        @Override
        public void cache(long offset, long length) {}

        @Override
        public void mapAllocation(long offset, long length, ExtentSink sink) {
            sink.extent(length, false);
        }
    }
}
