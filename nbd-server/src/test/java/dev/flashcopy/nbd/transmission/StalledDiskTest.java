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
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bound docs/ARCHITECTURE.md states for work on the event loop: a disk that stalls holds the loop's other
 * connections for at most one stalled inline write per file (then {@link FileStall}'s backoff, and the busy
 * lane, keep that file's writes off the loop). Connection A writes to a volume whose every write takes
 * {@link #STALL_MS} (a stalled disk, simulated by a device that parks in its writes, inline or not); connection
 * B, on the same single event loop, writes and reads another volume meanwhile. Unprotected, B would wait for
 * all of A's {@link #A_WRITES} writes in turn ({@code 16 x 400 ms}); it waits for at most one.
 */
class StalledDiskTest {
    private static final long STALL_MS = 400;
    private static final int A_WRITES = 16;
    /** One stall, and room for a busy machine's scheduling. */
    private static final long BOUND_MS = STALL_MS + 600;

    @TempDir
    Path dir;

    /** A volume whose writes, on the loop or on the lane, take {@link #STALL_MS} first. */
    private static final class StalledDevice extends ForwardingDevice {
        final Volume v;
        final AtomicInteger inlineStalls = new AtomicInteger();

        StalledDevice(Volume v) {
            super(v);
            this.v = v;
        }

        @Override
        public Object serialWriteKey(long offset, long length) {
            return v.image();
        }

        @Override
        public boolean writeInline(long offset, ByteBuffer[] srcs) throws BlockIoException {
            inlineStalls.incrementAndGet();
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(STALL_MS));
            return v.writeInline(offset, srcs);
        }

        @Override
        public void write(long offset, ByteBuffer[] srcs, boolean fua) throws BlockIoException {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(STALL_MS));
            v.write(offset, srcs, fua);
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
            LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(STALL_MS));
            v.write(offset, src, fua);
        }
    }

    @Test
    void aStalledDiskHoldsOtherConnectionsOnItsLoopForOneStallAtMost() throws Exception {
        assumeTrue(DirtyMemory.low(), "dirty memory is high on this machine now: nothing goes inline");
        int old = InlineWrites.maxBytes(1 << 20);
        try (Volume slowVolume = new Volume("slow", ImageFile.create(dir.resolve("slow.img"), 8L << 20), false);
                Volume fast = new Volume("fast", ImageFile.create(dir.resolve("fast.img"), 8L << 20), false)) {
            StalledDevice slow = new StalledDevice(slowVolume);
            // One event loop: A and B share it, as unrelated connections do on a busy server.
            try (NbdServer server = NbdServer.start(
                            new NbdServerConfig("127.0.0.1", 0, 4, 1), new LeaseCountingDevices(slow, fast));
                    RawNbdClient a = new RawNbdClient(server.address()).connect("slow", false);
                    RawNbdClient b = new RawNbdClient(server.address()).connect("fast", false)) {
                CompletableFuture<Long> worstB = CompletableFuture.supplyAsync(() -> worstRoundTrip(b));
                Thread.sleep(200); // B is running
                byte[] block = new byte[4096];
                Arrays.fill(block, (byte) 0x5a);
                for (int i = 0; i < A_WRITES; i++) {
                    a.request(0, CMD_WRITE, i, i * 4096L, 4096, block);
                }
                for (int i = 0; i < A_WRITES; i++) {
                    assertEquals(0, a.readSimple(0).error(), "A's write " + i);
                }
                long worst = worstB.get(60, TimeUnit.SECONDS);
                assertEquals(1, slow.inlineStalls.get(), "stalled inline writes on the loop");
                assertTrue(
                        worst < TimeUnit.MILLISECONDS.toNanos(BOUND_MS),
                        "B waited " + worst / 1_000_000 + " ms for one request (bound " + BOUND_MS + " ms)");
                a.request(0, CMD_READ, 99, (A_WRITES - 1) * 4096L, 4096, null);
                assertArrayEquals(block, a.readSimple(4096).payload(), "A's last write");
            }
        } finally {
            InlineWrites.maxBytes(old);
        }
    }

    /** B writes and reads back 4 KiB blocks for as long as A's writes take; its slowest round trip, in ns. */
    private static long worstRoundTrip(RawNbdClient b) {
        long worst = 0;
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(200 + A_WRITES * STALL_MS);
        try {
            for (int i = 0; System.nanoTime() < end; i++) {
                byte[] block = new byte[4096];
                Arrays.fill(block, (byte) i);
                long t0 = System.nanoTime();
                b.request(0, CMD_WRITE, 2L * i, (i % 64) * 4096L, 4096, block);
                assertEquals(0, b.readSimple(0).error());
                b.request(0, CMD_READ, 2L * i + 1, (i % 64) * 4096L, 4096, null);
                assertArrayEquals(block, b.readSimple(4096).payload(), "B reads what it wrote");
                worst = Math.max(worst, System.nanoTime() - t0);
                Thread.sleep(5);
            }
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
        return worst;
    }
}
