package dev.flashcopy.nbd;

import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_BLOCK_STATUS;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_READ;
import static dev.flashcopy.nbd.testing.RawNbdClient.CMD_WRITE;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.volume.ImageFile;
import dev.flashcopy.engine.volume.Volume;
import dev.flashcopy.nbd.testing.DirtyMapVolume;
import dev.flashcopy.nbd.testing.LeaseCountingDevices;
import dev.flashcopy.nbd.testing.RawNbdClient;
import dev.flashcopy.nbd.testing.RawNbdClient.Chunk;
import dev.flashcopy.nbd.testing.RawNbdClient.OptionReply;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Dirty maps as {@code qemu:dirty-bitmap:*} metadata contexts, over a real socket. */
class NbdServerDirtyMapTest {
    private static final long SIZE = 8L << 20;
    private static final int G = 65536;
    private static final int REQ_ONE = 8;
    private static final int EINVAL = 22;
    private static final int LIST = 9;
    private static final int SET = 10;
    private static final int ACK = 1;
    private static final int META_CONTEXT = 4;
    private static final int TYPE_BLOCK_STATUS = 5;
    private static final int TYPE_ERROR = 0x8001;
    private static final String TO_COPY = "qemu:dirty-bitmap:to-copy";
    private static final String CHANGED = "qemu:dirty-bitmap:changed";
    private static final String ALLOCATION = "base:allocation";

    @TempDir
    Path dir;

    private Volume disk;
    private DirtyMapVolume maps;
    private LeaseCountingDevices devices;
    private NbdServer server;

    @BeforeEach
    void start() throws IOException {
        disk = new Volume("disk", ImageFile.create(dir.resolve("disk.img"), SIZE), false);
        maps = new DirtyMapVolume(disk, G);
        maps.map("to-copy", 0, 1, 2, 5);
        maps.map("changed", 3);
        devices = new LeaseCountingDevices(maps);
        server = NbdServer.start(new NbdServerConfig("127.0.0.1", 0, 4, 2), devices);
    }

    @AfterEach
    void stop() {
        server.close();
        assertEquals(0, devices.openLeases(), "leases left open after close");
        disk.close();
    }

    /** Names a LIST or SET answers with, each with its id. */
    private Map<String, Integer> negotiate(int option, String... queries) throws IOException {
        try (RawNbdClient c = new RawNbdClient(server.address())) {
            c.greet(3);
            c.sendOption(8, new byte[0]);
            c.readOptionReplies();
            c.sendOption(option, RawNbdClient.metaData("disk", queries));
            List<OptionReply> replies = c.readOptionReplies();
            assertEquals(ACK, replies.getLast().type());
            Map<String, Integer> names = new HashMap<>();
            for (OptionReply r : replies.subList(0, replies.size() - 1)) {
                assertEquals(META_CONTEXT, r.type());
                ByteBuffer b = ByteBuffer.wrap(r.data());
                int id = b.getInt();
                names.put(StandardCharsets.UTF_8.decode(b).toString(), id);
            }
            return names;
        }
    }

    /** Descriptors of one chunk as {length, flags} pairs. */
    private static List<long[]> descriptors(Chunk chunk) {
        ByteBuffer p = ByteBuffer.wrap(chunk.payload());
        p.getInt();
        List<long[]> out = new ArrayList<>();
        while (p.hasRemaining()) {
            out.add(new long[] {p.getInt() & 0xffffffffL, p.getInt()});
        }
        return out;
    }

    private static void assertRuns(List<long[]> actual, long[]... expected) {
        assertEquals(expected.length, actual.size(), "descriptor count");
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i][0], actual.get(i)[0], "length of descriptor " + i);
            assertEquals(expected[i][1], actual.get(i)[1], "flags of descriptor " + i);
        }
    }

    @Test
    void listOffersDirtyMapsUnderTheQemuPrefixes() throws IOException {
        assertEquals(Map.of(ALLOCATION, 0, TO_COPY, 0, CHANGED, 0), negotiate(LIST));
        assertEquals(Map.of(TO_COPY, 0, CHANGED, 0), negotiate(LIST, "qemu:"));
        assertEquals(Map.of(TO_COPY, 0, CHANGED, 0), negotiate(LIST, "qemu:dirty-bitmap:"));
        assertEquals(Map.of(CHANGED, 0), negotiate(LIST, CHANGED, "qemu:dirty-bitmap:nope"));
        assertEquals(Map.of(ALLOCATION, 0), negotiate(LIST, "base:"));
        assertEquals(Map.of(), negotiate(LIST, "qemu:allocation-depth", "x-other:"));
    }

    @Test
    void setSelectsExactNamesOnceWithDistinctIds() throws IOException {
        Map<String, Integer> ids =
                negotiate(SET, "qemu:dirty-bitmap:", CHANGED, ALLOCATION, CHANGED, "qemu:dirty-bitmap:nope", "qemu:");
        assertEquals(
                List.of(ALLOCATION, CHANGED), ids.keySet().stream().sorted().toList());
        assertTrue(!ids.get(ALLOCATION).equals(ids.get(CHANGED)), "distinct ids: " + ids);
    }

    @Test
    void blockStatusAnswersEveryContextInItsOwnChunkAsMergedRuns() throws IOException {
        try (RawNbdClient c = new RawNbdClient(server.address())) {
            Map<String, Integer> ids = c.connect("disk", ALLOCATION, TO_COPY, CHANGED);
            assertEquals(3, ids.size());
            c.request(0, CMD_WRITE, 1, G, G, new byte[G]);
            assertEquals(0, c.readChunk().error());
            c.request(0, CMD_BLOCK_STATUS, 2, G / 2, 6 * G, null); // grain 0.5 to grain 6.5
            List<Chunk> reply = c.readReply();
            assertEquals(3, reply.size(), "one chunk per context");
            Map<Integer, List<long[]>> byId = new HashMap<>();
            for (int i = 0; i < reply.size(); i++) {
                Chunk chunk = reply.get(i);
                assertEquals(TYPE_BLOCK_STATUS, chunk.type());
                assertEquals(i == reply.size() - 1, (chunk.flags() & 1) != 0, "DONE on the last chunk only");
                byId.put(ByteBuffer.wrap(chunk.payload()).getInt(), descriptors(chunk));
            }
            assertEquals(
                    ids.values().stream().sorted().toList(),
                    byId.keySet().stream().sorted().toList());
            assertRuns(
                    byId.get(ids.get(TO_COPY)),
                    new long[] {G / 2 + 2 * G, 1},
                    new long[] {2 * G, 0},
                    new long[] {G, 1},
                    new long[] {G / 2, 0});
            assertRuns(byId.get(ids.get(CHANGED)), new long[] {G / 2 + 2 * G, 0}, new long[] {G, 1}, new long[] {
                G / 2 + 2 * G, 0
            });
            assertRuns(byId.get(ids.get(ALLOCATION)), new long[] {G / 2, 3}, new long[] {G, 0}, new long[] {
                4 * G + G / 2, 3
            });
        }
    }

    @Test
    void requestOneGivesOneDescriptorPerContextWithinTheLength() throws IOException {
        try (RawNbdClient c = new RawNbdClient(server.address())) {
            Map<String, Integer> ids = c.connect("disk", TO_COPY, CHANGED);
            c.request(REQ_ONE, CMD_BLOCK_STATUS, 1, 2 * G + 100, 3 * G, null);
            List<Chunk> reply = c.readReply();
            assertEquals(2, reply.size());
            for (Chunk chunk : reply) {
                int id = ByteBuffer.wrap(chunk.payload()).getInt();
                long[] only = descriptors(chunk).getFirst();
                assertEquals(1, descriptors(chunk).size());
                if (id == ids.get(TO_COPY)) {
                    assertEquals(G - 100, only[0]);
                    assertEquals(1, only[1]);
                } else {
                    assertEquals(G - 100, only[0]);
                    assertEquals(0, only[1]);
                }
            }
        }
    }

    @Test
    void aMapThatIsGoneFailsTheRequestAndTheConnectionGoesOn() throws IOException {
        try (RawNbdClient c = new RawNbdClient(server.address())) {
            c.connect("disk", ALLOCATION, CHANGED);
            maps.drop("changed");
            c.request(0, CMD_BLOCK_STATUS, 1, 0, G, null);
            List<Chunk> reply = c.readReply();
            assertEquals(1, reply.size(), "an error instead of a lying status: " + reply);
            assertEquals(TYPE_ERROR, reply.getFirst().type());
            assertEquals(EINVAL, reply.getFirst().error());
            c.request(0, CMD_READ, 2, 0, 4096, null);
            assertEquals(0, c.readReply().getFirst().error());
        }
    }
}
