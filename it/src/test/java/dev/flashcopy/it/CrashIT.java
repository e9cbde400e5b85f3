package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.FlushedWriter;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code kill -9} at random instants while the source takes writes and background copies run;
 * after every restart each target still hashes to its T0 and every completed (flushed) source
 * write is there.
 */
class CrashIT {
    // Each kill adds a target to one growing dependency chain; KillLoopIT does the many short kills.
    private static final int KILLS = Integer.getInteger("flashcopy.crash.kills", 12);
    private static final int SLOT = FlushedWriter.SLOT;
    private static final int SLOTS = 512; // a 32 MiB source

    @TempDir
    Path tmp;

    @Test
    void everyTargetKeepsItsT0AcrossKill9DuringWritesAndBackgroundCopy() throws Exception {
        Random random = new Random(20261121);
        Map<String, String> t0 = new LinkedHashMap<>();
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            FlushedWriter writer = new FlushedWriter(server, "src", SLOTS);
            server.cli("mkvol", "src", "--size", String.valueOf((long) SLOT * SLOTS))
                    .ok();
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
                writer.start(random.nextLong());
                Thread.sleep(300 + random.nextInt(1500));
                server.kill9();
                writer.awaitDeath(); // the write in flight may or may not have landed: no promise either way

                server.restart();
                for (var e : t0.entrySet()) {
                    assertEquals(
                            e.getValue(),
                            Exports.sha256(server.uri(e.getKey())),
                            e.getKey() + " after kill " + kill + "\n" + server.logText());
                }
                writer.verify();
            }
            assertTrue(server.cli("lsflash").exit() == 0);
        }
    }
}
