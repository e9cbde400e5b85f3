package dev.flashcopy.rbd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.util.List;
import java.util.SortedMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/** Positional object I/O, zeroing and omap: what a RADOS object needs to stand in for a file or a directory. */
class PoolFileOpsTest {
    @RegisterExtension
    static final TestPool POOL = new TestPool();

    private static Pool pool() {
        return POOL.pool();
    }

    @Test
    void positionalWritesReadsTruncateAndZero() throws CephException {
        String oid = TestCluster.unique("radosdisk-pos");
        try (Arena arena = Arena.ofConfined()) {
            pool().write(oid, arena.allocateFrom(ValueLayout.JAVA_BYTE, "abcdef".getBytes(UTF_8)), 6, 4);
            assertEquals(10, pool().stat(oid).size(), "a write past the end leaves zeroes before it");
            assertArrayEquals("\0\0\0\0abcdef".getBytes(UTF_8), pool().readAll(oid));

            MemorySegment dst = arena.allocate(16);
            assertEquals(3, pool().read(oid, dst, 16, 7), "short at the end");
            assertEquals("def", new String(dst.asSlice(0, 3).toArray(ValueLayout.JAVA_BYTE), UTF_8));
            assertEquals(0, pool().read(oid, dst, 16, 10));

            pool().zero(oid, 5, 2, -1);
            assertArrayEquals("\0\0\0\0a\0\0def".getBytes(UTF_8), pool().readAll(oid));
            pool().zero(oid, 0, 0, 12);
            assertEquals(12, pool().stat(oid).size());
            pool().truncate(oid, 5);
            assertArrayEquals("\0\0\0\0a".getBytes(UTF_8), pool().readAll(oid));
        }
        pool().remove(oid);
        assertEquals(
                Errno.ENOENT,
                assertThrows(CephException.class, () -> pool().zero(oid, 0, 1, -1))
                        .errno(),
                "zero never creates");
    }

    @Test
    void writePastTheObjectSizeLimitFailsWithEfbigAndChangesNothing() throws CephException {
        String oid = TestCluster.unique("radosdisk-big");
        pool().writeFull(oid, "kept".getBytes(UTF_8));
        try (Arena arena = Arena.ofConfined()) {
            CephException e = assertThrows(
                    CephException.class, () -> pool().write(oid, arena.allocate(4096), 4096, (128L << 20) - 100));
            assertEquals(Errno.EFBIG, e.errno(), e.getMessage());
        }
        assertArrayEquals("kept".getBytes(UTF_8), pool().readAll(oid));
        pool().remove(oid);
    }

    @Test
    void omapEntriesAreSetListedInOrderAndRemoved() throws CephException {
        String oid = TestCluster.unique("radosdisk-omap");
        assertEquals(
                Errno.ENOENT,
                assertThrows(CephException.class, () -> pool().omapSet(oid, "k", new byte[0], false))
                        .errno(),
                "without create, an absent object is not created");
        pool().omapSet(oid, "b", "2".getBytes(UTF_8), true);
        pool().omapSet(oid, "a", "1".getBytes(UTF_8), false);
        pool().omapSet(oid, "c", new byte[0], false);
        for (int i = 0; i < 1100; i++) { // more than two pages
            pool().omapSet(oid, String.format("p%04d", i), new byte[] {(byte) i}, false);
        }
        SortedMap<String, byte[]> all = pool().omap(oid);
        assertEquals(1103, all.size());
        assertEquals(
                List.of("a", "b", "c", "p0000"), all.keySet().stream().limit(4).toList());
        assertArrayEquals("2".getBytes(UTF_8), all.get("b"));
        assertArrayEquals(new byte[] {(byte) 1099}, all.get("p1099"));
        assertEquals(0, pool().stat(oid).size(), "omap is not content");

        pool().omapRemove(oid, "b");
        pool().omapRemove(oid, "absent");
        assertEquals(1102, pool().omap(oid).size());
        pool().remove(oid);
        assertEquals(
                Errno.ENOENT,
                assertThrows(CephException.class, () -> pool().omap(oid)).errno());
    }
}
