package dev.flashcopy.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.testing.ForwardingDevice;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.RawNbdClient;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes to a device that holds them (a frozen FlashCopy source) wait parked, not on an I/O thread. */
class NbdWriteHoldTest {
    private static final int WRITES = 6;

    @TempDir
    Path dir;

    @Test
    void heldWritesLeaveTheOnlyIoThreadFreeAndCompleteWhenReleased() throws Exception {
        try (Volume volume = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), 1 << 20), false)) {
            HoldingDevice device = new HoldingDevice(volume);
            try (NbdServer server =
                    NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 1, 1), new LeaseCountingDevices(device))) {
                RawNbdClient client = new RawNbdClient(server.address()).connect("disk", false);
                byte[] data = new byte[4096];
                Arrays.fill(data, (byte) 0x5a);
                for (int i = 0; i < WRITES; i++) {
                    client.request(0, RawNbdClient.CMD_WRITE, i + 1, i * 4096L, data.length, data);
                }
                // One I/O thread: were a held write waiting on it, this read would never be answered.
                client.request(0, RawNbdClient.CMD_READ, 100, 0, 4096, null);
                RawNbdClient.Chunk read = client.readSimple(4096);
                assertEquals(100, read.cookie(), "the read is answered while every write is held");
                assertArrayEquals(new byte[4096], read.payload(), "no held write has run");
                assertEquals(0, device.writesRun.get());

                device.hold.complete(null);
                Set<Long> answered = new HashSet<>();
                for (int i = 0; i < WRITES; i++) {
                    RawNbdClient.Chunk reply = client.readSimple(0);
                    assertEquals(0, reply.error());
                    answered.add(reply.cookie());
                }
                assertEquals(WRITES, answered.size());
                assertEquals(WRITES, device.writesRun.get());
                ByteBuffer back = ByteBuffer.allocateDirect(4096);
                volume.read((WRITES - 1) * 4096L, back);
                byte[] landed = new byte[4096];
                back.flip().get(landed);
                assertArrayEquals(data, landed, "the last held write landed");
                client.close();
            }
        }
    }

    /** Holds writes until {@link #hold} completes; counts the writes that ran. */
    private static final class HoldingDevice extends ForwardingDevice {
        final CompletableFuture<Void> hold = new CompletableFuture<>();
        final AtomicInteger writesRun = new AtomicInteger();

        HoldingDevice(BlockDevice delegate) {
            super(delegate);
        }

        @Override
        public CompletionStage<Void> writesHeldUntil() {
            return hold.isDone() ? null : hold;
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
            writesRun.incrementAndGet();
            delegate.write(offset, src, fua);
        }
    }
}
