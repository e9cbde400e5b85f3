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
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Plain writes of up to 128 KiB ({@code -Dflashcopy.laneWrites}) to a device that names the file they go to
 * ({@code BlockDevice.serialWriteKey}) run one at a time, in the order they arrived, over real sockets and a pool
 * of several I/O threads; larger writes, FUA writes, and writes the device names no file for, run concurrently.
 * Each write lingers at the device so that concurrent ones overlap.
 */
class SerialWriteRoutingTest {
    private static final long SIZE = 8L << 20;
    private static final int FUA = 1;
    private static final int WRITES = 48;
    private static final int LENGTH = 4096;

    @TempDir
    Path dir;

    private Volume volume;
    private OverlapDevice device;
    private NbdServer server;

    /** The volume, recording the order of its writes and whether two ever ran at once. */
    private static final class OverlapDevice extends ForwardingDevice {
        final Volume v;
        final AtomicInteger writing = new AtomicInteger();
        final AtomicInteger overlaps = new AtomicInteger();
        final ConcurrentLinkedQueue<Long> order = new ConcurrentLinkedQueue<>();
        volatile boolean namesItsFile = true;

        OverlapDevice(Volume v) {
            super(v);
            this.v = v;
        }

        @Override
        public Object serialWriteKey(long offset, long length) {
            return namesItsFile ? v.image() : null;
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
            if (writing.incrementAndGet() > 1) {
                overlaps.incrementAndGet();
            }
            try {
                order.add(offset);
                LockSupport.parkNanos(1_000_000);
                v.write(offset, src, fua);
            } finally {
                writing.decrementAndGet();
            }
        }
    }

    @BeforeEach
    void start() throws IOException {
        volume = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), SIZE), false);
        device = new OverlapDevice(volume);
        server = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 8, 2), new LeaseCountingDevices(device));
    }

    @AfterEach
    void stop() {
        server.close();
        volume.close();
    }

    /** Sends every write before reading any reply, so all are in flight together; returns what was written. */
    private byte[] pipelinedWrites(int flags) throws IOException {
        return pipelinedWrites(flags, WRITES, LENGTH);
    }

    private byte[] pipelinedWrites(int flags, int writes, int length) throws IOException {
        byte[] all = new byte[writes * length];
        new Random(flags).nextBytes(all);
        try (RawNbdClient c = new RawNbdClient(server.address()).connect("disk", false)) {
            for (int i = 0; i < writes; i++) {
                // Offsets in a scrambled order, so "in order" means the order sent, not ascending.
                int slot = (i * 7) % writes;
                c.request(
                        flags,
                        CMD_WRITE,
                        i,
                        (long) slot * length,
                        length,
                        Arrays.copyOfRange(all, slot * length, (slot + 1) * length));
            }
            for (int i = 0; i < writes; i++) {
                assertEquals(0, c.readChunk().error(), "write " + i);
            }
            c.request(0, CMD_READ, 99, 0, all.length, null);
            assertArrayEquals(all, c.readSimple(all.length).payload(), "read back");
        }
        return all;
    }

    @Test
    void plainWritesToANamedFileRunOneAtATimeInArrivalOrder() throws IOException {
        pipelinedWrites(0);
        assertEquals(0, device.overlaps.get(), "two writes of one file ran at once");
        List<Long> sent = new ArrayList<>();
        for (int i = 0; i < WRITES; i++) {
            sent.add((long) ((i * 7) % WRITES) * LENGTH);
        }
        assertEquals(sent, List.copyOf(device.order), "the order the device saw");
    }

    @Test
    void writesUpToTheLaneLimitStillRunOneAtATime() throws IOException {
        pipelinedWrites(0, 16, 128 * 1024);
        assertEquals(0, device.overlaps.get(), "two writes of 128 KiB to one file ran at once");
    }

    @Test
    void writesLargerThanTheLaneLimitRunConcurrently() throws IOException {
        pipelinedWrites(0, 16, 128 * 1024 + 4096);
        assertTrue(device.overlaps.get() > 0, "writes of 132 KiB on 8 I/O threads never overlapped");
    }

    @Test
    void writesTheDeviceNamesNoFileForRunConcurrently() throws IOException {
        device.namesItsFile = false;
        pipelinedWrites(0);
        assertTrue(device.overlaps.get() > 0, "writes on 8 I/O threads never overlapped");
    }

    @Test
    void fuaWritesRunConcurrentlySoTheyShareTheirSyncs() throws IOException {
        pipelinedWrites(FUA);
        assertTrue(device.overlaps.get() > 0, "FUA writes never overlapped");
    }
}
