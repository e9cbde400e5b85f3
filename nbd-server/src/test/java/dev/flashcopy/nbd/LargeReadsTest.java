package dev.flashcopy.nbd;

import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_READ;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.tuning.Tunables;
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
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * READs of 32 MiB, many in flight from clients that do not read their replies yet: the server-wide reply budget
 * bounds the reply data held, as the payload budget bounds writes (LargeWritesTest).
 */
class LargeReadsTest {
    private static final int READ = 32 << 20;

    @TempDir
    Path dir;

    /**
     * Four connections each send two 32 MiB READs and read nothing back. With a reply budget of one maximum payload
     * (64 MiB) two reads hold it and every other waits, its connection reading nothing, so the server's direct
     * memory grows by about the budget, not by the eight replies (256 MiB) a connection's own backlog limit would
     * let through. Once the clients read, every reply arrives whole and the budget is all given back.
     */
    @Test
    void manyLargeReadsInFlightHoldNoMoreReplyDataThanTheBudget() throws Exception {
        int connections = 4;
        int readsEach = 2;
        long budget = NbdWire.MAX_PAYLOAD;
        ByteBufAllocator alloc = ByteBufAllocator.DEFAULT;
        try (Volume volume = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), 2L * READ), false)) {
            byte[] data = new byte[READ];
            Arrays.fill(data, (byte) 0x5c);
            volume.write(READ, ByteBuffer.wrap(data), false);
            // Not a volume: a device that lends no file, so every READ is copied into its reply (no sendfile).
            LeaseCountingDevices devices = new LeaseCountingDevices(new ForwardingDevice(volume));
            ExecutorService readers = Executors.newFixedThreadPool(connections);
            List<RawNbdClient> clients = new ArrayList<>();
            try (NbdServer server =
                    NbdServer.start(new NbdServerConfig("127.0.0.1", 0, connections, 2, budget), devices)) {
                for (int i = 0; i < connections; i++) {
                    clients.add(new RawNbdClient(server.address()).connect("disk", false));
                }
                long directBefore = usedDirectMemory(alloc);
                for (int i = 0; i < connections; i++) {
                    for (int r = 0; r < readsEach; r++) {
                        clients.get(i).request(0, CMD_READ, r, READ, READ, null);
                    }
                }
                PayloadBudget replies = server.replyBudget();
                awaitState(
                        () -> replies.used() == budget && replies.waiting() >= 2,
                        () -> "reply budget used " + replies.used() + ", connections waiting " + replies.waiting());
                Thread.sleep(200); // time for anything unbounded to pile up
                long grown = usedDirectMemory(alloc) - directBefore;
                assertTrue(grown <= budget + budget / 2, "direct memory grew by " + grown + " bytes");
                assertEquals(budget, replies.used());

                List<Future<?>> read = new ArrayList<>();
                for (RawNbdClient c : clients) {
                    read.add(readers.submit(() -> {
                        for (int r = 0; r < readsEach; r++) {
                            RawNbdClient.Chunk reply = c.readSimple(READ);
                            assertEquals(0, reply.error());
                            assertArrayEquals(data, reply.payload());
                        }
                        return null;
                    }));
                }
                for (Future<?> f : read) {
                    f.get(120, TimeUnit.SECONDS);
                }
                awaitState(() -> replies.used() == 0, () -> "reply budget still used: " + replies.used());
                assertTrue(replies.peak() <= budget, "peak " + replies.peak());
                assertEquals(0, replies.waiting());
            } finally {
                readers.shutdownNow();
                for (RawNbdClient c : clients) {
                    c.close();
                }
            }
        }
    }

    /**
     * A READ answered from the file with sendfile (a volume whose range the page cache holds, over epoll) holds no
     * reply data: its share goes back before its reply is sent.
     */
    @Test
    void aReadSentFromTheFileGivesItsReplyBudgetBackAtOnce() throws Exception {
        System.setProperty(Tunables.ZEROCOPY.name(), "always"); // a loopback client: sendfile all the same
        try (Volume volume = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), 2L * READ), false)) {
            byte[] data = new byte[READ];
            Arrays.fill(data, (byte) 0x3a);
            volume.write(0, ByteBuffer.wrap(data), false);
            try (NbdServer server = NbdServer.start(
                            new NbdServerConfig("127.0.0.1", 0, 2, 1), new LeaseCountingDevices(volume));
                    RawNbdClient client = new RawNbdClient(server.address()).connect("disk", false)) {
                client.request(0, CMD_READ, 1, 0, READ, null);
                PayloadBudget replies = server.replyBudget();
                // Not read yet, so most of the reply is still on its way: only a file region can be let go of now.
                awaitState(() -> replies.used() == 0, () -> "reply budget still used: " + replies.used());
                RawNbdClient.Chunk reply = client.readSimple(READ);
                assertEquals(0, reply.error());
                assertArrayEquals(data, reply.payload());
            }
        } finally {
            System.clearProperty(Tunables.ZEROCOPY.name());
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
}
