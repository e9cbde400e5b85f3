package dev.flashcopy.it;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.it.support.Command;
import dev.flashcopy.it.support.ServerProcess;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** fio's own checksums over four NBD connections at once: what was written is what is read. */
class FioVerifyIT {
    @TempDir
    Path tmp;

    @Test
    void fioRandomWritesVerifyWithCrc32cOverFourConnections() {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "fio", "--size", "256M").ok();
            // Each job owns a 32 MiB region (offset_increment) so verification is not confused by
            // another job's writes; the four jobs still run at once on four connections.
            Command.Result r = Command.run(
                            Duration.ofSeconds(300),
                            "fio",
                            "--name=verify",
                            "--ioengine=nbd",
                            "--uri=" + server.uri("fio"),
                            "--rw=randwrite",
                            "--bsrange=512-64k",
                            "--iodepth=16",
                            "--numjobs=4",
                            "--size=32M",
                            "--offset_increment=32M",
                            "--verify=crc32c",
                            "--verify_fatal=1",
                            "--do_verify=1",
                            "--verify_state_save=0",
                            "--group_reporting")
                    .ok();
            assertTrue(r.out().contains("err= 0"), r.out());
            assertTrue(!r.out().contains("verify:") || !r.out().contains("bad"), r.out());
        }
    }

    @Test
    void fioMixedRandomReadWriteRunsCleanAtDepth32() {
        try (ServerProcess server = ServerProcess.start(tmp.resolve("data"))) {
            server.cli("mkvol", "mix", "--size", "128M").ok();
            Command.Result r = Command.run(
                            Duration.ofSeconds(300),
                            "fio",
                            "--name=mix",
                            "--ioengine=nbd",
                            "--uri=" + server.uri("mix"),
                            "--rw=randrw",
                            "--bs=4k",
                            "--iodepth=32",
                            "--numjobs=2",
                            "--size=64M",
                            "--offset_increment=64M",
                            "--runtime=5",
                            "--time_based",
                            "--verify=crc32c",
                            "--verify_backlog=256",
                            "--verify_fatal=1",
                            "--verify_state_save=0",
                            "--group_reporting")
                    .ok();
            assertTrue(r.out().contains("err= 0"), r.out());
        }
    }
}
