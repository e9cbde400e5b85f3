package dev.flashcopy.nbd;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.testing.ForwardingDevice;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.RawNbdClient;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Closing the server while a write is still on the disk. */
class NbdServerShutdownTest {
    @TempDir
    Path dir;

    @Test
    void closeWaitsForInFlightWritesAndReturnsEveryLease() throws Exception {
        try (Volume volume = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), 1 << 20), false)) {
            GatedDevice gated = new GatedDevice(volume);
            LeaseCountingDevices devices = new LeaseCountingDevices(gated);
            NbdServer server = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 2, 1), devices);
            byte[] data = new byte[4096];
            Arrays.fill(data, (byte) 0x3c);
            RawNbdClient client = new RawNbdClient(server.address()).connect("disk", false);
            client.request(0, RawNbdClient.CMD_WRITE, 1, 8192, data.length, data);
            assertTrue(gated.writeStarted.await(10, TimeUnit.SECONDS));

            Thread closer = new Thread(server::close, "closer");
            closer.start();
            awaitWaitingForIoOrGone(closer);
            assertTrue(closer.isAlive(), "close returned while a write was still on the disk");
            gated.release.countDown();
            closer.join(20_000);
            assertFalse(closer.isAlive(), "close finished once the write did");

            assertEquals(0, devices.openLeases());
            client.close();
            ByteBuffer back = ByteBuffer.allocateDirect(4096);
            volume.read(8192, back);
            byte[] written = new byte[4096];
            back.flip().get(written);
            assertArrayEquals(data, written, "the in-flight write completed");
        }
    }

    @Test
    void startOnABusyPortFailsWithIoExceptionNamingTheAddress() throws Exception {
        LeaseCountingDevices devices = new LeaseCountingDevices();
        try (NbdServer first = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 1, 1), devices)) {
            IOException e = Assertions.assertThrows(
                    IOException.class,
                    () -> NbdServer.start(new NbdServerConfig("127.0.0.1", first.port(), 1, 1), devices));
            assertTrue(e.getMessage().contains("127.0.0.1:" + first.port()), e.getMessage());
        }
    }

    /**
     * Returns once {@code closer} is either finished or blocked inside the dispatcher's close, waiting for
     * device I/O: the state that shows whether close waits for the write, with no guess at how long it takes.
     */
    private static void awaitWaitingForIoOrGone(Thread closer) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (System.nanoTime() < deadline) {
            Thread.State state = closer.getState();
            if (state == Thread.State.TERMINATED) {
                return;
            }
            if (state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING) {
                for (StackTraceElement frame : closer.getStackTrace()) {
                    if (frame.getClassName().startsWith("dev.flashcopy.nbd.dispatch.")
                            && frame.getMethodName().equals("close")) {
                        return;
                    }
                }
            }
            Thread.onSpinWait();
            Thread.sleep(1);
        }
        throw new AssertionError("close neither finished nor waited for the I/O threads within 20 s");
    }

    /** Holds writes until released, to keep one in flight. */
    private static final class GatedDevice extends ForwardingDevice {
        final CountDownLatch writeStarted = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);

        GatedDevice(BlockDevice delegate) {
            super(delegate);
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
            writeStarted.countDown();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            delegate.write(offset, src, fua);
        }
    }
}
