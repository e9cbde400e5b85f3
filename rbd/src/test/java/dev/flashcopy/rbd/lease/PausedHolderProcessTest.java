package dev.flashcopy.rbd.lease;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.rbd.CephException;
import dev.flashcopy.rbd.Errno;
import dev.flashcopy.rbd.Pool;
import dev.flashcopy.rbd.RadosCluster;
import dev.flashcopy.rbd.RbdImage;
import dev.flashcopy.rbd.TestCluster;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The old owner is a real process that holds a lease and is paused with SIGSTOP past the lease's expiry; a survivor
 * here takes the lease over; the old owner is woken with SIGCONT and writes an object and an image as if nothing had
 * happened. Nothing it writes may land, and it must notice it lost the lease.
 */
class PausedHolderProcessTest {
    @TempDir
    Path dir;

    @Test
    void wokenOwnerWritesNothingAndNoticesItLostTheLease() throws Exception {
        String leaseOid = TestCluster.unique("lease-proc");
        String dataOid = TestCluster.unique("lease-proc-data");
        String image = TestCluster.unique("lease-proc-img");
        String fencedAddress = null;
        Process holder = null;
        try (RadosCluster cluster = TestCluster.connect();
                Pool pool = cluster.openPool(TestCluster.POOL);
                Arena arena = Arena.ofShared()) {
            RbdImage.create(pool, image, 4L << 20);
            try {
                Path stderr = dir.resolve("holder.err");
                holder = new ProcessBuilder(
                                Path.of(System.getProperty("java.home"), "bin", "java")
                                        .toString(),
                                "--enable-native-access=ALL-UNNAMED",
                                "-cp",
                                System.getProperty("java.class.path"),
                                PausedHolderMain.class.getName(),
                                TestCluster.conf().toString(),
                                TestCluster.POOL,
                                leaseOid,
                                "old-owner",
                                dataOid,
                                image)
                        .redirectError(stderr.toFile())
                        .start();
                LinkedBlockingQueue<String> lines = readLines(holder);
                String held = lines.poll(60, TimeUnit.SECONDS);
                assertNotNull(held, "the holder process never said HELD; stderr: " + Files.readString(stderr));
                assertTrue(held.startsWith("HELD "), held + "; stderr: " + Files.readString(stderr));
                fencedAddress = held.substring("HELD ".length());
                assertArrayEquals(PausedHolderMain.WRITTEN_WHILE_HELD.getBytes(UTF_8), pool.readAll(dataOid));
                assertImageHolds(pool, image, arena, PausedHolderMain.HELD_BYTE);

                signal("-STOP", holder);
                long pausedAt = System.nanoTime();
                try (Lease survivor = new Lease(cluster, pool, leaseOid, "survivor", LeaseTest.SHORT, (l, r) -> {})) {
                    takeOverWhenExpired(survivor);
                    long takeoverMillis = (System.nanoTime() - pausedAt) / 1_000_000;
                    assertTrue(takeoverMillis < 30_000, "took over after " + takeoverMillis + " ms");
                    System.out.println("survivor took over " + takeoverMillis + " ms after SIGSTOP (3 s lease)");

                    signal("-CONT", holder);
                    holder.getOutputStream().write("go\n".getBytes(UTF_8));
                    holder.getOutputStream().flush();
                    assertTrue(holder.waitFor(90, TimeUnit.SECONDS), "the woken holder did not finish");
                    List<String> report = new ArrayList<>();
                    lines.drainTo(report);
                    String said = String.join("\n", report) + "\nstderr: " + Files.readString(stderr);
                    System.out.println("woken holder said:\n" + said);
                    assertEquals(0, holder.exitValue(), said);
                    assertTrue(report.getFirst().startsWith("WOKE "), said);
                    assertTrue(report.getFirst().endsWith("lease held: false"), "it knew on waking: " + said);
                    assertTrue(report.contains("OBJECT-WRITE REFUSED ESHUTDOWN"), said);
                    assertTrue(report.stream().anyMatch(l -> l.startsWith("IMAGE-WRITE REFUSED ")), said);
                    assertTrue(
                            report.stream()
                                    .anyMatch(l -> l.startsWith("LEASE-LOST no renewal confirmed within 3000 ms")),
                            said);

                    // Not one byte landed, read back by the survivor.
                    assertArrayEquals(PausedHolderMain.WRITTEN_WHILE_HELD.getBytes(UTF_8), pool.readAll(dataOid));
                    assertImageHolds(pool, image, arena, PausedHolderMain.HELD_BYTE);
                    assertEquals(
                            "survivor", Lease.read(pool, leaseOid).orElseThrow().serverName());
                }
            } finally {
                if (holder != null && holder.isAlive()) {
                    signal("-CONT", holder);
                    holder.destroyForcibly().waitFor();
                }
                removeImage(pool, image);
                // After the removal: breaking the dead holder's image lock makes librbd blocklist it again.
                if (fencedAddress != null) {
                    cluster.unblocklist(fencedAddress);
                }
                for (String oid : List.of(leaseOid, dataOid)) {
                    try {
                        pool.remove(oid);
                    } catch (CephException e) {
                        assertEquals(Errno.ENOENT, e.errno());
                    }
                }
            }
        }
    }

    private static void takeOverWhenExpired(Lease survivor) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                survivor.takeOver();
                return;
            } catch (LeaseHeldException e) {
                assertTrue(System.nanoTime() < deadline, "the paused holder's lease never expired: " + e.getMessage());
                Thread.sleep(100);
            }
        }
    }

    private static void assertImageHolds(Pool pool, String image, Arena arena, byte value) throws CephException {
        try (RbdImage reader = RbdImage.open(pool, image)) {
            MemorySegment back = arena.allocate(PausedHolderMain.BLOCK);
            reader.read(0, back);
            assertEquals(-1, back.mismatch(PausedHolderMain.filled(arena, value)), "image block 0 changed");
        }
    }

    /** The dead holder's image watch lingers until the OSD times it out (30 s); until then removal is EBUSY. */
    private static void removeImage(Pool pool, String image) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                RbdImage.remove(pool, image);
                return;
            } catch (CephException e) {
                if (e.errno() != Errno.EBUSY || System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(500);
            }
        }
    }

    private static void signal(String signal, Process process) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", signal, Long.toString(process.pid())).start();
        assertEquals(0, kill.waitFor(), "kill " + signal);
    }

    private static LinkedBlockingQueue<String> readLines(Process process) {
        LinkedBlockingQueue<String> lines = new LinkedBlockingQueue<>();
        Thread.ofPlatform().daemon().name("holder stdout").start(() -> {
            try (BufferedReader reader = new BufferedReader(new InputStreamReader(process.getInputStream(), UTF_8))) {
                for (String line; (line = reader.readLine()) != null; ) {
                    lines.add(line);
                }
            } catch (IOException ignored) {
                // The process ended.
            }
        });
        return lines;
    }
}
