package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.ServerProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * 64 connections over 8 exports (4 sources and their 4 NOCOPY targets, so copy-on-write runs under the load),
 * fio random writes with crc32c verification as it goes, for a bounded time, twice. No error, and the server's
 * memory after the second round is where it was after the first (the figures are printed for the record).
 */
class LoadIT {
    private static final int EXPORTS = 8;
    private static final int JOBS_PER_EXPORT = 8;
    private static final int SECONDS = Integer.getInteger("flashcopy.load.seconds", 20);

    @TempDir
    Path tmp;

    @Test
    void sixtyFourConnectionsOverEightExportsVerifyWithoutErrorAndMemoryStaysFlat() throws IOException {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            for (int i = 0; i < EXPORTS / 2; i++) {
                server.cli("mkvol", "v" + i, "--size", "128M").ok();
                server.cli("mkflash", "--nocp", "v" + i + ":s" + i).ok();
            }
            Path job = writeJob(server);
            long before = rssKiB(server);
            runLoad(job);
            long afterFirst = rssKiB(server);
            runLoad(job);
            long afterSecond = rssKiB(server);
            System.out.printf(
                    "LoadIT: server RSS %d MiB before, %d MiB after round 1, %d MiB after round 2%n",
                    before >> 10, afterFirst >> 10, afterSecond >> 10);
            assertTrue(
                    afterSecond < afterFirst + (128 << 10),
                    "RSS grew from " + (afterFirst >> 10) + " to " + (afterSecond >> 10)
                            + " MiB over a second identical round");
            assertEquals(0, server.cli("lsvol").exit(), "the server still answers");
        }
    }

    private void runLoad(Path job) {
        Command.Result fio =
                Command.run(Duration.ofSeconds(SECONDS + 180L), "fio", "--output-format=terse", job.toString());
        assertEquals(0, fio.exit(), fio.out() + fio.err());
        assertTrue(!fio.err().contains("verify"), fio.err());
    }

    /** One job section per export, 8 connections each on disjoint 16 MiB regions, verifying as they write. */
    private Path writeJob(ServerProcess server) throws IOException {
        StringBuilder job = new StringBuilder("""
                [global]
                ioengine=nbd
                rw=randwrite
                bs=4k
                iodepth=4
                size=16m
                offset_increment=16m
                numjobs=%d
                time_based
                runtime=%d
                verify=crc32c
                verify_backlog=256
                verify_fatal=1
                verify_state_save=0
                group_reporting
                """.formatted(JOBS_PER_EXPORT, SECONDS));
        for (int i = 0; i < EXPORTS / 2; i++) {
            for (String name : new String[] {"v" + i, "s" + i}) {
                job.append("\n[")
                        .append(name)
                        .append("]\nuri=")
                        .append(server.uri(name))
                        .append('\n');
            }
        }
        Path file = tmp.resolve("load.fio");
        Files.writeString(file, job);
        return file;
    }

    private static long rssKiB(ServerProcess server) throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/" + server.pid() + "/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS for pid " + server.pid());
    }
}
