package dev.flashcopy.nbd.transmission;

import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_READ;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.NbdServer;
import dev.flashcopy.nbd.NbdServerConfig;
import dev.flashcopy.nbd.testing.ForwardingDevice;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.RawNbdClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which WRITEs the event loop does itself ({@link InlineWrites}) and which go to the file's serial lane, over a
 * real socket and a real image: a plain write to an idle lane goes inline; a FUA write, a write while an earlier
 * one is in flight, and a write the device declines (as RWF_NOWAIT's EAGAIN does) go to the lane; every byte is
 * written exactly once, and a write answered before a read of its range is what that read returns.
 */
class InlineWritesTest {
    private static final int FUA = 1;
    private static final int LENGTH = 4096;

    @TempDir
    Path dir;

    private Volume volume;
    private CountingDevice device;
    private NbdServer server;
    private int oldLimit;

    /** The volume, counting inline tries, inline writes done and lane writes; it can decline or hold them. */
    private static final class CountingDevice extends ForwardingDevice {
        final Volume v;
        final AtomicInteger inlineTries = new AtomicInteger();
        final AtomicInteger inlineDone = new AtomicInteger();
        final AtomicInteger laneWrites = new AtomicInteger();
        volatile boolean declineInline;
        volatile CountDownLatch laneGate = new CountDownLatch(0);

        CountingDevice(Volume v) {
            super(v);
            this.v = v;
        }

        @Override
        public Object serialWriteKey(long offset, long length) {
            return v.image();
        }

        @Override
        public boolean writeInline(long offset, ByteBuffer[] srcs) throws BlockIoException {
            inlineTries.incrementAndGet();
            if (declineInline) {
                return false; // what ImageFile.writeInline answers to EAGAIN: nothing written
            }
            boolean done = v.writeInline(offset, srcs);
            if (done) {
                inlineDone.incrementAndGet();
            }
            return done;
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
            laneWrite();
            v.write(offset, src, fua);
        }

        @Override
        public void write(long offset, ByteBuffer[] srcs, boolean fua) throws BlockIoException {
            laneWrite();
            v.write(offset, srcs, fua);
        }

        private void laneWrite() {
            laneWrites.incrementAndGet();
            try {
                laneGate.await(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    @BeforeEach
    void start() throws IOException {
        oldLimit = InlineWrites.maxBytes(1 << 20);
        volume = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), 8L << 20), false);
        device = new CountingDevice(volume);
        server = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 4, 1), new LeaseCountingDevices(device));
    }

    @AfterEach
    void stop() {
        server.close();
        volume.close();
        InlineWrites.maxBytes(oldLimit);
    }

    private static byte[] bytes(int seed) {
        byte[] b = new byte[LENGTH];
        Arrays.fill(b, (byte) seed);
        return b;
    }

    private RawNbdClient client() throws IOException {
        return new RawNbdClient(server.address()).connect("disk", false);
    }

    private static void readBack(RawNbdClient c, long offset, byte[] expected) throws IOException {
        c.request(0, CMD_READ, 99, offset, expected.length, null);
        assertArrayEquals(expected, c.readSimple(expected.length).payload(), "read back at " + offset);
    }

    @Test
    void plainWriteToAnIdleLaneIsDoneOnTheLoopAndReadBack() throws IOException {
        assumeTrue(DirtyMemory.low(), "dirty memory is high on this machine now: nothing goes inline");
        try (RawNbdClient c = client()) {
            c.request(0, CMD_WRITE, 1, 0, LENGTH, bytes(7));
            assertEquals(0, c.readSimple(0).error());
            readBack(c, 0, bytes(7));
        }
        assertEquals(1, device.inlineDone.get(), "inline writes");
        assertEquals(0, device.laneWrites.get(), "lane writes");
    }

    @Test
    void fuaWriteGoesToTheLaneForItsSync() throws IOException {
        try (RawNbdClient c = client()) {
            c.request(FUA, CMD_WRITE, 1, 0, LENGTH, bytes(3));
            assertEquals(0, c.readSimple(0).error());
            readBack(c, 0, bytes(3));
        }
        assertEquals(0, device.inlineTries.get(), "inline tries");
        assertEquals(1, device.laneWrites.get(), "lane writes");
    }

    @Test
    void declinedInlineWriteGoesToTheLaneAndIsWrittenOnce() throws IOException {
        device.declineInline = true;
        try (RawNbdClient c = client()) {
            c.request(0, CMD_WRITE, 1, LENGTH, LENGTH, bytes(9));
            assertEquals(0, c.readSimple(0).error());
            readBack(c, LENGTH, bytes(9));
        }
        assumeTrue(device.inlineTries.get() == 1, "dirty memory is high on this machine now: nothing tried inline");
        assertEquals(0, device.inlineDone.get(), "inline writes");
        assertEquals(1, device.laneWrites.get(), "lane writes: the declined write, once");
    }

    @Test
    void writesBehindOneInFlightGoToTheLaneInArrivalOrder() throws Exception {
        device.declineInline = true; // the first goes to the lane, where it waits at the gate
        device.laneGate = new CountDownLatch(1);
        try (RawNbdClient c = client()) {
            c.request(0, CMD_WRITE, 1, 0, LENGTH, bytes(1));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
            while (device.laneWrites.get() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(1);
            }
            device.declineInline = false; // from now on the device would take writes inline: the lane is busy
            for (int i = 2; i <= 4; i++) {
                c.request(0, CMD_WRITE, i, 0, LENGTH, bytes(i)); // the same range: only arrival order decides
            }
            Thread.sleep(50);
            device.laneGate.countDown();
            for (int i = 1; i <= 4; i++) {
                assertEquals(0, c.readSimple(0).error(), "write " + i);
            }
            readBack(c, 0, bytes(4));
        }
        assertTrue(device.inlineTries.get() <= 1, "tried inline behind a write in flight: " + device.inlineTries);
        assertEquals(0, device.inlineDone.get(), "inline writes");
        assertEquals(4, device.laneWrites.get(), "lane writes");
    }

    @Test
    void turnedOffNothingIsTriedInline() throws IOException {
        InlineWrites.maxBytes(0);
        try (RawNbdClient c = client()) {
            c.request(0, CMD_WRITE, 1, 0, LENGTH, bytes(5));
            assertEquals(0, c.readSimple(0).error());
            readBack(c, 0, bytes(5));
        }
        assertEquals(0, device.inlineTries.get(), "inline tries");
        assertEquals(1, device.laneWrites.get(), "lane writes");
    }
}
