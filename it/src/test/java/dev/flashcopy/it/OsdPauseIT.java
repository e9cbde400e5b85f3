package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.flashcopy.it.support.Ceph;
import dev.flashcopy.it.support.CephPool;
import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.Exports;
import dev.flashcopy.it.support.Qemu;
import dev.flashcopy.it.support.ServerProcess;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's one OSD paused (SIGSTOP) for 4 s, less than the store's 10 s lease, while fio writes through the
 * server with crc32c verification: requests wait and complete once it runs again, fio finishes without an error and
 * its verify passes, the server keeps its lease, and a target established before still reads its T0.
 */
class OsdPauseIT {
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void writesWaitOutAPausedOsdAndFioVerifiesWithTheTargetAtT0() throws Exception {
        String src = "src";
        String tgt = "tgt";
        String vol = "fio";
        try (CephPool pool = CephPool.create("fcpause");
                ServerProcess server = ServerProcess.start(tmp.resolve("data"), Ceph.storeArgs(pool.name()))) {
            server.cli("mkvol", src, "--size", "32M").ok();
            server.cli("mkvol", vol, "--size", "64M").ok();
            Qemu.io(server.uri(src), "write -P 0x61 0 32M");
            String t0 = Exports.sha256(server.uri(src));
            server.cli("mkflash", "--nocp", src + ":" + tgt).ok();

            CompletableFuture<Command.Result> fio = CompletableFuture.supplyAsync(() -> Command.run(
                    Duration.ofSeconds(300),
                    "fio",
                    "--name=paused",
                    "--ioengine=nbd",
                    "--uri=" + server.uri(vol),
                    "--rw=randwrite",
                    "--bsrange=4k-64k",
                    "--iodepth=16",
                    "--size=64M",
                    "--io_size=48M",
                    "--rate=8m",
                    "--randseed=8",
                    "--verify=crc32c",
                    "--verify_fatal=1",
                    "--do_verify=1",
                    "--verify_state_save=0",
                    "--output-format=json",
                    "--output=" + tmp.resolve("fio.json")));
            // Copy-on-write through the pause too: source writes whose T0 must reach the target first.
            CompletableFuture<String> cow =
                    CompletableFuture.supplyAsync(() -> Qemu.io(server.uri(src), "write -P 0x62 0 16M", "flush"));
            Thread.sleep(1500); // fio is writing, at 8 MiB/s for about 6 s
            String osd = Long.toString(Ceph.osdPid());
            Command.run(Duration.ofSeconds(10), "kill", "-STOP", osd).ok();
            try {
                Thread.sleep(4000);
            } finally {
                Command.run(Duration.ofSeconds(10), "kill", "-CONT", osd).ok();
            }
            Command.Result r = fio.get();
            if (r.exit() != 0) {
                server.awaitLog(l -> l.contains("lost ownership"), Duration.ofSeconds(10)); // the reason, if so
            }
            String out = Files.readString(tmp.resolve("fio.json"));
            assertEquals(0, r.exit(), out + r.err() + "\n--- server:\n" + server.logText());
            JsonNode job = JSON.readTree(out).path("jobs").path(0);
            assertEquals(0, job.path("error").asInt(-1), out);
            // The pause reached fio: some write waited it out instead of failing (else the test proves nothing).
            long longestWriteMs = job.path("write").path("lat_ns").path("max").asLong() / 1_000_000;
            assertTrue(longestWriteMs >= 3000, "fio's longest write: " + longestWriteMs + " ms");
            cow.get();
            assertTrue(server.isAlive() && !server.logText().contains("lost ownership"), server.logText());
            assertEquals(t0, Exports.sha256(server.uri(tgt)), "the target's T0 after the pause");
            Qemu.io(server.uri(src), "read -P 0x62 0 16M", "read -P 0x61 16M 16M");
        }
    }
}
