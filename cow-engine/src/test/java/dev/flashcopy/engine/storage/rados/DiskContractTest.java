package dev.flashcopy.engine.storage.rados;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.DiskFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.DirectoryNotEmptyException;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the engine relies on from a {@link Disk}, asserted the same way on the file system and on RADOS objects:
 * the answers of file calls (counts, offsets, -errno), size semantics of truncate and fallocate, atomic rename,
 * directory entries in name order.
 */
class DiskContractTest {
    private static final int EBADF = 9;

    @TempDir
    Path dir;

    private MetadataStore store;
    private final Arena arena = Arena.ofShared();

    private Disk disk(String name) throws IOException {
        store = MetadataStore.open(name, dir);
        return store.disk();
    }

    @AfterEach
    void cleanUp() throws IOException {
        arena.close();
        if (store != null) {
            store.close();
        }
    }

    private MemorySegment bytes(String s) {
        return arena.allocateFrom(ValueLayout.JAVA_BYTE, s.getBytes(UTF_8));
    }

    private String read(DiskFile file, long count, long offset) {
        MemorySegment buf = arena.allocate(Math.max(1, count));
        long n = file.pread(buf, count, offset);
        assertTrue(n >= 0, "pread: " + n);
        return new String(buf.asSlice(0, n).toArray(ValueLayout.JAVA_BYTE), UTF_8);
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void positionalWritesAndReadsAnswerAsTheKernel(String name) throws IOException {
        Disk disk = disk(name);
        Path p = dir.resolve("journal");
        DiskFile f = disk.open(p, Disk.OpenMode.CREATE_NEW);
        assertEquals(5, f.pwrite(bytes("hello"), 5, 0));
        assertEquals(5, f.pwrite(bytes("world"), 5, 8));
        assertEquals(13, f.lseek(0, DiskFile.SEEK_END));
        assertEquals("hello\0\0\0world", read(f, 64, 0), "a write past the end leaves zeroes before it");
        assertEquals("rld", read(f, 64, 10), "short at the end");
        assertEquals(0, f.pread(arena.allocate(8), 8, 13), "0 at the end");
        assertEquals(0, f.fdatasync());
        assertEquals(0, f.fsync());
        assertEquals(0, f.close());
        assertArrayEquals("hello\0\0\0world".getBytes(UTF_8), disk.readAll(p));

        DiskFile ro = disk.open(p, Disk.OpenMode.READ);
        assertEquals(-EBADF, ro.pwrite(bytes("x"), 1, 0), "a file opened to read refuses writes");
        assertEquals("hello", read(ro, 5, 0));
        ro.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void openModesCreateTruncateOrRefuse(String name) throws IOException {
        Disk disk = disk(name);
        Path p = dir.resolve("catalog.json");
        assertThrows(IOException.class, () -> disk.open(p, Disk.OpenMode.READ), "missing");
        assertThrows(IOException.class, () -> disk.open(p, Disk.OpenMode.WRITE), "missing");
        assertThrows(IOException.class, () -> disk.open(dir.resolve("no/such/dir/f"), Disk.OpenMode.CREATE));
        store.write(p, "abc".getBytes(UTF_8));
        assertThrows(IOException.class, () -> disk.open(p, Disk.OpenMode.CREATE_NEW), "exists");
        disk.open(p, Disk.OpenMode.CREATE).close();
        assertArrayEquals("abc".getBytes(UTF_8), disk.readAll(p), "CREATE keeps an existing file");
        disk.open(p, Disk.OpenMode.CREATE_TRUNCATE).close();
        assertEquals(0, disk.readAll(p).length, "CREATE_TRUNCATE empties it");
        assertTrue(disk.isRegularFile(p));
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void truncateAndFallocateKeepTheSizeTheFlagsAskFor(String name) throws IOException {
        Disk disk = disk(name);
        DiskFile f = disk.open(dir.resolve("journal"), Disk.OpenMode.CREATE_NEW);
        assertEquals(0, f.ftruncate(16));
        assertEquals(16, f.lseek(0, DiskFile.SEEK_END));
        assertEquals(10, f.pwrite(bytes("0123456789"), 10, 6));
        assertEquals(
                0, f.fallocate(DiskFile.FALLOC_FL_PUNCH_HOLE | DiskFile.FALLOC_FL_KEEP_SIZE, 12, 4096), "tail punch");
        assertEquals(16, f.lseek(0, DiskFile.SEEK_END), "a punch keeps the size");
        assertEquals("012345\0\0\0\0", read(f, 10, 6));
        assertEquals(0, f.fallocate(DiskFile.FALLOC_FL_ZERO_RANGE | DiskFile.FALLOC_FL_KEEP_SIZE, 6, 2));
        assertEquals("\0\0" + "2345", read(f, 6, 6));
        assertEquals(0, f.fallocate(DiskFile.FALLOC_FL_ZERO_RANGE, 8, 100));
        assertEquals(108, f.lseek(0, DiskFile.SEEK_END), "zero range without KEEP_SIZE extends");
        assertEquals(0, f.ftruncate(7));
        assertEquals(7, f.lseek(0, DiskFile.SEEK_END));
        assertEquals(0, f.lseek(0, DiskFile.SEEK_DATA), "written data");
        assertEquals(7, f.lseek(0, DiskFile.SEEK_HOLE), "the end is a hole");
        assertEquals(-DiskFile.ENXIO, f.lseek(7, DiskFile.SEEK_DATA), "no data at the end");
        f.close();
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void renameReplacesTheTargetAndRemovesTheSource(String name) throws IOException {
        Disk disk = disk(name);
        Path tmp = dir.resolve("catalog.json.tmp");
        Path live = dir.resolve("catalog.json");
        store.write(live, "old".getBytes(UTF_8));
        store.write(tmp, "new content".getBytes(UTF_8));
        disk.rename(tmp, live);
        disk.syncDirectory(dir);
        assertArrayEquals("new content".getBytes(UTF_8), disk.readAll(live));
        assertFalse(disk.exists(tmp));
        assertEquals(List.of(live), disk.list(dir));
        assertThrows(IOException.class, () -> disk.rename(tmp, live), "a missing source");
    }

    @ParameterizedTest
    @ValueSource(strings = {MetadataStore.POSIX, MetadataStore.RADOS})
    void directoriesListTheirEntriesInNameOrder(String name) throws IOException {
        Disk disk = disk(name);
        Path flash = dir.resolve("flash");
        Path revert = flash.resolve("revert/r1");
        disk.createDirectories(revert);
        disk.createDirectories(revert); // again: nothing changes
        assertTrue(disk.exists(revert));
        assertFalse(disk.isRegularFile(revert));
        store.write(flash.resolve("journal"), new byte[] {1});
        store.write(flash.resolve("checkpoint-2"), new byte[] {2});
        store.write(flash.resolve("checkpoint-10"), new byte[] {3});
        store.write(revert.resolve("log"), new byte[] {4});
        assertEquals(
                List.of(
                        flash.resolve("checkpoint-10"),
                        flash.resolve("checkpoint-2"),
                        flash.resolve("journal"),
                        flash.resolve("revert")),
                disk.list(flash));
        assertEquals(List.of(flash), disk.list(dir));
        assertEquals(List.of(revert.resolve("log")), disk.list(revert));

        disk.deleteIfExists(flash.resolve("checkpoint-2"));
        disk.deleteIfExists(flash.resolve("checkpoint-2")); // again: no error
        assertFalse(disk.exists(flash.resolve("checkpoint-2")));
        assertThrows(DirectoryNotEmptyException.class, () -> disk.deleteIfExists(revert));
        disk.deleteIfExists(revert.resolve("log"));
        disk.deleteIfExists(revert);
        assertFalse(disk.exists(revert));
        assertEquals(List.of(), disk.list(flash.resolve("revert")));
        assertEquals(
                List.of(flash.resolve("checkpoint-10"), flash.resolve("journal"), flash.resolve("revert")),
                disk.list(flash));
        assertThrows(IOException.class, () -> disk.list(dir.resolve("absent")));
    }
}
