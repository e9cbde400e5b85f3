package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.FlushedWriter;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Random;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Many {@code kill -9}s at random instants, taking turns across four kinds of work: fio writes with crc32c
 * verification, a background copy, a resync's copy and a fast reverse restore's copy back. After each restart
 * every point in time is checked by sha256, and every flushed source write is there. Bounded: 52 kills of a few
 * seconds each (more with {@code -Dflashcopy.killloop.kills=N}).
 */
class KillLoopIT {
    private static final int KILLS = Integer.getInteger("flashcopy.killloop.kills", 52);
    private static final int SLOTS = 256; // 16 MiB volumes
    private static final long SIZE = (long) FlushedWriter.SLOT * SLOTS;

    @TempDir
    Path tmp;

    @Test
    void everyPointInTimeSurvivesKill9DuringWritesCopiesResyncsAndReverses() throws Exception {
        Random random = new Random(20261121L);
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            for (String v : new String[] {"src", "w", "a", "b"}) {
                server.cli("mkvol", v, "--size", String.valueOf(SIZE)).ok();
            }
            Qemu.io(server.uri("src"), "write -P 0x11 0 " + SIZE);
            Qemu.io(server.uri("w"), "write -P 0x12 0 " + SIZE);
            Qemu.io(server.uri("a"), "write -P 0x22 0 " + SIZE);
            // a:b records changes, so it can be resynced and reversed again and again
            server.cli("mkflash", "--record", "--rate", "8", "a:b").ok();
            FlushedWriter sourceWrites = new FlushedWriter(server, "w", SLOTS); // only this loop writes to w
            String[] pair = {"a", "b"}; // reverses swap the direction
            int kills = 0;
            for (int round = 0; kills < KILLS; round++) {
                switch (round % 4) {
                    case 0 -> fioVerifyUnderATarget(server, random);
                    case 1 -> backgroundCopy(server, random, sourceWrites);
                    case 2 -> resync(server, random, pair);
                    default -> reverse(server, random, pair);
                }
                kills++;
            }
            sourceWrites.verify();
            assertEquals(0, server.cli("lsflash").exit());
        }
    }

    /** fio writes and verifies the source in a loop; the NOCOPY target must keep T0 through the kill. */
    private static void fioVerifyUnderATarget(ServerProcess server, Random random) throws Exception {
        String t0 = Exports.sha256(server.uri("src"));
        server.cli("mkflash", "--nocp", "src:snap").ok();
        AtomicReference<String> failure = new AtomicReference<>();
        Thread fio = new Thread(() -> {
            while (server.isAlive()) {
                Command.Result r = Command.run(
                        Duration.ofSeconds(120),
                        "fio",
                        "--name=kill",
                        "--ioengine=nbd",
                        "--uri=" + server.uri("src"),
                        "--rw=randwrite",
                        "--bs=4k",
                        "--iodepth=16",
                        "--size=4m",
                        "--offset=" + random.nextInt(12) + "m",
                        "--verify=crc32c",
                        "--verify_fatal=1",
                        "--verify_state_save=0",
                        "--output-format=terse");
                if (r.exit() != 0 && aliveAfterAMoment(server)) {
                    failure.set("fio verify failed on a live server: " + r.out() + r.err());
                    return;
                }
            }
        });
        fio.start();
        Thread.sleep(500 + random.nextInt(1500));
        server.kill9();
        fio.join();
        assertEquals(null, failure.get());
        server.restart();
        assertEquals(t0, Exports.sha256(server.uri("snap")), "snap after a kill during fio writes");
        server.cli("rmflash", "--force", "src:snap").ok();
        server.cli("rmvol", "snap").ok();
    }

    /** fio fails when the server dies under it; only a failure against a server still running counts. */
    private static boolean aliveAfterAMoment(ServerProcess server) {
        try {
            Thread.sleep(1000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return server.isAlive();
    }

    /** A slow COPY relationship is killed mid-copy while flushed writes land on its source. */
    private static void backgroundCopy(ServerProcess server, Random random, FlushedWriter writes) throws Exception {
        String t0 = Exports.sha256(server.uri("w"));
        server.cli("mkflash", "--persist", "--rate", "4", "w:full").ok(); // persist: still there if it finished
        writes.start(random.nextLong());
        Thread.sleep(300 + random.nextInt(1500));
        server.kill9();
        writes.awaitDeath();
        server.restart();
        assertEquals(t0, Exports.sha256(server.uri("full")), "full after a kill during its background copy");
        writes.verify();
        server.cli("rmflash", "--force", "w:full").ok();
        server.cli("rmvol", "full").ok();
    }

    /** Changes on both sides, a resync (new T0), and a kill while it copies the changed grains again. */
    private static void resync(ServerProcess server, Random random, String[] pair) throws Exception {
        String source = pair[0];
        String target = pair[1];
        Qemu.io(server.uri(source), "write -P " + (0x30 + random.nextInt(64)) + " " + random.nextInt(12) + "M 2M");
        Qemu.io(server.uri(target), "write -P 0x77 " + random.nextInt(12) + "M 1M");
        String newT0 = Exports.sha256(server.uri(source));
        server.cli("resyncflash", "--record", "--persist", source + ":" + target)
                .ok();
        Qemu.io(server.uri(source), "write -P 0x99 " + random.nextInt(12) + "M 3M"); // after the new T0
        Thread.sleep(100 + random.nextInt(800));
        server.kill9();
        server.restart();
        assertEquals(newT0, Exports.sha256(server.uri(target)), target + " after a kill during a resync");
    }

    /** The target's point in time goes back onto the source (fast), killed during the copy back. */
    private static void reverse(ServerProcess server, Random random, String[] pair) throws Exception {
        String restored = Exports.sha256(server.uri(pair[1]));
        server.cli("reverseflash", "--fast", "--record", "--persist", pair[0] + ":" + pair[1])
                .ok();
        String swap = pair[0];
        pair[0] = pair[1];
        pair[1] = swap;
        Thread.sleep(100 + random.nextInt(800));
        server.kill9();
        server.restart();
        assertEquals(restored, Exports.sha256(server.uri(pair[1])), "the restored volume after a kill");
        assertEquals(restored, Exports.sha256(server.uri(pair[0])), "the new source keeps that point in time");
        String listed = server.cli("lsflash", pair[0] + ":" + pair[1]).ok().out();
        assertTrue(listed.contains(pair[0] + ":" + pair[1]), listed);
    }
}
