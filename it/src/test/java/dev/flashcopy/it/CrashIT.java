package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} at random instants while the source takes writes and background copies run;
 * after every restart each target still hashes to its T0 and every completed (flushed) source
 * write is there.
 */
class CrashIT {
    private static final int KILLS = Integer.getInteger("flashcopy.crash.kills", 20);
    private static final int SLOT = 64 << 10;
    private static final int SLOTS = 512; // a 32 MiB source

    @TempDir
    Path tmp;

    @Test
    void everyTargetKeepsItsT0AcrossKill9DuringWritesAndBackgroundCopy() throws Exception {
        Random random = new Random(20261121);
        Map<String, String> t0 = new LinkedHashMap<>();
        Map<Integer, Integer> completed = new LinkedHashMap<>(); // slot -> pattern of its last completed write
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "src", "--size", String.valueOf((long) SLOT * SLOTS)).ok();
            Qemu.io(server.uri("src"), "write -P 0x01 0 " + (long) SLOT * SLOTS);
            for (int kill = 0; kill < KILLS; kill++) {
                String target = "t" + kill;
                t0.put(target, Exports.sha256(server.uri("src")));
                // alternate slow background copies (still running at the kill) and NOCOPY targets
                if (kill % 2 == 0) {
                    server.cli("mkflash", "--rate", "4", "src:" + target).ok();
                } else {
                    server.cli("mkflash", "--nocp", "src:" + target).ok();
                }
                AtomicInteger inFlight = new AtomicInteger(-1);
                Thread writer = new Thread(() -> writeUntilKilled(server, random.nextLong(), completed, inFlight));
                writer.start();
                Thread.sleep(300 + random.nextInt(1500));
                server.kill9();
                writer.join();
                completed.remove(inFlight.get()); // that write may or may not have landed: no promise either way

                server.restart();
                for (var e : t0.entrySet()) {
                    assertEquals(e.getValue(), Exports.sha256(server.uri(e.getKey())),
                            e.getKey() + " after kill " + kill + "\n" + server.logText());
                }
                List<String> checks = new ArrayList<>();
                completed.forEach((slot, pattern) -> checks.add("read -P " + pattern + " " + (long) slot * SLOT + " " + SLOT));
                if (!checks.isEmpty()) {
                    Qemu.io(server.uri("src"), checks.toArray(String[]::new));
                }
            }
            assertTrue(server.cli("lsflash").exit() == 0);
        }
    }

    /** Writes 64 KiB slots with fresh patterns, each flushed, until the server dies under it. */
    private static void writeUntilKilled(ServerProcess server, long seed, Map<Integer, Integer> completed,
            AtomicInteger inFlight) {
        Random random = new Random(seed);
        while (server.isAlive()) {
            int slot = random.nextInt(SLOTS);
            int pattern = 2 + random.nextInt(250);
            inFlight.set(slot);
            Command.Result r = Command.run(Duration.ofSeconds(60), "qemu-io", "-f", "raw",
                    "-c", "write -P " + pattern + " " + (long) slot * SLOT + " " + SLOT, "-c", "flush",
                    server.uri("src"));
            if (r.exit() != 0 || !r.out().contains("wrote") || (r.out() + r.err()).contains("failed")) {
                return; // the server went away mid-write
            }
            synchronized (completed) {
                completed.put(slot, pattern);
            }
        }
    }
}
