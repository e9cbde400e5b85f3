package dev.flashcopy.nbd;

import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_READ;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_WRITE;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockDevice;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.testing.ForwardingDevice;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.RawNbdClient;
import dev.flashcopy.nbd.transmission.PayloadBudget;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Writes of the full advertised maximum payload (64 MiB), alone and many at once under the payload budget. */
class LargeWritesTest {
    private static final int MAX = NbdWire.MAX_PAYLOAD;

    @TempDir
    Path dir;

    @Test
    void aWriteOfTheMaximumPayloadReadsBackWhole() throws Exception {
        byte[] data = new byte[MAX];
        new Random(64).nextBytes(data);
        try (Volume volume = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), 2L * MAX), false)) {
            LeaseCountingDevices devices = new LeaseCountingDevices(volume);
            try (NbdServer server = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 2, 1), devices);
                    RawNbdClient client = new RawNbdClient(server.address()).connect("disk", false)) {
                client.request(0, CMD_WRITE, 1, 4096, MAX, data);
                assertEquals(0, client.readSimple(0).error());
                client.request(0, CMD_READ, 2, 4096, MAX, null);
                RawNbdClient.Chunk reply = client.readSimple(MAX);
                assertEquals(0, reply.error());
                assertArrayEquals(data, reply.payload());
                assertEquals(0, server.payloadBudget().used(), "the payload's reservation went back with it");
            }
        }
    }

    /**
     * Four connections each send a 64 MiB write to a device that holds writes: with a budget of two such
     * payloads, two are held and the other two connections wait, reading nothing, so the server's direct
     * memory grows by about the budget, not by four payloads. Released, all four complete.
     */
    @Test
    void manyConnectionsWritingTheMaximumPayloadHoldNoMoreThanTheBudget() throws Exception {
        int connections = 4;
        long budget = 2L * MAX;
        byte[] data = new byte[MAX];
        new Random(65).nextBytes(data);
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        try (Volume volume = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), 2L * MAX), false)) {
            HeldWrites device = new HeldWrites(volume);
            LeaseCountingDevices devices = new LeaseCountingDevices(device);
            ExecutorService senders = Executors.newFixedThreadPool(connections);
            List<RawNbdClient> clients = new ArrayList<>();
            try (NbdServer server =
                    NbdServer.start(new NbdServerConfig("127.0.0.1", 0, connections, 2, budget), devices)) {
                for (int i = 0; i < connections; i++) {
                    clients.add(new RawNbdClient(server.address()).connect("disk", false));
                }
                long directBefore = usedDirectMemory(alloc);
                List<Future<?>> sent = new ArrayList<>();
                for (int i = 0; i < connections; i++) {
                    RawNbdClient c = clients.get(i);
                    long cookie = i;
                    sent.add(senders.submit(() -> {
                        c.request(0, CMD_WRITE, cookie, 0, MAX, data);
                        return null;
                    }));
                }
                PayloadBudget payloads = server.payloadBudget();
                awaitState(
                        () -> device.started.get() == 2 && payloads.waiting() == 2,
                        () -> "writes on the device " + device.started.get() + ", connections waiting "
                                + payloads.waiting());
                assertEquals(budget, payloads.used());
                long grown = usedDirectMemory(alloc) - directBefore;
                // Two held payloads (a gathered payload holds at most twice its size in receive buffers), and
                // at most one receive buffer (1 MiB) each waiting connection read before it stopped; the four
                // payloads all read would be 256 MiB and more.
                assertTrue(grown <= budget + budget / 2, "direct memory grew by " + grown + " bytes");

                device.release.countDown();
                for (Future<?> f : sent) {
                    f.get(60, TimeUnit.SECONDS);
                }
                for (RawNbdClient c : clients) {
                    assertEquals(0, c.readSimple(0).error());
                }

                assertEquals(connections, device.completed.get());
                assertTrue(payloads.peak() <= budget, "peak " + payloads.peak());
                assertEquals(0, payloads.used());
            } finally {
                device.release.countDown();
                senders.shutdownNow();
                for (RawNbdClient c : clients) {
                    c.close();
                }
            }
        }
    }

    private static long usedDirectMemory(ByteBufAllocator alloc) {
        return ((ByteBufAllocatorMetricProvider) alloc).metric().usedDirectMemory();
    }

    /** Polls {@code reached} until true; fails naming {@code state} after 60 s. */
    private static void awaitState(BooleanSupplier reached, Supplier<String> state) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!reached.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("not reached within 60 s: " + state.get());
            }
            Thread.sleep(5);
        }
    }

    /** Holds every write until released, then drops its data (the test is about memory, not the disk). */
    private static final class HeldWrites extends ForwardingDevice {
        final AtomicInteger started = new AtomicInteger();
        final AtomicInteger completed = new AtomicInteger();
        final CountDownLatch release = new CountDownLatch(1);

        HeldWrites(BlockDevice delegate) {
            super(delegate);
        }

        @Override
        public void write(long offset, ByteBuffer src, boolean fua) throws BlockIoException {
            hold();
        }

        @Override
        public void write(long offset, ByteBuffer[] srcs, boolean fua) throws BlockIoException {
            hold();
        }

        private void hold() {
            started.incrementAndGet();
            try {
                release.await();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            completed.incrementAndGet();
        }
    }
}
