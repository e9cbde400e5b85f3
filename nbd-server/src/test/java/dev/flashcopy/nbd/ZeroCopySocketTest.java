package dev.flashcopy.nbd;

import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_READ;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.tuning.Tunables;
import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.LendCountingVolume;
import dev.flashcopy.nbd.testing.RawNbdClient;
import dev.flashcopy.nbd.testing.RawNbdClient.Chunk;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Large reads sent from the image file itself (sendfile under epoll, transferTo under NIO; io_uring copies)
 * over real sockets: pipelined replies arrive whole, each with its own data, and every hold on the file is
 * given back once the replies are sent.
 */
class ZeroCopySocketTest {
    private static final int MIB = 1 << 20;
    private static final int READS = 8;
    private static final int TYPE_OFFSET_DATA = 1;

    @TempDir
    Path dir;

    @ParameterizedTest
    @ValueSource(strings = {"epoll", "io_uring", "nio"})
    void pipelinedLargeReadsArriveWholeWithSimpleAndStructuredReplies(String transport) throws Exception {
        byte[] image = new byte[READS * MIB];
        new Random(9).nextBytes(image);
        String before = System.getProperty(Transport.PROPERTY);
        System.setProperty(Transport.PROPERTY, transport);
        System.setProperty(Tunables.ZEROCOPY.name(), "always"); // a loopback client: sendfile all the same
        try (Volume volume = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), image.length), false)) {
            volume.write(0, ByteBuffer.wrap(image), false);
            LendCountingVolume device = new LendCountingVolume(volume);
            LeaseCountingDevices devices = new LeaseCountingDevices(device);
            NbdServer server = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 2, 2), devices);
            try {
                for (boolean structured : new boolean[] {false, true}) {
                    try (RawNbdClient c = new RawNbdClient(server.address()).connect("disk", structured)) {
                        for (int i = 0; i < READS; i++) {
                            c.request(0, CMD_READ, 100 + i, (long) i * MIB, MIB, null);
                        }
                        Map<Long, byte[]> replies = new HashMap<>();
                        for (int i = 0; i < READS; i++) {
                            Chunk reply = structured ? dataChunk(c.readReply()) : c.readSimple(MIB);
                            replies.put(reply.cookie(), reply.payload());
                        }
                        for (int i = 0; i < READS; i++) {
                            byte[] expected = Arrays.copyOfRange(image, i * MIB, (i + 1) * MIB);
                            assertArrayEquals(expected, replies.get(100L + i), "read " + i + " over " + transport);
                        }
                    }
                }
            } finally {
                server.close();
            }
            if (transport.equals("io_uring")) {
                assertEquals(0, device.lent.get(), "io_uring copies: its splice cost as much as the copy");
            } else {
                assertTrue(device.lent.get() >= READS, "cached 1 MiB reads go out from the file: " + device.lent);
            }
            assertEquals(0, device.outstanding.get(), "every hold given back");
        } finally {
            System.clearProperty(Tunables.ZEROCOPY.name());
            if (before == null) {
                System.clearProperty(Transport.PROPERTY);
            } else {
                System.setProperty(Transport.PROPERTY, before);
            }
        }
    }

    /** A one-chunk structured read's data, with the offset prefix stripped. */
    private static Chunk dataChunk(List<Chunk> reply) {
        assertEquals(1, reply.size());
        Chunk chunk = reply.getFirst();
        assertEquals(TYPE_OFFSET_DATA, chunk.type());
        byte[] p = chunk.payload();
        return new Chunk(
                chunk.flags(), chunk.type(), chunk.cookie(), Arrays.copyOfRange(p, 8, p.length), chunk.error());
    }
}
