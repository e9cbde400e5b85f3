package dev.flashcopy.nbd.transmission;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.dispatch.IoDispatcher;
import dev.flashcopy.nbd.dispatch.IoTask;
import dev.flashcopy.nbd.metrics.ExportMetrics;
import dev.flashcopy.nbd.protocol.NbdCommand;
import dev.flashcopy.nbd.testing.InlineDispatcher;
import dev.flashcopy.nbd.testing.LendCountingVolume;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.FileRegion;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.ByteArrayOutputStream;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * READ replies framed through the transmission handler in an {@link EmbeddedChannel}, over a real image: large
 * reads of a lent file leave as a header and a file region, everything else as one buffer, and every hold on
 * the file is given back.
 */
class FileReadsTest {
    private static final int REQUEST_MAGIC = 0x25609513;
    private static final int SIMPLE_MAGIC = 0x67446698;
    private static final int STRUCTURED_MAGIC = 0x668e33ef;
    private static final int MIB = 1 << 20;
    private static final int DATA_AT = MIB;

    @TempDir
    Path dir;

    private Volume volume;
    private LendCountingVolume device;
    private byte[] data;
    private final AtomicLong bytesCounted = new AtomicLong();

    @BeforeEach
    void writeData() throws Exception {
        volume = new Volume("v", ImageFile.create(dir.resolve("v.img"), 4 * MIB), false);
        device = new LendCountingVolume(volume);
        data = new byte[MIB];
        new Random(5).nextBytes(data);
        volume.write(DATA_AT, ByteBuffer.wrap(data), false);
    }

    @AfterEach
    void allHoldsGivenBack() {
        assertEquals(0, device.outstanding.get(), "holds on the image not released");
        volume.close();
    }

    private EmbeddedChannel connection(boolean structured) {
        DeviceLease lease = new DeviceLease() {
            @Override
            public BlockDevice device() {
                return device;
            }

            @Override
            public void close() {}
        };
        ExportMetrics metrics = (command, bytes, nanos, error) -> bytesCounted.addAndGet(bytes);
        TransmissionSession session = new TransmissionSession(lease, structured, List.of(), false, metrics);
        return new EmbeddedChannel(new RequestDecoder(), new TransmissionHandler(session, InlineDispatcher.INSTANCE));
    }

    /** Sends a READ and returns what the handler wrote, in order, after its flush. */
    private static List<Object> read(EmbeddedChannel ch, long cookie, long offset, int length) {
        ByteBuf request = Unpooled.buffer(28)
                .writeInt(REQUEST_MAGIC)
                .writeShort(0)
                .writeShort(NbdCommand.READ.code())
                .writeLong(cookie)
                .writeLong(offset)
                .writeInt(length);
        ch.writeInbound(request);
        ch.runPendingTasks();
        List<Object> out = new ArrayList<>();
        Object msg;
        while ((msg = ch.readOutbound()) != null) {
            out.add(msg);
        }
        return out;
    }

    /** The bytes a region puts on the wire; releases it, as the transport does once sent. */
    private static byte[] send(FileRegion region) throws Exception {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        var channel = Channels.newChannel(sink);
        while (region.transferred() < region.count()) {
            region.transferTo(channel, region.transferred());
        }
        region.release();
        return sink.toByteArray();
    }

    private static byte[] take(Object msg) {
        ByteBuf buf = (ByteBuf) msg;
        byte[] bytes = ByteBufUtil.getBytes(buf);
        buf.release();
        return bytes;
    }

    @Test
    void largeSimpleReadIsAHeaderThenTheFileItself() throws Exception {
        EmbeddedChannel ch = connection(false);
        List<Object> out = read(ch, 11, DATA_AT, MIB);
        assertEquals(2, out.size(), "header, then data");
        ByteBuffer header = ByteBuffer.wrap(take(out.get(0)));
        assertEquals(16, header.remaining());
        assertEquals(SIMPLE_MAGIC, header.getInt());
        assertEquals(0, header.getInt(), "error");
        assertEquals(11, header.getLong(), "cookie");
        FileRegion region = assertInstanceOf(FileRegion.class, out.get(1));
        assertEquals(DATA_AT, region.position());
        assertArrayEquals(data, send(region));
        assertEquals(MIB, bytesCounted.get(), "metrics count the bytes read");
        assertFalse(ch.finish());
    }

    @Test
    void largeStructuredReadIsOneDoneDataChunkHeaderThenTheFile() throws Exception {
        EmbeddedChannel ch = connection(true);
        List<Object> out = read(ch, 12, DATA_AT, MIB);
        assertEquals(2, out.size(), "chunk header, then data");
        ByteBuffer header = ByteBuffer.wrap(take(out.get(0)));
        assertEquals(28, header.remaining());
        assertEquals(STRUCTURED_MAGIC, header.getInt());
        assertEquals(1, header.getShort(), "flags: DONE");
        assertEquals(1, header.getShort(), "type: OFFSET_DATA");
        assertEquals(12, header.getLong(), "cookie");
        assertEquals(8 + MIB, header.getInt(), "payload length: offset and data");
        assertEquals(DATA_AT, header.getLong(), "offset");
        assertArrayEquals(data, send((FileRegion) out.get(1)));
        assertFalse(ch.finish());
    }

    @Test
    void smallReadIsCopiedIntoOneReplyBuffer() {
        EmbeddedChannel ch = connection(false);
        List<Object> out = read(ch, 13, DATA_AT, 4096);
        assertEquals(1, out.size());
        byte[] reply = take(out.getFirst());
        assertEquals(16 + 4096, reply.length);
        assertArrayEquals(Arrays.copyOf(data, 4096), Arrays.copyOfRange(reply, 16, reply.length));
        assertFalse(ch.finish());
    }

    @Test
    void structuredReadOverDataAndHoleIsCopiedAsChunks() {
        EmbeddedChannel ch = connection(true);
        List<Object> out = read(ch, 14, DATA_AT + MIB / 2, MIB);
        assertEquals(1, out.size(), "data chunk and hole chunk in one buffer");
        assertInstanceOf(ByteBuf.class, out.getFirst());
        take(out.getFirst());
        assertFalse(ch.finish());
    }

    @Test
    void zeroCopyTurnedOffCopiesLargeReads() {
        System.setProperty(FileReads.PROPERTY, "false");
        try {
            EmbeddedChannel ch = connection(false);
            List<Object> out = read(ch, 15, DATA_AT, MIB);
            assertEquals(1, out.size());
            byte[] reply = take(out.getFirst());
            assertArrayEquals(data, Arrays.copyOfRange(reply, 16, reply.length));
            assertFalse(ch.finish());
        } finally {
            System.clearProperty(FileReads.PROPERTY);
        }
    }

    /** A client on this host's loopback gets copied reads (they ran faster there); {@code always} overrides. */
    @Test
    void loopbackClientsGetCopiedReadsUnlessZeroCopyIsAlways() {
        assertTrue(FileReads.onLoopback(new InetSocketAddress("127.0.0.1", 5000)));
        assertTrue(FileReads.onLoopback(new InetSocketAddress("::1", 5000)));
        assertFalse(FileReads.onLoopback(new InetSocketAddress("192.0.2.7", 5000)), "another host");
        assertFalse(FileReads.onLoopback(UnixDomainSocketAddress.of("/run/s")), "unix sockets keep sendfile");
        EmbeddedChannel loop = new EmbeddedChannel() {
            @Override
            protected SocketAddress remoteAddress0() {
                return new InetSocketAddress("127.0.0.1", 5000);
            }
        };
        assertNull(FileReads.forConnection(device, loop.pipeline(), loop.alloc()), "copied over loopback");
        System.setProperty(FileReads.PROPERTY, "always");
        try {
            assertNotNull(FileReads.forConnection(device, loop.pipeline(), loop.alloc()), "always: sendfile");
        } finally {
            System.clearProperty(FileReads.PROPERTY);
        }
        loop.finishAndReleaseAll();
    }

    @Test
    void connectionUnderTlsNeverSendsFileRegions() throws Exception {
        EmbeddedChannel ch = new EmbeddedChannel();
        assertNotNull(FileReads.forConnection(device, ch.pipeline(), ch.alloc()));
        ch.pipeline().addLast(SslContextBuilder.forClient().build().newHandler(ch.alloc()));
        assertNull(FileReads.forConnection(device, ch.pipeline(), ch.alloc()), "SslHandler cannot encrypt a region");
        ch.finishAndReleaseAll();
    }

    @Test
    void replyOfAClosedConnectionGivesItsHoldBack() {
        List<IoTask> queued = new ArrayList<>();
        DeviceLease lease = new DeviceLease() {
            @Override
            public BlockDevice device() {
                return device;
            }

            @Override
            public void close() {}
        };
        TransmissionSession session = new TransmissionSession(lease, false, List.of());
        EmbeddedChannel ch =
                new EmbeddedChannel(new RequestDecoder(), new TransmissionHandler(session, new IoDispatcher() {
                    @Override
                    public void dispatch(IoTask task) {
                        queued.add(task);
                    }

                    @Override
                    public void close() {}
                }));
        ch.writeInbound(Unpooled.buffer(28)
                .writeInt(REQUEST_MAGIC)
                .writeShort(0)
                .writeShort(NbdCommand.READ.code())
                .writeLong(16)
                .writeLong(DATA_AT)
                .writeInt(MIB));
        ch.close();
        queued.getFirst().perform(); // the hold is taken here, after the client went away
        ch.runPendingTasks();
        assertEquals(1, device.lent.get(), "the read took a hold");
        assertNull(ch.readOutbound());
    }
}
