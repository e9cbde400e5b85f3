package dev.flashcopy.rbd;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

class PoolObjectsTest {
    @RegisterExtension
    static final TestPool POOL = new TestPool();

    private static Pool pool() {
        return POOL.pool();
    }

    @Test
    void writeFullReadAppendStatRemove() throws CephException {
        String oid = TestCluster.unique("obj");
        Instant before = Instant.now().minusSeconds(5);
        pool().writeFull(oid, "catalog v1".getBytes(UTF_8));
        assertArrayEquals("catalog v1".getBytes(UTF_8), pool().readAll(oid));

        pool().writeFull(oid, "v2".getBytes(UTF_8));
        assertArrayEquals("v2".getBytes(UTF_8), pool().readAll(oid), "write_full replaces, not overlays");

        pool().append(oid, "+rec1".getBytes(UTF_8));
        pool().append(oid, "+rec2".getBytes(UTF_8));
        ObjectStat stat = pool().stat(oid);
        assertEquals(12, stat.size());
        assertTrue(!stat.modified().isBefore(before.truncatedTo(ChronoUnit.SECONDS)), stat.toString());
        assertArrayEquals("+rec1".getBytes(UTF_8), pool().read(oid, 2, 5));
        assertArrayEquals("rec2".getBytes(UTF_8), pool().read(oid, 8, 100), "a read past the end is short");

        pool().remove(oid);
        CephException gone = assertThrows(CephException.class, () -> pool().stat(oid));
        assertEquals(Errno.ENOENT, gone.errno());
        assertEquals("rados_stat(rbd/" + oid + "): ENOENT", gone.getMessage());
        assertEquals(
                Errno.ENOENT,
                assertThrows(CephException.class, () -> pool().readAll(oid)).errno());
        assertEquals(
                Errno.ENOENT,
                assertThrows(CephException.class, () -> pool().remove(oid)).errno());
    }

    @Test
    void everyWriteMovesTheVersion() throws CephException {
        String oid = TestCluster.unique("ver");
        long v1 = pool().writeFull(oid, new byte[] {1});
        long v2 = pool().append(oid, new byte[] {2});
        assertTrue(v2 > v1, v1 + " then " + v2);
        assertEquals(v2, pool().stat(oid).version());
        pool().remove(oid);
    }

    @Test
    void versionGuardedWriteFailsOnceSomeoneElseWrote() throws CephException {
        String oid = TestCluster.unique("guard");
        long seen = pool().writeFull(oid, "mine".getBytes(UTF_8));

        long next = pool().writeFullIfVersion(oid, "mine, updated".getBytes(UTF_8), seen);
        assertTrue(next > seen);
        assertArrayEquals("mine, updated".getBytes(UTF_8), pool().readAll(oid));

        // Another writer (here: another connection, as another server would be) moves the object on.
        try (RadosCluster other = TestCluster.connect();
                Pool otherPool = other.openPool(TestCluster.POOL)) {
            otherPool.writeFull(oid, "theirs".getBytes(UTF_8));
        }
        CephException stale = assertThrows(
                CephException.class, () -> pool().writeFullIfVersion(oid, "lost update".getBytes(UTF_8), next));
        assertEquals(Errno.ERANGE, stale.errno(), stale.getMessage());
        assertEquals("rados_write_op_operate", stale.call());
        assertArrayEquals("theirs".getBytes(UTF_8), pool().readAll(oid), "nothing written by the failed guard");

        long current = pool().stat(oid).version();
        pool().writeFullIfVersion(oid, "merged".getBytes(UTF_8), current);
        assertArrayEquals("merged".getBytes(UTF_8), pool().readAll(oid));
        pool().remove(oid);

        CephException absent =
                assertThrows(CephException.class, () -> pool().writeFullIfVersion(oid, new byte[] {1}, current));
        assertEquals(Errno.ENOENT, absent.errno());
    }

    @Test
    void exclusiveCreateFailsWhenTheObjectExists() throws CephException {
        String oid = TestCluster.unique("lease");
        pool().create(oid, "owner A".getBytes(UTF_8));
        CephException taken = assertThrows(CephException.class, () -> pool().create(oid, "owner B".getBytes(UTF_8)));
        assertEquals(Errno.EEXIST, taken.errno());
        assertArrayEquals("owner A".getBytes(UTF_8), pool().readAll(oid));
        pool().remove(oid);
    }

    @Test
    void emptyObjectHasSizeZero() throws CephException {
        String oid = TestCluster.unique("empty");
        pool().writeFull(oid, new byte[0]);
        assertEquals(0, pool().stat(oid).size());
        assertArrayEquals(new byte[0], pool().readAll(oid));
        pool().remove(oid);
    }
}
