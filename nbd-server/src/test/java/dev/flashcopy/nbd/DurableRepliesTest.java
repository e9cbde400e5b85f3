package dev.flashcopy.nbd;

import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_FLUSH;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_TRIM;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_WRITE;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_WRITE_ZEROES;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.ZeroMode;
import dev.flashcopy.engine.tuning.Tunables;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.testing.ForwardingDevice;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.RawNbdClient;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A reply to a FUA write or a FLUSH promises durability: by the time it arrives the device must have been
 * told so (a write with its FUA flag, or a flush after it), under either dispatcher (the Disruptor stages
 * may trade a write's FUA for one flush at the end of their batch). The device here keeps the ranges
 * written since its last flush; a reply that promises more than the device was told fails the test.
 */
class DurableRepliesTest {
    private static final int FUA = 1;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"pool", "disruptor"})
    void fuaWritesAndFlushesReachTheDeviceBeforeTheirReplies(String dispatcher) throws Exception {
        String before = System.getProperty(Tunables.DISPATCHER.name());
        System.setProperty(Tunables.DISPATCHER.name(), dispatcher);
        try (Volume volume = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), 1 << 20), false)) {
            DurabilityDevice device = new DurabilityDevice(volume);
            LeaseCountingDevices devices = new LeaseCountingDevices(device);
            try (NbdServer server = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 2, 1), devices);
                    RawNbdClient client = new RawNbdClient(server.address()).connect("disk", false)) {
                byte[] data = new byte[4096];
                client.request(0, CMD_WRITE, 1, 0, data.length, data);
                assertEquals(0, client.readSimple(0).error());
                assertFalse(device.durable(0), "a plain write is only written (the device tells them apart)");

                client.request(FUA, CMD_WRITE, 2, 8192, data.length, data);
                assertEquals(0, client.readSimple(0).error());
                assertTrue(device.durable(8192), "FUA write replied to before the device made it durable");

                client.request(FUA, CMD_WRITE_ZEROES, 3, 16384, 4096, null);
                assertEquals(0, client.readSimple(0).error());
                assertTrue(device.durable(16384), "FUA write-zeroes replied to before it was durable");

                client.request(FUA, CMD_TRIM, 4, 24576, 4096, null);
                assertEquals(0, client.readSimple(0).error());
                assertTrue(device.durable(24576), "FUA trim replied to before it was durable");

                client.request(0, CMD_WRITE, 5, 32768, data.length, data);
                assertEquals(0, client.readSimple(0).error());
                assertFalse(device.durable(32768), "written, not yet flushed");
                client.request(0, CMD_FLUSH, 6, 0, 0, null);
                assertEquals(0, client.readSimple(0).error());
                assertTrue(device.durable(32768), "FLUSH replied to without flushing the device");
            }
        } finally {
            if (before == null) {
                System.clearProperty(Tunables.DISPATCHER.name());
            } else {
                System.setProperty(Tunables.DISPATCHER.name(), before);
            }
        }
    }

    /** Remembers the offsets changed since the last flush; FUA changes are durable at once. Thread-safe. */
    private static final class DurabilityDevice extends ForwardingDevice {
        private final Set<Long> unflushed = new HashSet<>();
        private final Set<Long> changed = new HashSet<>();

        DurabilityDevice(BlockDevice delegate) {
            super(delegate);
        }

        synchronized boolean durable(long offset) {
            return changed.contains(offset) && !unflushed.contains(offset);
        }

        private synchronized void changed(long offset, boolean fua) {
            changed.add(offset);
            if (fua) {
                unflushed.remove(offset);
            } else {
                unflushed.add(offset);
            }
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
            delegate.write(offset, src, fua);
            changed(offset, fua);
        }

        @Override
        public void write(long offset, ByteBuffer[] srcs, boolean fua) throws BlockIoException {
            delegate.write(offset, srcs, fua);
            changed(offset, fua);
        }

        @Override
        public void writeZeroes(long offset, long length, ZeroMode mode, boolean fastOnly, boolean fua)
                throws BlockIoException {
            delegate.writeZeroes(offset, length, mode, fastOnly, fua);
            changed(offset, fua);
        }

        @Override
        public void trim(long offset, long length, boolean fua) throws BlockIoException {
            delegate.trim(offset, length, fua);
            changed(offset, fua);
        }

        @Override
        public void flush() throws BlockIoException {
            delegate.flush();
            synchronized (this) {
                unflushed.clear();
            }
        }
    }
}
