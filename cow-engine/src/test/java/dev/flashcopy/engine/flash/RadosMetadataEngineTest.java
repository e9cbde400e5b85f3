package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.storage.rados.ImagesOnFilesDisk;
import dev.flashcopy.engine.storage.rados.MetadataStore;
import dev.flashcopy.engine.tuning.FlashSettings;
import dev.flashcopy.engine.volume.Disk;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A whole engine whose metadata (catalogs, journal, checkpoints, logs) lives in RADOS objects while the images stay
 * files: a point in time taken before a restart, clean or a crash, still reads its T0 content after it.
 */
class RadosMetadataEngineTest {
    private static final int G = 4096;
    private static final int GRAINS = 64;

    @TempDir
    Path dir;

    @Test
    void targetKeepsItsT0ContentAcrossARestartWithMetadataInRados() throws Exception {
        runAcross(EngineFixture::reopen);
    }

    /** No commit, no checkpoint at the stop: what the target needs comes back from the journal in RADOS. */
    @Test
    void targetKeepsItsT0ContentAcrossACrashWithMetadataInRados() throws Exception {
        runAcross(EngineFixture::crashAndReopen);
    }

    private interface Restart {
        void run(EngineFixture fx) throws Exception;
    }

    private void runAcross(Restart restart) throws Exception {
        try (MetadataStore meta = MetadataStore.open(MetadataStore.RADOS, dir)) {
            Disk disk = new ImagesOnFilesDisk(meta.disk(), dir.resolve("volumes"));
            byte[] t0 = new byte[GRAINS * G];
            new Random(19).nextBytes(t0);
            try (EngineFixture fx =
                    new EngineFixture(dir, FlashSettings.defaults().withBackgroundCopy(false), disk)) {
                fx.store.create("s", t0.length);
                fx.write("s", 0, t0);
                fx.establish(
                        "s",
                        "t",
                        EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G));
                byte[] later = new byte[20 * G + 100];
                new Random(20).nextBytes(later);
                fx.write("s", 3 * G + 17, later);
                long toCopy =
                        fx.engine.relationships().toCopy("s", "t").orElseThrow().count();

                restart.run(fx);

                assertEquals(sha256(t0), sha256(fx.read("t", 0, t0.length)), "the target reads T0");
                assertArrayEquals(later, fx.read("s", 3 * G + 17, later.length), "the source keeps its writes");
                assertEquals(
                        toCopy,
                        fx.engine.relationships().toCopy("s", "t").orElseThrow().count(),
                        "grains copied before the restart stay copied");
                assertTrue(toCopy < GRAINS, "the source writes copied grains first");
            }
            assertTrue(meta.disk().isRegularFile(dir.resolve("catalog.json")), "the catalog is an object");
            assertFalse(Files.exists(dir.resolve("catalog.json")), "and not a file");
            assertFalse(meta.disk().list(dir.resolve(FlashEngine.DIRECTORY)).isEmpty(), "flash metadata objects");
            assertFalse(Files.exists(dir.resolve(FlashEngine.DIRECTORY)), "no flash directory on the file system");
            assertTrue(Files.isRegularFile(dir.resolve("volumes/s.img")), "images stay files");
        }
    }

    private static String sha256(byte[] data) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(data));
    }
}
