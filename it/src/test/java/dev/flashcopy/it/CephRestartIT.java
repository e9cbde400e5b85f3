package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.Ceph;
import dev.flashcopy.it.support.CephPool;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole cluster stops ({@code bin/ceph-dev down --keep}) under an owner and a standby and comes back ({@code
 * up}). The owner cannot renew its lease, so it stops without writing more, exits 5 in bounded time and says why in
 * one line; the standby waits out the outage and takes the store over once the cluster answers; the old owner, started
 * again, is a standby. Every target still reads its T0 (sha256 of the whole export) and every write flushed before
 * the outage reads back. The test's own pool goes at the end; the cluster is left up for the tests that follow.
 */
class CephRestartIT {
    /** Lease (10 s) plus a renewal period (3 s) until the loss is noticed, plus the bounded stop (5 s), with room. */
    private static final Duration OWNER_EXIT_BOUND = Duration.ofSeconds(30);

    @TempDir
    Path tmp;

    @Test
    void anOwnerStopsInBoundedTimeWhenTheClusterGoesAndEveryT0AndFlushedWriteSurvivesTheRestart() {
        long began = System.nanoTime();
        try (CephPool pool = CephPool.create("fcrestart")) {
            try {
                restartUnder(pool.name(), began);
            } finally {
                // Whatever happened, the pool's removal and the tests after this one need the cluster.
                Ceph.dev("up");
            }
        }
    }

    private void restartUnder(String pool, long began) {
        String src = "src";
        String copySrc = "csrc";
        String nocopy = "tn";
        String copy = "tc";
        ServerProcess owner = ServerProcess.start(tmp.resolve("a"), Ceph.serverArgs(pool, "a"));
        try (owner;
                ServerProcess standby = ServerProcess.start(tmp.resolve("b"), Ceph.serverArgs(pool, "b"))) {
            for (String v : List.of(src, copySrc)) {
                owner.cli("mkvol", v, "--size", "16M").ok();
            }
            Qemu.io(owner.uri(src), "write -P 0x41 0 12M");
            Qemu.io(owner.uri(copySrc), "write -P 0x42 0 16M");
            String t0 = Exports.sha256(owner.uri(src));
            String copyT0 = Exports.sha256(owner.uri(copySrc));
            owner.cli("mkflash", "--nocp", src + ":" + nocopy).ok();
            // Slow enough that the copy is under way when the cluster stops.
            owner.cli("mkflash", "--rate", "1", copySrc + ":" + copy).ok();
            // Flushed writes after T0, through the owner and through the standby (forwarded to the owner).
            Qemu.io(owner.uri(src), "write -P 0x51 4M 4M", "flush");
            Qemu.io(standby.uri(src), "write -P 0x52 10M 3M", "flush");
            Qemu.io(owner.uri(copySrc), "write -P 0x53 0 4M", "flush");

            step(began, "cluster down");
            Ceph.dev("down", "--keep").ok();
            long down = System.nanoTime();
            assertTrue(owner.awaitExit(OWNER_EXIT_BOUND), "the owner stops\n" + owner.logText());
            long seconds = (System.nanoTime() - down) / 1_000_000_000L;
            System.out.println("cluster down: the owner exited " + owner.exitCode() + " after " + seconds + " s");
            assertEquals(5, owner.exitCode(), owner.logText());
            List<String> said = owner.logText()
                    .lines()
                    .filter(l -> l.contains("lost ownership") || l.contains("Exception") || l.contains("\tat "))
                    .toList();
            assertEquals(1, said.size(), "one line says why: " + said + "\n" + owner.logText());
            assertTrue(said.getFirst().contains("renew"), said.getFirst());
            assertTrue(standby.isAlive(), "the standby waits out the outage\n" + standby.logText());

            step(began, "cluster up");
            Ceph.dev("up").ok();
            String took = standby.awaitLog(l -> l.contains("took over the store"), Duration.ofSeconds(60));
            assertTrue(took.contains("took over the store"), "the standby owns the store\n" + took);
            step(began, "the standby took over; the old owner restarts");
            owner.restart();
            assertTrue(owner.logText().contains("standby: "), "the old owner is a standby now\n" + owner.logText());

            step(began, "checks");
            assertEquals(t0, Exports.sha256WhenServed(standby.uri(nocopy), Duration.ofSeconds(30)), "NOCOPY T0");
            assertEquals(copyT0, Exports.sha256(standby.uri(copy)), "COPY T0");
            Qemu.io(standby.uri(src), "read -P 0x41 0 4M", "read -P 0x51 4M 4M", "read -P 0x41 8M 2M");
            Qemu.io(owner.uri(src), "read -P 0x52 10M 3M", "read -P 0 13M 3M");
            Qemu.io(standby.uri(copySrc), "read -P 0x53 0 4M", "read -P 0x42 4M 12M");

            step(began, "stop");
        }
    }

    /** For the notebook: where the time of this long test goes. */
    private static void step(long began, String what) {
        System.out.println("CephRestartIT +" + (System.nanoTime() - began) / 1_000_000 + " ms: " + what);
    }
}
