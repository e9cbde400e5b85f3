package dev.flashcopy.tools.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.flash.FlashEngine;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.storage.DataDirectoryLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code flashcopy fsck}: exit 0 clean, 1 damaged, refused while a server holds the directory. */
class FsckCommandTest {
    @TempDir
    Path dir;

    /**
     * NOCOPY, so the relationship outlives the engine: a COPY of 1 MiB can finish (and end the
     * relationship) before {@code close}, which made the repair test see no relationship to fail.
     */
    private Path dataWithOneRelationship() throws Exception {
        Path data = dir.resolve("data");
        try (VolumeStore store = VolumeStore.open(data)) {
            store.create("s", 1 << 20);
            try (FlashEngine flash = FlashEngine.open(store)) {
                flash.establish(
                        List.of(new PairSpec("s", "t")),
                        EstablishOptions.defaults().withMode(CopyMode.NOCOPY));
            }
        }
        return data;
    }

    @Test
    void cleanDirectoryExitsZeroWithOneLinePerCheck() throws Exception {
        Path data = dataWithOneRelationship();
        CliRun run = CliRun.of("fsck", "--data", data.toString());
        assertEquals(0, run.exit(), run.out() + run.err());
        assertTrue(
                run.out().contains("ok relationship 1 s:t") && run.out().strip().endsWith("clean"), run.out());
    }

    @Test
    void damagedFailureLogExitsOneAndRepairFailsEveryRelationshipKeepingACopy() throws Exception {
        Path data = dataWithOneRelationship();
        Path failed = data.resolve("flash/failed.json");
        Files.writeString(failed, "FCMETA1 00000000 2\n{}");
        CliRun run = CliRun.of("fsck", "--data", data.toString());
        assertEquals(1, run.exit(), run.out() + run.err());
        assertTrue(run.out().contains("DAMAGED " + failed) && run.out().contains("--repair"), run.out());
        CliRun repair = CliRun.of("fsck", "--data", data.toString(), "--repair");
        assertEquals(0, repair.exit(), repair.out() + repair.err());
        assertTrue(Files.exists(data.resolve("flash/failed.json.damaged")), "the damaged file is kept");
        assertTrue(repair.out().contains("relationship 1 failed"), repair.out());
        assertEquals(0, CliRun.of("fsck", "--data", data.toString()).exit());
        try (VolumeStore store = VolumeStore.open(data);
                FlashEngine flash = FlashEngine.open(store)) {
            assertTrue(
                    flash.relationships().list().get(0).failedReason().contains("failed.json"),
                    flash.relationships().list().toString());
        }
    }

    @Test
    void directoryHeldByAServerIsRefused() throws Exception {
        Path data = dataWithOneRelationship();
        try (DataDirectoryLock lock = DataDirectoryLock.acquire(data)) {
            CliRun run = CliRun.of("fsck", "--data", data.toString());
            assertEquals(5, run.exit());
            assertTrue(run.singleErrorLine().contains("in use"), run.err());
        }
    }
}
