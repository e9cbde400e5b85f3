package dev.flashcopy.nbd;

import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_BLOCK_STATUS;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_CACHE;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_DISC;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_FLUSH;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_READ;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_TRIM;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_WRITE;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_WRITE_ZEROES;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.protocol.NbdWire;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.RawNbdClient;
import dev.flashcopy.nbd.testing.RawNbdClient.Chunk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The server over real sockets, on sparse image files, spoken to byte by byte. */
class NbdServerSocketTest {
    private static final long SIZE = 8L << 20;
    private static final int MIB = 1 << 20;
    private static final int FUA = 1;
    private static final int NO_HOLE = 2;
    private static final int DF = 4;
    private static final int REQ_ONE = 8;
    private static final int FAST_ZERO = 16;
    private static final int EPERM = 1;
    private static final int EINVAL = 22;
    private static final int ENOSPC = 28;
    private static final int TYPE_OFFSET_DATA = 1;
    private static final int TYPE_OFFSET_HOLE = 2;
    private static final int TYPE_BLOCK_STATUS = 5;
    private static final int TYPE_ERROR = 0x8001;

    @TempDir
    Path dir;

    private Volume disk;
    private Volume readOnly;
    private LeaseCountingDevices devices;
    private NbdServer server;

    @BeforeEach
    void start() throws IOException {
        disk = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), SIZE), false);
        readOnly = new Volume("ro", ImageFile.create(dir.resolve("ro.img"), SIZE), true);
        devices = new LeaseCountingDevices(disk, readOnly);
        server = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 4, 2), devices);
    }

    @AfterEach
    void stop() {
        server.close();
        assertEquals(0, devices.openLeases(), "leases left open after close");
        disk.close();
        readOnly.close();
    }

    private RawNbdClient client(boolean structured) throws IOException {
        return new RawNbdClient(server.address()).connect("disk", structured);
    }

    private static byte[] pattern(int length, long seed) {
        byte[] bytes = new byte[length];
        new Random(seed).nextBytes(bytes);
        return bytes;
    }

    private static byte[] readSimple(RawNbdClient c, long offset, int length) throws IOException {
        c.request(0, CMD_READ, 77, offset, length, null);
        Chunk reply = c.readSimple(length);
        assertEquals(0, reply.error());
        assertEquals(77, reply.cookie());
        return reply.payload();
    }

    private static int simpleError(RawNbdClient c, int flags, int type, long offset, long length, byte[] payload)
            throws IOException {
        c.request(flags, type, 5, offset, length, payload);
        Chunk reply = c.readSimple(0);
        assertEquals(5, reply.cookie());
        return reply.error();
    }

    /** Reassembles a structured read into bytes, checking every chunk stays inside the request. */
    private static byte[] assemble(List<Chunk> chunks, long offset, int length) {
        byte[] data = new byte[length];
        for (Chunk chunk : chunks) {
            ByteBuffer p = ByteBuffer.wrap(chunk.payload());
            if (chunk.type() == TYPE_OFFSET_DATA) {
                int at = (int) (p.getLong() - offset);
                p.get(data, at, p.remaining());
            } else if (chunk.type() == TYPE_OFFSET_HOLE) {
                long at = p.getLong() - offset;
                assertTrue(at >= 0 && at + p.getInt() <= length, "hole outside the request");
            }
        }
        return data;
    }

    @Test
    void writtenDataReadsBackWithSimpleReplies() throws IOException {
        byte[] data = pattern(128 * 1024, 1);
        try (RawNbdClient c = client(false)) {
            assertEquals(SIZE, c.exportSize);
            assertEquals(0, simpleError(c, 0, CMD_WRITE, 4096, data.length, data));
            assertArrayEquals(data, readSimple(c, 4096, data.length));
        }
    }

    @Test
    void largeWriteStreamedInPiecesReadsBack() throws IOException {
        byte[] data = pattern(4 * MIB, 2);
        try (RawNbdClient c = client(true)) {
            c.request(FUA, CMD_WRITE, 9, MIB, data.length, data);
            assertEquals(0, c.readChunk().error());
            c.request(0, CMD_READ, 10, MIB, data.length, null);
            assertArrayEquals(data, assemble(c.readReply(), MIB, data.length));
        }
    }

    @Test
    void readOfHoleReturnsHoleChunkInStructuredMode() throws IOException {
        try (RawNbdClient c = client(true)) {
            c.request(0, CMD_READ, 3, 2 * MIB, 65536, null);
            List<Chunk> reply = c.readReply();
            assertEquals(1, reply.size());
            Chunk hole = reply.getFirst();
            assertEquals(TYPE_OFFSET_HOLE, hole.type());
            assertTrue(hole.done());
            ByteBuffer p = ByteBuffer.wrap(hole.payload());
            assertEquals(2 * MIB, p.getLong());
            assertEquals(65536, p.getInt());
        }
    }

    @Test
    void structuredReadOfDataThenHoleSendsBothInOrder() throws IOException {
        byte[] data = pattern(65536, 3);
        try (RawNbdClient c = client(true)) {
            c.request(0, CMD_WRITE, 1, 0, data.length, data);
            assertEquals(0, c.readChunk().error());
            c.request(0, CMD_READ, 2, 0, 2 * 65536, null);
            List<Chunk> reply = c.readReply();
            assertEquals(
                    List.of(TYPE_OFFSET_DATA, TYPE_OFFSET_HOLE),
                    reply.stream().map(Chunk::type).toList());
            byte[] expected = Arrays.copyOf(data, 2 * 65536);
            assertArrayEquals(expected, assemble(reply, 0, 2 * 65536));
        }
    }

    @Test
    void readWithDontFragmentSendsOneDataChunkOverHoles() throws IOException {
        try (RawNbdClient c = client(true)) {
            c.request(DF, CMD_READ, 4, 3 * MIB, 8192, null);
            List<Chunk> reply = c.readReply();
            assertEquals(1, reply.size());
            assertEquals(TYPE_OFFSET_DATA, reply.getFirst().type());
            assertArrayEquals(new byte[8192], assemble(reply, 3 * MIB, 8192));
        }
    }

    @Test
    void blockStatusReportsDataAndHoleExtentsWithinTheRequest() throws IOException {
        try (RawNbdClient c = client(true)) {
            c.request(0, CMD_WRITE, 1, MIB, 65536, pattern(65536, 4));
            assertEquals(0, c.readChunk().error());
            c.request(0, CMD_BLOCK_STATUS, 2, MIB - 65536, 3 * 65536, null);
            List<Chunk> reply = c.readReply();
            assertEquals(1, reply.size());
            assertEquals(TYPE_BLOCK_STATUS, reply.getFirst().type());
            ByteBuffer p = ByteBuffer.wrap(reply.getFirst().payload());
            p.getInt(); // context id
            long[][] extents = {{65536, 3}, {65536, 0}, {65536, 3}};
            for (long[] extent : extents) {
                assertEquals(extent[0], p.getInt() & 0xffffffffL);
                assertEquals(extent[1], p.getInt());
            }
            assertEquals(0, p.remaining(), "no extent beyond the request");

            c.request(REQ_ONE, CMD_BLOCK_STATUS, 3, MIB - 65536, 3 * 65536, null);
            assertEquals(4 + 8, c.readReply().getFirst().payload().length);
        }
    }

    @Test
    void trimAndZeroMakeRangesReadAsZeroes() throws IOException {
        try (RawNbdClient c = client(false)) {
            byte[] data = pattern(3 * 65536, 5);
            assertEquals(0, simpleError(c, 0, CMD_WRITE, 0, data.length, data));
            assertEquals(0, simpleError(c, 0, CMD_TRIM, 0, 65536, null));
            assertEquals(0, simpleError(c, FUA, CMD_WRITE_ZEROES, 65536, 65536, null));
            assertEquals(0, simpleError(c, NO_HOLE, CMD_WRITE_ZEROES, 2 * 65536, 65536, null));
            assertEquals(0, simpleError(c, 0, CMD_FLUSH, 0, 0, null));
            assertEquals(0, simpleError(c, 0, CMD_CACHE, 0, 65536, null));
            assertArrayEquals(new byte[3 * 65536], readSimple(c, 0, 3 * 65536));
        }
    }

    @Test
    void fastZeroWithNoHoleOverDataReadsZeroesInStructuredMode() throws IOException {
        // (Whether the range stays allocated is the file system's business: ext4 reports an
        // unwritten extent from FALLOC_FL_ZERO_RANGE as a hole to SEEK_HOLE.)
        byte[] data = pattern(65536, 10);
        try (RawNbdClient c = client(true)) {
            c.request(0, CMD_WRITE, 1, 5 * MIB, data.length, data);
            assertEquals(0, c.readChunk().error());
            c.request(NO_HOLE | FAST_ZERO, CMD_WRITE_ZEROES, 2, 5 * MIB, 65536, null);
            assertEquals(0, c.readChunk().error());
            c.request(0, CMD_READ, 3, 5 * MIB, 65536, null);
            assertArrayEquals(new byte[65536], assemble(c.readReply(), 5 * MIB, 65536));
        }
    }

    @Test
    void badRequestsGetTheirErrorsAndLeaveTheConnectionUsable() throws IOException {
        byte[] data = pattern(4096, 6);
        try (RawNbdClient c = client(false)) {
            assertEquals(0, simpleError(c, 0, CMD_WRITE, SIZE - 4096, 4096, data));
            assertEquals(EINVAL, simpleError(c, 0, CMD_READ, SIZE - 4096, 8192, null));
            assertEquals(EINVAL, simpleError(c, 0, CMD_READ, -4096, 4096, null));
            assertEquals(ENOSPC, simpleError(c, 0, CMD_WRITE, SIZE - 2048, 4096, data));
            assertEquals(ENOSPC, simpleError(c, 0, CMD_TRIM, SIZE, 1, null));
            assertEquals(ENOSPC, simpleError(c, 0, CMD_WRITE_ZEROES, SIZE - 1, 2, null));
            assertEquals(EINVAL, simpleError(c, 0, CMD_CACHE, SIZE, 4096, null));
            assertEquals(EINVAL, simpleError(c, 0, 42, 0, 0, null));
            assertEquals(EINVAL, simpleError(c, REQ_ONE, CMD_WRITE, 0, 4096, data), "flag not valid for WRITE");
            assertEquals(EINVAL, simpleError(c, 0, CMD_BLOCK_STATUS, 0, 4096, null), "no meta context");
            assertEquals(0, simpleError(c, 0, CMD_READ, 0, 0, null), "zero-length read");
            assertEquals(0, simpleError(c, 0, CMD_WRITE, 0, 0, new byte[0]), "zero-length write");
            assertEquals(0, simpleError(c, 0, CMD_TRIM, 0, 0, null), "zero-length trim");
            assertArrayEquals(data, readSimple(c, SIZE - 4096, 4096), "data unharmed");
        }
    }

    @Test
    void errorsInStructuredModeAreErrorChunksWithShortMessages() throws IOException {
        try (RawNbdClient c = client(true)) {
            c.request(0, CMD_READ, 8, SIZE, 4096, null);
            Chunk error = c.readChunk();
            assertEquals(TYPE_ERROR, error.type());
            assertTrue(error.done());
            assertEquals(EINVAL, error.error());
            ByteBuffer p = ByteBuffer.wrap(error.payload());
            p.getInt();
            int messageLength = p.getShort();
            assertEquals(p.remaining(), messageLength);
            assertTrue(messageLength > 0 && messageLength <= 200, "message length " + messageLength);
        }
    }

    @Test
    void writesToReadOnlyExportAreRefusedWithEperm() throws IOException {
        try (RawNbdClient c = new RawNbdClient(server.address()).connect("ro", false)) {
            assertTrue((c.transmissionFlags & 2) != 0, "READ_ONLY flag");
            assertEquals(EPERM, simpleError(c, 0, CMD_WRITE, 0, 4096, new byte[4096]));
            assertEquals(EPERM, simpleError(c, 0, CMD_TRIM, 0, 4096, null));
            assertEquals(EPERM, simpleError(c, 0, CMD_WRITE_ZEROES, 0, 4096, null));
            assertArrayEquals(new byte[4096], readSimple(c, 0, 4096));
        }
    }

    @Test
    void oversizedWriteIsRefusedAfterItsPayloadAndTheConnectionGoesOn() throws IOException {
        int length = NbdWire.MAX_PAYLOAD + 4096;
        try (RawNbdClient c = client(false)) {
            c.request(0, CMD_WRITE, 11, 0, length, null);
            byte[] junk = new byte[MIB];
            Arrays.fill(junk, (byte) 0x5a);
            for (int sent = 0; sent < length; sent += junk.length) {
                c.sendRaw(Arrays.copyOf(junk, Math.min(junk.length, length - sent)));
            }
            Chunk reply = c.readSimple(0);
            assertEquals(11, reply.cookie());
            assertEquals(EINVAL, reply.error());
            assertArrayEquals(new byte[4096], readSimple(c, 0, 4096), "payload was not written");
            byte[] data = pattern(4096, 12);
            c.request(0, CMD_WRITE, 12, 0, data.length, data);
            assertEquals(0, c.readSimple(0).error(), "the next write is served");
            assertArrayEquals(data, readSimple(c, 0, 4096));
        }
    }

    @Test
    void garbageClosesOnlyThatConnection() throws IOException {
        byte[] data = pattern(8192, 7);
        try (RawNbdClient good = client(true)) {
            good.request(0, CMD_WRITE, 1, 6 * MIB, data.length, data);
            assertEquals(0, good.readChunk().error());
            try (RawNbdClient bad = client(false)) {
                bad.sendRaw(pattern(64, 8));
                assertTrue(bad.closedByServer());
            }
            try (RawNbdClient badFlags = new RawNbdClient(server.address())) {
                badFlags.greet(0x80);
                assertTrue(badFlags.closedByServer());
            }
            good.request(0, CMD_READ, 2, 6 * MIB, data.length, null);
            assertArrayEquals(data, assemble(good.readReply(), 6 * MIB, data.length));
        }
        try (RawNbdClient second = client(false)) {
            assertArrayEquals(data, readSimple(second, 6 * MIB, data.length));
        }
    }

    @Test
    void pipelinedRequestsAllGetRepliesAndDiscClosesAfterThem() throws IOException {
        int count = 200;
        try (RawNbdClient c = client(false)) {
            for (int i = 0; i < count; i++) {
                c.request(i % 10 == 0 ? FUA : 0, CMD_WRITE, i, (long) i * 4096, 4096, pattern(4096, 100 + i));
            }
            c.request(0, CMD_FLUSH, count, 0, 0, null);
            c.request(0, CMD_DISC, count + 1, 0, 0, null);
            Set<Long> cookies = new HashSet<>();
            for (int i = 0; i <= count; i++) {
                Chunk reply = c.readSimple(0);
                assertEquals(0, reply.error());
                cookies.add(reply.cookie());
            }
            assertEquals(count + 1, cookies.size());
            assertTrue(c.closedByServer());
        }
        try (RawNbdClient c = client(false)) {
            for (int i = 0; i < count; i += 37) {
                assertArrayEquals(pattern(4096, 100 + i), readSimple(c, (long) i * 4096, 4096));
            }
        }
    }

    @Test
    void writesOnOneConnectionAreVisibleOnAnother() throws IOException {
        byte[] data = pattern(65536, 9);
        try (RawNbdClient writer = client(false);
                RawNbdClient reader = client(true)) {
            assertEquals(0, simpleError(writer, 0, CMD_WRITE, 7 * MIB, data.length, data));
            assertEquals(0, simpleError(writer, 0, CMD_FLUSH, 0, 0, null));
            reader.request(0, CMD_READ, 1, 7 * MIB, data.length, null);
            assertArrayEquals(data, assemble(reader.readReply(), 7 * MIB, data.length));
            assertTrue((writer.transmissionFlags & 0x100) != 0, "CAN_MULTI_CONN");
        }
    }
}
