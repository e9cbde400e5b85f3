package dev.flashcopy.engine.storage.rados;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** Which object a path of the data directory is; no cluster needed. */
class ObjectNamesTest {
    private final ObjectNames names = new ObjectNames("flashcopy", Path.of("/srv/data"));

    @Test
    void fileIsThePrefixAndItsRelativePath() throws IOException {
        assertEquals("flashcopy/flash/journal", names.file(Path.of("/srv/data/flash/journal")));
        assertEquals("flashcopy/catalog.json", names.file(Path.of("/srv/data/flash/../catalog.json")));
    }

    @Test
    void directoryEndsInASlashSoNoFileSharesItsObject() throws IOException {
        assertEquals("flashcopy/", names.directory(Path.of("/srv/data")));
        assertEquals("flashcopy/flash/", names.directory(Path.of("/srv/data/flash")));
        assertEquals("flashcopy/flash/", names.parent(Path.of("/srv/data/flash/journal")));
        assertEquals("flashcopy/", names.parent(Path.of("/srv/data/catalog.json")));
    }

    @Test
    void pathOutsideTheRootIsAnErrorNamingBoth() {
        IOException e = assertThrows(IOException.class, () -> names.file(Path.of("/srv/other/catalog.json")));
        assertEquals(
                "/srv/other/catalog.json is outside /srv/data, the data directory kept in RADOS objects flashcopy/*",
                e.getMessage());
        assertThrows(IOException.class, () -> names.file(Path.of("/srv/data/../data2/x")));
        assertThrows(IOException.class, () -> names.parent(Path.of("/srv/data")), "the root has no parent entry");
        IOException root = assertThrows(IOException.class, () -> names.file(Path.of("/srv/data")));
        assertTrue(root.getMessage().contains("not a file"), root.getMessage());
    }

    @Test
    void badPrefixOrRelativeRootIsRefused() {
        assertThrows(IllegalArgumentException.class, () -> new ObjectNames("", Path.of("/srv/data")));
        assertThrows(IllegalArgumentException.class, () -> new ObjectNames("fc/", Path.of("/srv/data")));
        assertThrows(IllegalArgumentException.class, () -> new ObjectNames("fc", Path.of("data")));
    }
}
