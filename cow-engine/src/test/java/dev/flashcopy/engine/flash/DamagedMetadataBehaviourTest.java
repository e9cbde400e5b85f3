package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.check.MetadataCheck;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.storage.DamagedMetadataException;
import dev.flashcopy.engine.tuning.FlashSettings;
import dev.flashcopy.engine.volume.Disk;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Damaged metadata is refused or fails exactly the relationships it could hold; the rest serve. */
class DamagedMetadataBehaviourTest {
    private static final int GRAIN = 4096;

    @TempDir
    Path dir;

    @Test
    void damagedRevertLogFailsOnlyItsRelationshipWhoseTargetAnswersEio() throws Exception {
        FlashSettings settings = FlashSettings.defaults().withBackgroundCopy(false);
        byte[] t0 = filled(16 * GRAIN, 0x11);
        EngineFixture fx = new EngineFixture(dir, settings);
        try {
            for (String v : new String[] {"s", "t", "u"}) {
                fx.store.create(v, 16L * GRAIN);
            }
            fx.write("s", 0, t0);
            fx.establish(
                    "s",
                    "t",
                    EstablishOptions.defaults()
                            .withGrainSize(GRAIN)
                            .withMode(CopyMode.NOCOPY)
                            .withRecording(true)
                            .withPersistent(true));
            fx.establish(
                    "s", "u", EstablishOptions.defaults().withGrainSize(GRAIN).withMode(CopyMode.NOCOPY));
            fx.engine.revertibles().setRevertible("s", "t");
            for (int g = 0; g < 4; g++) { // four preserves: four appends to the revert log
                fx.write("t", (long) g * GRAIN, filled(GRAIN, 0x20 + g));
            }
            fx.dev("t").flush();
            fx.crashAndReopenAfter(() -> {
                Path log = dir.resolve("flash/revert-1.log");
                try (RandomAccessFile raf = new RandomAccessFile(log.toFile(), "rw")) {
                    raf.seek(16 + 49 + 30); // the second record's grain, followed by two more appends
                    int b = raf.read();
                    raf.seek(16 + 49 + 30);
                    raf.write(b ^ 2);
                }
            });
            RelationshipView t = fx.engine.relationships().list("s:t").get(0);
            assertTrue(
                    t.failedReason() != null
                            && t.failedReason().contains("revert-1.log")
                            && t.failedReason().contains("offset 65"),
                    String.valueOf(t.failedReason()));
            assertThrows(BlockIoException.class, () -> fx.read("t", 0, GRAIN));
            assertArrayEquals(t0, fx.read("u", 0, 16 * GRAIN), "the other target keeps its T0");
            assertArrayEquals(t0, fx.read("s", 0, 16 * GRAIN));
            fx.reopen();
            assertTrue(fx.engine.relationships().list("s:t").get(0).failedReason() != null, "the failure is durable");
        } finally {
            fx.close();
        }
    }

    @Test
    void damagedCatalogRefusesTheDirectoryAndFsckSaysRestoreIt() throws Exception {
        EngineFixture fx = new EngineFixture(dir, FlashSettings.defaults().withBackgroundCopy(false));
        fx.store.create("s", 4L * GRAIN);
        fx.establish("s", "t", EstablishOptions.defaults().withGrainSize(GRAIN));
        fx.close();
        Path catalog = dir.resolve("flash/relationships.json");
        byte[] bytes = Files.readAllBytes(catalog);
        bytes[bytes.length / 2] ^= 1;
        Files.write(catalog, bytes);
        DamagedMetadataException e = assertThrows(
                DamagedMetadataException.class,
                () -> new EngineFixture(dir, FlashSettings.defaults().withBackgroundCopy(false)));
        assertTrue(e.getMessage().contains(catalog.toString()) && e.getMessage().contains("fsck"), e.getMessage());
        MetadataCheck.Report report = MetadataCheck.repair(Disk.posix(), dir);
        assertTrue(report.damaged() && !report.repairable(), report.toString());
        assertArrayEquals(bytes, Files.readAllBytes(catalog), "repair changes nothing it cannot repair");
        assertEquals(
                1,
                report.findings().stream().filter(MetadataCheck.Finding::damage).count(),
                report.toString());
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
