package dev.flashcopy.engine.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.volume.Disk;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The checksum envelope of JSON metadata: verified on every load, legacy files read once and upgraded. */
class AtomicFileTest {
    private static final byte[] JSON = "{\"version\":1,\"volumes\":[]}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    @Test
    void checkedFileReadsBackItsContent() throws IOException {
        Path p = dir.resolve("catalog.json");
        AtomicFile.replaceChecked(Disk.posix(), p, JSON);
        assertTrue(new String(Files.readAllBytes(p), StandardCharsets.US_ASCII).startsWith("FCMETA1 "));
        assertArrayEquals(JSON, AtomicFile.readChecked(Disk.posix(), p, false));
        assertEquals(AtomicFile.Check.CHECKED, AtomicFile.verify(Disk.posix(), p));
    }

    @Test
    void everySingleBitFlipIsDamage() throws IOException {
        Path p = dir.resolve("catalog.json");
        AtomicFile.replaceChecked(Disk.posix(), p, JSON);
        byte[] good = Files.readAllBytes(p);
        for (int bit = 0; bit < good.length * 8; bit++) {
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            Files.write(p, bad);
            DamagedMetadataException e = assertThrows(
                    DamagedMetadataException.class, () -> AtomicFile.readChecked(Disk.posix(), p, true), "bit " + bit);
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        }
    }

    @Test
    void truncatedFileIsDamage() throws IOException {
        Path p = dir.resolve("failed.json");
        AtomicFile.replaceChecked(Disk.posix(), p, JSON);
        byte[] good = Files.readAllBytes(p);
        for (int length = 0; length < good.length; length++) {
            Files.write(p, Arrays.copyOf(good, length));
            assertThrows(
                    DamagedMetadataException.class,
                    () -> AtomicFile.readChecked(Disk.posix(), p, false),
                    "cut at " + length);
        }
    }

    @Test
    void legacyFileWithoutChecksumIsReadOnceAndRewrittenWithIt() throws IOException {
        Path p = dir.resolve("relationships.json");
        Files.write(p, JSON);
        assertEquals(AtomicFile.Check.LEGACY, AtomicFile.verify(Disk.posix(), p));
        assertArrayEquals(JSON, AtomicFile.readChecked(Disk.posix(), p, true));
        assertEquals(AtomicFile.Check.CHECKED, AtomicFile.verify(Disk.posix(), p), "upgraded at the first load");
        assertArrayEquals(JSON, AtomicFile.readChecked(Disk.posix(), p, false));
    }
}
