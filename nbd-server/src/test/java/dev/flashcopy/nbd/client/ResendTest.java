package dev.flashcopy.nbd.client;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.NbdServer;
import dev.flashcopy.nbd.NbdServerConfig;
import dev.flashcopy.nbd.listen.Endpoint;
import dev.flashcopy.nbd.testing.ForwardingDevice;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A forward that resends ({@link Reconnect#resendingFor}): requests whose connection goes away, or that find no
 * server, wait for one and complete there; a FLUSH after a loss fails once for the host whose answered writes no flush
 * covered. Against our own server, in-process, over a unix socket and a real sparse image file.
 */
class ResendTest {
    private static final long SIZE = 16L << 20;
    private static ClientLoops loops;

    @TempDir
    Path dir;

    private Volume disk;
    private HeldWrites held;
    private NbdServerConfig config;
    private RemoteExport export;
    private NbdServer far;

    @BeforeAll
    static void startLoops() {
        loops = ClientLoops.create(1);
    }

    @AfterAll
    static void stopLoops() {
        loops.close();
    }

    @BeforeEach
    void start() throws IOException {
        disk = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), SIZE), false);
        held = new HeldWrites(disk);
        Path socket = dir.resolve("far.sock");
        config = new NbdServerConfig(List.of(new Endpoint.Unix(socket)));
        export = new RemoteExport(new Endpoint.Unix(socket), "disk");
        far = NbdServer.start(config, new LeaseCountingDevices(held));
    }

    @AfterEach
    void stop() {
        held.release();
        far.close();
        disk.close();
    }

    private RemoteDevice open(Duration window) throws IOException {
        return RemoteDevice.open("disk", Dialer.of(export, loops), Reconnect.resendingFor(window));
    }

    /**
     * A look-up on a standby while the owner is gone: the first connection waits for a server to answer (instead of
     * the host being told at once that the export does not exist), and fails only when the window has passed.
     */
    @Test
    void openingWhileNoServerAnswersWaitsForOneWithinTheWindow() throws Exception {
        far.close();
        CompletableFuture<RemoteDevice> opening = CompletableFuture.supplyAsync(() -> {
            try {
                return open(Duration.ofSeconds(30));
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
        assertThrows(TimeoutException.class, () -> opening.get(700, TimeUnit.MILLISECONDS));
        far = NbdServer.start(config, new LeaseCountingDevices(held));
        try (RemoteDevice d = opening.get(30, TimeUnit.SECONDS)) {
            assertEquals(SIZE, d.size());
            byte[] data = NbdClientTest.pattern(4096, 5);
            d.write(0, ByteBuffer.wrap(data), true);
            assertArrayEquals(data, NbdClientTest.read(d, 0, data.length));
        }

        far.close();
        long started = System.nanoTime();
        assertThrows(IOException.class, () -> open(Duration.ofMillis(1500)));
        long waitedMs = (System.nanoTime() - started) / 1_000_000;
        assertTrue(waitedMs >= 1500, "gave up after " + waitedMs + " ms, before the window closed");
        assertThrows(
                IOException.class,
                () -> RemoteDevice.open("disk", Dialer.of(export, loops), Reconnect.ON_NEXT_REQUEST),
                "a policy that does not resend dials once");
    }

    @Test
    void requestsMadeWhileNoServerAnswersWaitForOneAndCompleteThere() throws Exception {
        try (RemoteDevice d = open(Duration.ofSeconds(30))) {
            far.close();
            d.connection().closed().get(5, TimeUnit.SECONDS);
            byte[] data = NbdClientTest.pattern(65536, 1);
            CompletableFuture<byte[]> writeThenRead = CompletableFuture.supplyAsync(() -> {
                try {
                    d.write(4096, ByteBuffer.wrap(data), false);
                    d.flush();
                    return NbdClientTest.read(d, 4096, data.length);
                } catch (BlockIoException e) {
                    throw new RuntimeException(e);
                }
            });
            assertThrows(TimeoutException.class, () -> writeThenRead.get(700, TimeUnit.MILLISECONDS));
            far = NbdServer.start(config, new LeaseCountingDevices(held));
            assertArrayEquals(data, writeThenRead.get(30, TimeUnit.SECONDS));
        }
    }

    @Test
    void aWriteInFlightWhenItsConnectionIsCutIsSentAgainAndCompletes() throws Exception {
        try (RemoteDevice d = open(Duration.ofSeconds(30))) {
            byte[] data = NbdClientTest.pattern(8192, 2);
            ByteBuf payload = Unpooled.wrappedBuffer(data);
            held.hold();
            CompletableFuture<Void> writing = d.startWrite(65536, payload, false);
            assertNotNull(writing, "an open connection starts a write without waiting");
            assertTrue(held.awaitArrival(), "the write reached the far device");
            NbdConnection first = d.connection();
            first.channel().close().sync(); // the connection is cut with the write in flight
            held.release();
            writing.get(30, TimeUnit.SECONDS);
            payload.release();
            assertFalse(first.isOpen());
            assertArrayEquals(data, NbdClientTest.read(d, 65536, data.length));
            assertTrue(d.connection() != first, "the write went again on a new connection");
        }
    }

    @Test
    void aFlushAfterALossFailsOnceForTheHostWhoseAnsweredWritesNoFlushCovered() throws Exception {
        try (RemoteDevice d = open(Duration.ofSeconds(30))) {
            TrackedRemoteDevice lost = new TrackedRemoteDevice(d);
            TrackedRemoteDevice flushed = new TrackedRemoteDevice(d);
            TrackedRemoteDevice durable = new TrackedRemoteDevice(d);
            TrackedRemoteDevice idle = new TrackedRemoteDevice(d);
            flushed.write(0, ByteBuffer.wrap(NbdClientTest.pattern(4096, 3)), false);
            flushed.flush();
            lost.write(8192, ByteBuffer.wrap(NbdClientTest.pattern(4096, 4)), false);
            durable.write(16384, ByteBuffer.wrap(NbdClientTest.pattern(4096, 5)), true); // FUA: durable when answered
            d.connection().channel().close().sync();

            BlockIoException e = assertThrows(BlockIoException.class, lost::flush);
            assertEquals(BlockError.IO, e.error());
            assertTrue(e.getMessage().contains("may be lost"), e.getMessage());
            lost.flush(); // reported once; nothing since is unaccounted for
            flushed.flush();
            durable.flush();
            idle.flush();

            // A write answered on the new connection and flushed there is fine.
            lost.write(8192, ByteBuffer.wrap(NbdClientTest.pattern(4096, 6)), false);
            lost.flush();
        }
    }

    @Test
    void aRequestNoServerTakesWithinTheWindowFailsWithIo() throws Exception {
        try (RemoteDevice d = open(Duration.ofMillis(800))) {
            far.close();
            d.connection().closed().get(5, TimeUnit.SECONDS);
            long start = System.nanoTime();
            BlockIoException e = assertThrows(BlockIoException.class, d::flush);
            long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
            assertEquals(BlockError.IO, e.error());
            assertTrue(e.getMessage().contains("no server took it"), e.getMessage());
            assertTrue(waited >= 700, "waited " + waited + " ms before failing");
        }
    }

    /** Passes writes through, or holds them until {@link #release()} once {@link #hold()} was called. */
    private static final class HeldWrites extends ForwardingDevice {
        private volatile CountDownLatch gate = new CountDownLatch(0);
        private final CountDownLatch arrived = new CountDownLatch(1);

        HeldWrites(BlockDevice delegate) {
            super(delegate);
        }

        void hold() {
            gate = new CountDownLatch(1);
        }

        void release() {
            gate.countDown();
        }

        boolean awaitArrival() throws InterruptedException {
            return arrived.await(10, TimeUnit.SECONDS);
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
            arrived.countDown();
            try {
                gate.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new BlockIoException(BlockError.IO, "interrupted");
            }
            super.write(offset, src, fua);
        }
    }
}
