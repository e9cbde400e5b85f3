package dev.flashcopy.engine.catalog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.storage.DataDirectoryLock;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Optional;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VolumeStoreTest {
    @TempDir
    Path dir;

    @Test
    void volumesAndTheirBytesSurviveReopen() throws IOException {
        Path outside = dir.resolve("outside.img");
        Files.write(outside, new byte[8192]);
        try (VolumeStore store = VolumeStore.open(dir)) {
            store.create("a", 1 << 20);
            store.register("b", outside);
            store.get("a").write(4096, ByteBuffer.wrap(new byte[] {9, 9, 9}), true);
        }
        try (VolumeStore store = VolumeStore.open(dir)) {
            assertEquals(
                    List.of("a", "b"),
                    store.records().stream().map(VolumeRecord::name).toList());
            assertEquals(8192, store.get("b").size());
            ByteBuffer b = ByteBuffer.allocate(3);
            store.get("a").read(4096, b);
            assertEquals(9, b.get(0));
            assertTrue(store.records().get(0).owned());
            assertFalse(store.records().get(1).owned());
        }
    }

    @Test
    void removeDeletesOwnedImagesButKeepsRegisteredOnes() throws IOException {
        Path outside = dir.resolve("outside.img");
        Files.write(outside, new byte[512]);
        try (VolumeStore store = VolumeStore.open(dir)) {
            Path owned = store.create("a", 1 << 20).path();
            store.register("b", outside);
            store.remove("a");
            store.remove("b");
            assertFalse(Files.exists(owned));
            assertTrue(Files.exists(outside));
            assertTrue(store.records().isEmpty());
        }
    }

    @Test
    void refusalsNameTheRule() throws IOException {
        try (VolumeStore store = VolumeStore.open(dir)) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> store.create("a b", 4096))
                    .getMessage()
                    .contains(VolumeNames.RULE));
            assertTrue(assertThrows(IllegalArgumentException.class, () -> store.create("a", 1000))
                    .getMessage()
                    .contains("multiple of 512"));
            store.create("a", 4096);
            assertTrue(assertThrows(IllegalArgumentException.class, () -> store.create("a", 4096))
                    .getMessage()
                    .contains("already exists"));
            assertThrows(NoSuchElementException.class, () -> store.remove("zz"));
        }
    }

    @Test
    void leasedOrGuardedVolumesCannotBeRemoved() throws IOException {
        try (VolumeStore store = VolumeStore.open(dir)) {
            store.create("a", 4096);
            store.lease("a");
            assertTrue(assertThrows(IllegalStateException.class, () -> store.remove("a"))
                    .getMessage()
                    .contains("NBD connection"));
            store.release("a");
            store.setRemovalGuard(name -> Optional.of("it is the source of a FlashCopy relationship"));
            assertTrue(assertThrows(IllegalStateException.class, () -> store.remove("a"))
                    .getMessage()
                    .contains("FlashCopy"));
            assertTrue(store.contains("a"));
        }
    }

    @Test
    void aSecondLockOnTheDataDirectoryIsRefused() throws IOException {
        try (DataDirectoryLock lock = DataDirectoryLock.acquire(dir)) {
            IOException e = assertThrows(IOException.class, () -> DataDirectoryLock.acquire(dir));
            assertTrue(e.getMessage().contains("in use by another flashcopy server"), e.getMessage());
        }
        DataDirectoryLock.acquire(dir).close();
    }

    @Test
    void aSizeTheFileSystemCannotHoldIsARefusalNamingItsLimit() throws IOException {
        // ext4 (4 KiB blocks) holds at most 16 TiB - 4 KiB in one file; tmpfs and xfs hold far more.
        Assumptions.assumeTrue(
                Files.getFileStore(dir).type().equals("ext4"), "needs ext4 under the test's temporary directory");
        try (VolumeStore store = VolumeStore.open(dir)) {
            String m = assertThrows(IllegalArgumentException.class, () -> store.create("big", 100L << 40))
                    .getMessage();
            assertTrue(m.contains("100 TiB") && m.contains("at most 17592186040320 bytes"), m);
            assertFalse(store.contains("big"));
            assertFalse(Files.exists(dir.resolve("volumes").resolve("big.img")), "the refused image is removed");
        }
    }

    @Test
    void registeringNeedsASizeThatIsAMultipleOf512() throws IOException {
        Path odd = Files.write(dir.resolve("odd.img"), new byte[1000]);
        try (VolumeStore store = VolumeStore.open(dir)) {
            assertTrue(assertThrows(IllegalArgumentException.class, () -> store.register("odd", odd))
                    .getMessage()
                    .contains("multiple of 512"));
        }
    }

    @Test
    void sizesParseWithBinarySuffixes() {
        assertEquals(512, ByteSize.parse("512"));
        assertEquals(64L << 10, ByteSize.parse("64K"));
        assertEquals(10L << 30, ByteSize.parse("10G"));
        assertEquals(10L << 30, ByteSize.parse("10GiB"));
        assertEquals(1L << 40, ByteSize.parse("1t"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("ten"))
                .getMessage()
                .contains("'ten'"));
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("-1"));
        assertThrows(IllegalArgumentException.class, () -> ByteSize.parse("99999999999T"));
        assertEquals("1 GiB", ByteSize.format(1L << 30));
        assertEquals("1.5 KiB", ByteSize.format(1536));
    }
}
