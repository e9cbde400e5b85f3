package dev.flashcopy.nbd;

import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_READ;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.testing.ForwardingDevice;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.RawNbdClient;
import dev.flashcopy.nbd.testing.RawNbdClient.Chunk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads the page cache holds are answered on the event loop ({@code BlockDevice.readCached}); reads of holes,
 * reads too large to hold up the loop, and devices that cannot answer now go to the I/O threads. Counted at
 * the device, over real sockets.
 */
class CachedReadRoutingTest {
    private static final long SIZE = 8L << 20;
    private static final int TYPE_OFFSET_DATA = 1;
    private static final int TYPE_OFFSET_HOLE = 2;

    @TempDir
    Path dir;

    private Volume volume;
    private CountingDevice device;
    private NbdServer server;

    /** The volume, counting which read path served each request. */
    private static final class CountingDevice extends ForwardingDevice {
        final Volume v;
        final AtomicInteger cachedHits = new AtomicInteger();
        final AtomicInteger slowReads = new AtomicInteger();
        volatile boolean cacheAllowed = true;

        CountingDevice(Volume v) {
            super(v);
            this.v = v;
        }

        @Override
        public boolean readCached(long offset, ByteBuffer dst) {
            boolean hit = cacheAllowed && v.readCached(offset, dst);
            if (hit) {
                cachedHits.incrementAndGet();
            }
            return hit;
        }

        @Override
        public void read(long offset, ByteBuffer dst) throws BlockIoException {
            slowReads.incrementAndGet();
            v.read(offset, dst);
        }
    }

    @BeforeEach
    void start() throws IOException {
        volume = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), SIZE), false);
        device = new CountingDevice(volume);
        server = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 2, 2), new LeaseCountingDevices(device));
    }

    @AfterEach
    void stop() {
        server.close();
        volume.close();
    }

    private static byte[] pattern(int length) {
        byte[] b = new byte[length];
        new Random(length).nextBytes(b);
        return b;
    }

    @Test
    void cachedDataIsReadOnTheLoopInBothReplyModes() throws IOException {
        byte[] data = pattern(64 * 1024);
        for (boolean structured : List.of(false, true)) {
            try (RawNbdClient c = new RawNbdClient(server.address()).connect("disk", structured)) {
                c.request(0, CMD_WRITE, 1, 0, data.length, data);
                assertEquals(0, c.readChunk().error(), "write");
                int hits = device.cachedHits.get();
                int slow = device.slowReads.get();
                c.request(0, CMD_READ, 2, 0, data.length, null);
                if (structured) {
                    List<Chunk> reply = c.readReply();
                    assertEquals(1, reply.size(), reply.toString());
                    assertEquals(TYPE_OFFSET_DATA, reply.get(0).type());
                    assertArrayEquals(data, Arrays.copyOfRange(reply.get(0).payload(), 8, 8 + data.length));
                } else {
                    assertArrayEquals(data, c.readSimple(data.length).payload());
                }
                assertEquals(hits + 1, device.cachedHits.get(), "answered from the page cache");
                assertEquals(slow, device.slowReads.get(), "no I/O thread read");
            }
        }
    }

    @Test
    void holesLargeReadsAndDevicesThatCannotAnswerNowGoToTheIoThreads() throws IOException {
        byte[] data = pattern(4096);
        try (RawNbdClient c = new RawNbdClient(server.address()).connect("disk", true)) {
            c.request(0, CMD_WRITE, 1, 0, data.length, data);
            assertEquals(0, c.readChunk().error(), "write");
            c.request(0, CMD_READ, 2, 0, 8192, null); // data, then a hole
            List<Chunk> reply = c.readReply();
            assertEquals(
                    List.of(TYPE_OFFSET_DATA, TYPE_OFFSET_HOLE),
                    reply.stream().map(Chunk::type).toList());
            c.request(0, CMD_READ, 3, 0, 4 << 20, null); // larger than a read held on the loop
            c.readReply();
            device.cacheAllowed = false;
            c.request(0, CMD_READ, 4, 0, 4096, null);
            assertArrayEquals(data, Arrays.copyOfRange(c.readReply().get(0).payload(), 8, 8 + 4096));
            assertEquals(0, device.cachedHits.get());
            assertTrue(device.slowReads.get() >= 3, "each went to an I/O thread: " + device.slowReads.get());
        }
    }
}
