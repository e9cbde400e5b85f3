package dev.flashcopy.nbd.transmission;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.protocol.ProtocolViolation;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOutboundHandlerAdapter;
import io.netty.channel.embedded.EmbeddedChannel;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Request framing through an {@link EmbeddedChannel}, whole and split into single bytes. */
class RequestDecoderTest {
    private static final int MAGIC = 0x25609513;

    private static byte[] header(int flags, int type, long cookie, long offset, long length) {
        return ByteBuffer.allocate(28)
                .putInt(MAGIC)
                .putShort((short) flags)
                .putShort((short) type)
                .putLong(cookie)
                .putLong(offset)
                .putInt((int) length)
                .array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) {
            out.writeBytes(part);
        }
        return out.toByteArray();
    }

    private static byte[] pattern(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    /** Decodes {@code bytes} fed in pieces of {@code piece} bytes; releases payloads after copying them out. */
    private static List<Object[]> decode(byte[] bytes, int piece) {
        EmbeddedChannel channel = new EmbeddedChannel(new RequestDecoder());
        for (int at = 0; at < bytes.length; at += piece) {
            channel.writeInbound(Unpooled.wrappedBuffer(bytes, at, Math.min(piece, bytes.length - at)));
        }
        List<Object[]> requests = new ArrayList<>();
        NbdRequest r;
        while ((r = channel.readInbound()) != null) {
            byte[] payload = r.payload() == null ? null : ByteBufUtil.getBytes(r.payload());
            requests.add(new Object[] {r, payload});
            r.releasePayload();
        }
        assertFalse(channel.finish(), "nothing left over");
        return requests;
    }

    @Test
    void framesMixedRequestsWholeAndByteByByte() {
        byte[] payload = pattern(4096, 1);
        byte[] big = pattern(200_000, 2);
        byte[] stream = concat(
                header(1, 0, 7, 4096, 512),
                header(0, 1, 8, 0, payload.length),
                payload,
                header(8, 7, 9, 0, 1 << 20),
                header(0, 1, 10, 8192, big.length),
                big,
                header(0, 3, 11, 0, 0),
                header(0, 99, 12, 0, 0));
        for (int piece : new int[] {stream.length, 1, 7, 65536}) {
            List<Object[]> requests = decode(stream, piece);
            assertEquals(6, requests.size(), "piece size " + piece);
            NbdRequest read = (NbdRequest) requests.get(0)[0];
            assertEquals(NbdCommand.READ, read.command());
            assertEquals(1, read.flags());
            assertEquals(7, read.cookie());
            assertEquals(4096, read.offset());
            assertEquals(512, read.length());
            assertArrayEquals(payload, (byte[]) requests.get(1)[1]);
            assertEquals(NbdCommand.BLOCK_STATUS, ((NbdRequest) requests.get(2)[0]).command());
            assertArrayEquals(big, (byte[]) requests.get(3)[1], "large payload gathered in pieces");
            assertEquals(8192, ((NbdRequest) requests.get(3)[0]).offset());
            assertEquals(NbdCommand.FLUSH, ((NbdRequest) requests.get(4)[0]).command());
            NbdRequest unknown = (NbdRequest) requests.get(5)[0];
            assertNull(unknown.command());
            assertEquals(99, unknown.type());
        }
    }

    @Test
    void unsignedFieldsAreReadUnsigned() {
        List<Object[]> requests = decode(header(0, 0, -1, -4096, 0xffffffffL), 1);
        NbdRequest r = (NbdRequest) requests.getFirst()[0];
        assertEquals(0xffffffffL, r.length());
        assertEquals(-4096, r.offset());
        assertEquals(-1, r.cookie());
    }

    @Test
    void oversizedWriteIsEmittedOnlyOnceItsWholePayloadIsSkipped() {
        EmbeddedChannel channel = new EmbeddedChannel(new RequestDecoder());
        long length = NbdWire.MAX_PAYLOAD + 1L;
        byte[] mib = new byte[1 << 20];
        channel.writeInbound(Unpooled.wrappedBuffer(header(0, 1, 1, 0, length)));
        for (long sent = 0; sent < length - 1; sent += mib.length) {
            channel.writeInbound(Unpooled.wrappedBuffer(mib, 0, (int) Math.min(mib.length, length - 1 - sent)));
        }
        // The decoder has consumed everything given so far: a request out now would be a reply to a client
        // still sending it, which libnbd rejects ("no matching cookie") and drops the connection over.
        assertNull(channel.readInbound(), "refused before the last payload byte arrived");
        channel.writeInbound(Unpooled.wrappedBuffer(concat(new byte[1], header(0, 0, 2, 0, 4096))));
        NbdRequest write = channel.readInbound();
        assertTrue(write.oversized());
        assertNull(write.payload());
        assertEquals(1, write.cookie());
        assertEquals(2, ((NbdRequest) channel.readInbound()).cookie(), "back in step after the skipped data");
        assertFalse(channel.finish(), "nothing left over");
    }

    @Test
    void writeOverTwiceTheMaximumPayloadClosesTheConnectionWithoutReadingIt() {
        EmbeddedChannel channel = closingChannel();
        channel.writeInbound(
                Unpooled.wrappedBuffer(concat(header(0, 1, 1, 0, RequestDecoder.MAX_DISCARD + 1), new byte[4096])));
        assertNull(channel.readInbound());
        assertFalse(channel.isActive());
        channel.finishAndReleaseAll();
    }

    @Test
    void writeWaitsWithoutReadingUntilTheSharedBudgetHasRoomThenGoesOn() {
        PayloadBudget budget = new PayloadBudget(NbdWire.MAX_PAYLOAD);
        EmbeddedChannel big = new EmbeddedChannel(new RequestDecoder(budget));
        ReadRequests reads = new ReadRequests();
        EmbeddedChannel small = new EmbeddedChannel(reads, new RequestDecoder(budget));
        int bigLength = NbdWire.MAX_PAYLOAD - 4096;
        big.writeInbound(Unpooled.wrappedBuffer(header(0, 1, 1, 0, bigLength)));
        assertEquals(bigLength, budget.used(), "reserved whole before any payload byte is read");

        byte[] data = pattern(8192, 3);
        int readsBefore = small.isActive() ? reads.count : -1;
        small.writeInbound(Unpooled.wrappedBuffer(concat(header(0, 1, 2, 0, data.length), data)));
        assertNull(small.readInbound(), "no room: the payload waits");
        assertFalse(small.config().isAutoRead(), "and the connection reads no more");
        assertEquals(readsBefore, reads.count, "not even one read asked for after the stop");
        assertEquals(1, budget.waiting());

        byte[] mib = new byte[1 << 20];
        for (int sent = 0; sent < bigLength; sent += mib.length) {
            big.writeInbound(Unpooled.wrappedBuffer(mib, 0, Math.min(mib.length, bigLength - sent)));
        }
        NbdRequest first = big.readInbound();
        assertEquals(bigLength, first.payload().readableBytes());
        small.runPendingTasks();
        assertNull(small.readInbound(), "still waiting while the first payload is held");
        first.releasePayload();
        small.runPendingTasks(); // the grant is handed to the waiting connection's loop
        NbdRequest second = small.readInbound();
        assertArrayEquals(data, ByteBufUtil.getBytes(second.payload()));
        assertTrue(small.config().isAutoRead(), "reading again");
        assertEquals(data.length, budget.used());
        second.releasePayload();
        assertEquals(0, budget.used());
        assertEquals(bigLength, budget.peak(), "never more than the budget");
        assertFalse(big.finish());
        assertFalse(small.finish());
    }

    @Test
    void readWaitsWithoutReadingUntilTheReplyBudgetHasRoomThenIsEmittedInOrder() {
        PayloadBudget writes = PayloadBudget.unlimited();
        PayloadBudget replies = new PayloadBudget(NbdWire.MAX_PAYLOAD);
        EmbeddedChannel first = new EmbeddedChannel(new RequestDecoder(writes, replies));
        EmbeddedChannel second = new EmbeddedChannel(new RequestDecoder(writes, replies));
        first.writeInbound(Unpooled.wrappedBuffer(header(0, 0, 1, 0, NbdWire.MAX_PAYLOAD)));
        NbdRequest held = first.readInbound();
        assertTrue(held.holdsReplyBudget());
        assertEquals(NbdWire.MAX_PAYLOAD, replies.used(), "a READ reserves its length for the reply");

        // The READ and the FLUSH behind it arrive together: the FLUSH must not overtake the waiting READ.
        second.writeInbound(Unpooled.wrappedBuffer(concat(header(0, 0, 2, 0, 4096), header(0, 3, 3, 0, 0))));
        assertNull(second.readInbound(), "no room: the READ waits, and nothing behind it is decoded");
        assertFalse(second.config().isAutoRead(), "and the connection reads no more");
        assertEquals(1, replies.waiting());

        held.releaseReplyBudget(); // its reply was sent
        second.runPendingTasks(); // the grant is handed to the waiting connection's loop
        NbdRequest read = second.readInbound();
        assertEquals(2, read.cookie());
        assertEquals(NbdCommand.READ, read.command());
        NbdRequest flush = second.readInbound();
        assertEquals(NbdCommand.FLUSH, flush.command());
        assertTrue(second.config().isAutoRead(), "reading again");
        assertEquals(4096, replies.used());
        read.releaseReplyBudget();
        read.releaseReplyBudget(); // idempotent
        assertEquals(0, replies.used());
        assertEquals(NbdWire.MAX_PAYLOAD, replies.peak(), "never more than the budget");
        assertFalse(first.finish());
        assertFalse(second.finish());
    }

    @Test
    void aConnectionClosedWhileItsReadWaitsLeavesTheLine() {
        PayloadBudget replies = new PayloadBudget(NbdWire.MAX_PAYLOAD);
        EmbeddedChannel holder = new EmbeddedChannel(new RequestDecoder(PayloadBudget.unlimited(), replies));
        EmbeddedChannel waiter = new EmbeddedChannel(new RequestDecoder(PayloadBudget.unlimited(), replies));
        holder.writeInbound(Unpooled.wrappedBuffer(header(0, 0, 1, 0, NbdWire.MAX_PAYLOAD)));
        waiter.writeInbound(Unpooled.wrappedBuffer(header(0, 0, 2, 0, 4096)));
        assertEquals(1, replies.waiting());
        waiter.finishAndReleaseAll();
        assertEquals(0, replies.waiting(), "a closed connection leaves the line");
        NbdRequest held = holder.readInbound();
        held.releaseReplyBudget();
        assertEquals(0, replies.used());
        assertFalse(holder.finish());
    }

    /** Counts the reads asked of the channel (with auto-read off, only explicit ones). */
    private static final class ReadRequests extends ChannelOutboundHandlerAdapter {
        int count;

        @Override
        public void read(ChannelHandlerContext ctx) {
            count++;
            ctx.read();
        }
    }

    @Test
    void closingConnectionsGiveBackTheirReservationsAndPlacesInLine() {
        PayloadBudget budget = new PayloadBudget(NbdWire.MAX_PAYLOAD);
        EmbeddedChannel holder = new EmbeddedChannel(new RequestDecoder(budget));
        EmbeddedChannel waiter = new EmbeddedChannel(new RequestDecoder(budget));
        holder.writeInbound(Unpooled.wrappedBuffer(concat(header(0, 1, 1, 0, NbdWire.MAX_PAYLOAD), new byte[100_000])));
        waiter.writeInbound(Unpooled.wrappedBuffer(header(0, 1, 2, 0, 4096)));
        assertEquals(1, budget.waiting());
        waiter.finishAndReleaseAll();
        assertEquals(0, budget.waiting(), "a closed connection leaves the line");
        holder.finishAndReleaseAll();
        assertEquals(0, budget.used(), "a connection closed halfway through its payload gives its reservation back");
    }

    @Test
    void badMagicClosesTheChannelAndIgnoresTheRest() {
        EmbeddedChannel channel = closingChannel();
        byte[] bad = header(0, 0, 1, 0, 512);
        bad[0] = 0x7f;
        channel.writeInbound(Unpooled.wrappedBuffer(concat(header(0, 0, 1, 0, 512), bad, header(0, 0, 3, 0, 512))));
        NbdRequest first = channel.readInbound();
        assertEquals(1, first.cookie());
        assertNull(channel.readInbound());
        assertFalse(channel.isActive());
        channel.finishAndReleaseAll();
    }

    @Test
    void nothingAfterDiscIsDecoded() {
        List<Object[]> requests = decode(concat(header(0, 2, 1, 0, 0), header(0, 0, 2, 0, 512)), 3);
        assertEquals(1, requests.size());
        assertEquals(NbdCommand.DISC, ((NbdRequest) requests.getFirst()[0]).command());
    }

    @Test
    void closingHalfwayThroughALargeWriteReleasesWhatWasGathered() {
        EmbeddedChannel channel = new EmbeddedChannel(new RequestDecoder());
        ByteBuf first = Unpooled.wrappedBuffer(concat(header(0, 1, 1, 0, 1 << 20), new byte[100_000]));
        ByteBuf second = Unpooled.wrappedBuffer(new byte[100_000]);
        channel.writeInbound(first);
        channel.writeInbound(second);
        assertNull(channel.readInbound());
        assertTrue(first.refCnt() > 0 && second.refCnt() > 0, "the partial payload holds slices of both");
        assertFalse(channel.finish());
        assertEquals(0, first.refCnt());
        assertEquals(0, second.refCnt());
    }

    /** A decoder followed by what ends the real pipeline's handling of a violation (TransmissionHandler's). */
    private static EmbeddedChannel closingChannel() {
        return new EmbeddedChannel(new RequestDecoder(), new ChannelInboundHandlerAdapter() {
            @Override
            public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
                if (cause instanceof ProtocolViolation violation) {
                    violation.close(ctx);
                } else {
                    ctx.fireExceptionCaught(cause);
                }
            }
        });
    }
}
