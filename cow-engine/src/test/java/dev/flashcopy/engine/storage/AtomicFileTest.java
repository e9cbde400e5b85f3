package dev.flashcopy.engine.storage;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.storage.rados.MetadataStore;
import dev.flashcopy.engine.volume.Disk;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The checksum envelope of JSON metadata: verified on every load, legacy files read once and upgraded; on the file
 * system and on RADOS objects ({@link MetadataStore}).
 */
class AtomicFileTest {
    private static final byte[] JSON = "{\"version\":1,\"volumes\":[]}".getBytes(StandardCharsets.UTF_8);

    @TempDir
    Path dir;

    private MetadataStore store;
    private Disk disk;

    /** Runs the test on the store {@code name}, rooted at the temporary directory. */
    private void use(String name) throws IOException {
        store = MetadataStore.open(name, dir);
        disk = store.disk();
    }

    @AfterEach
    void cleanUp() throws IOException {
        if (store != null) {
            store.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void checkedFileReadsBackItsContent(String name) throws IOException {
        use(name);
        Path p = dir.resolve("catalog.json");
        AtomicFile.replaceChecked(disk, p, JSON);
        assertTrue(new String(store.read(p), StandardCharsets.US_ASCII).startsWith("FCMETA1 "));
        assertArrayEquals(JSON, AtomicFile.readChecked(disk, p, false));
        assertEquals(AtomicFile.Check.CHECKED, AtomicFile.verify(disk, p));
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void everySingleBitFlipIsDamage(String name) throws IOException {
        use(name);
        Path p = dir.resolve("catalog.json");
        AtomicFile.replaceChecked(disk, p, JSON);
        byte[] good = store.read(p);
        for (int bit = 0; bit < good.length * 8; bit++) {
            byte[] bad = good.clone();
            bad[bit / 8] ^= (byte) (1 << (bit % 8));
            store.write(p, bad);
            DamagedMetadataException e = assertThrows(
                    DamagedMetadataException.class, () -> AtomicFile.readChecked(disk, p, true), "bit " + bit);
            assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void truncatedFileIsDamage(String name) throws IOException {
        use(name);
        Path p = dir.resolve("failed.json");
        AtomicFile.replaceChecked(disk, p, JSON);
        byte[] good = store.read(p);
        for (int length = 0; length < good.length; length++) {
            store.write(p, Arrays.copyOf(good, length));
            assertThrows(
                    DamagedMetadataException.class, () -> AtomicFile.readChecked(disk, p, false), "cut at " + length);
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void legacyFileWithoutChecksumIsReadOnceAndRewrittenWithIt(String name) throws IOException {
        use(name);
        Path p = dir.resolve("relationships.json");
        store.write(p, JSON);
        assertEquals(AtomicFile.Check.LEGACY, AtomicFile.verify(disk, p));
        assertArrayEquals(JSON, AtomicFile.readChecked(disk, p, true));
        assertEquals(AtomicFile.Check.CHECKED, AtomicFile.verify(disk, p), "upgraded at the first load");
        assertArrayEquals(JSON, AtomicFile.readChecked(disk, p, false));
    }
}
