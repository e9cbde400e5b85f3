package dev.flashcopy.engine.storage.rados;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.storage.AtomicFile;
import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.DiskFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What only a RADOS-backed disk has to show: object names, the object size limit, rename seen by a reader. */
class RadosDiskTest {
    private static final int EFBIG = 27;

    @TempDir
    Path dir;

    private MetadataStore store;
    private Disk disk;

    @BeforeEach
    void open() throws IOException {
        store = MetadataStore.open(MetadataStore.RADOS, dir);
        disk = store.disk();
    }

    @AfterEach
    void cleanUp() throws IOException {
        store.close();
    }

    @Test
    void pathOutsideTheRootIsAClearError() {
        Path outside = dir.getParent().resolve("elsewhere/catalog.json");
        IOException e = assertThrows(IOException.class, () -> disk.open(outside, Disk.OpenMode.CREATE));
        assertTrue(e.getMessage().contains(outside + " is outside " + dir), e.getMessage());
        assertThrows(IOException.class, () -> disk.list(dir.getParent()));
        assertThrows(
                IOException.class, () -> disk.createDirectories(dir.getParent().resolve("x")));
        assertThrows(IOException.class, () -> disk.rename(dir.resolve("a"), outside));
    }

    @Test
    void fileIsTheObjectNamedAfterItsRelativePath() throws IOException {
        disk.createDirectories(dir.resolve("flash"));
        store.write(dir.resolve("flash/journal"), "records".getBytes(UTF_8));
        String oid = store.prefix() + "/flash/journal";
        assertArrayEquals("records".getBytes(UTF_8), MetadataStore.pool().readAll(oid));
    }

    @Test
    void writePastTheObjectSizeLimitIsEfbigAndChangesNothing() throws IOException {
        Path p = dir.resolve("journal");
        store.write(p, "kept".getBytes(UTF_8));
        DiskFile f = disk.open(p, Disk.OpenMode.WRITE);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment chunk = arena.allocate(64 << 10);
            assertEquals(-EFBIG, f.pwrite(chunk, chunk.byteSize(), (128L << 20) - 1024));
        }
        assertEquals(4, f.lseek(0, DiskFile.SEEK_END));
        f.close();
        assertArrayEquals("kept".getBytes(UTF_8), disk.readAll(p));
    }

    @Test
    void largeWriteIsShortAsPwriteMayBeAndTheCallersLoopFinishesIt() throws IOException {
        Path p = dir.resolve("checkpoint");
        byte[] content = new byte[20 << 20];
        new Random(7).nextBytes(content);
        DiskFile f = disk.open(p, Disk.OpenMode.CREATE_NEW);
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment src = arena.allocate(content.length);
            MemorySegment.copy(content, 0, src, ValueLayout.JAVA_BYTE, 0, content.length);
            assertEquals(RadosFile.MAX_WRITE, f.pwrite(src, content.length, 0), "short, under osd_max_write_size");
        }
        f.close();
        AtomicFile.replace(disk, p, content); // loops over short writes, then renames (one write_full of 20 MiB)
        assertArrayEquals(content, disk.readAll(p));
    }

    @Test
    void objectsNeverShareAKernelCopy() throws IOException {
        DiskFile a = disk.open(dir.resolve("a"), Disk.OpenMode.CREATE_NEW);
        DiskFile b = disk.open(dir.resolve("b"), Disk.OpenMode.CREATE_NEW);
        assertEquals(-DiskFile.EXDEV, a.copyFileRange(0, b, 0, 4096), "the caller copies by hand");
        a.close();
        b.close();
    }

    /** A crash between a create's two writes leaves a key without its object: not listed, and deletable. */
    @Test
    void entryWhoseObjectIsGoneIsNotListedAndCanBeDeleted() throws IOException {
        store.write(dir.resolve("catalog.json"), new byte[] {1});
        MetadataStore.pool().omapSet(store.prefix() + "/", "catalog.json.tmp", new byte[] {'f'}, false);
        assertEquals(List.of(dir.resolve("catalog.json")), disk.list(dir));
        assertFalse(disk.exists(dir.resolve("catalog.json.tmp")));
        disk.deleteIfExists(dir.resolve("catalog.json.tmp"));
        assertFalse(MetadataStore.pool().omap(store.prefix() + "/").containsKey("catalog.json.tmp"));
    }

    /**
     * A reader that loads the live file while a writer replaces it again and again (AtomicFile: tmp, rename) sees
     * one whole version every time: never a missing object, never a mix or a cut of two versions.
     */
    @Test
    void renameIsAtomicForAConcurrentReader() throws Exception {
        Path live = dir.resolve("catalog.json");
        List<byte[]> versions = new ArrayList<>();
        for (int v = 0; v < 8; v++) {
            byte[] content = new byte[1000 + 40_000 * v]; // up to 281 KB: past the first read of readAll
            Arrays.fill(content, (byte) ('a' + v));
            versions.add(content);
        }
        AtomicFile.replace(disk, live, versions.get(0));
        AtomicBoolean writing = new AtomicBoolean(true);
        AtomicInteger reads = new AtomicInteger();
        List<String> bad = new ArrayList<>();
        Thread reader = Thread.ofPlatform().start(() -> {
            while (writing.get() && bad.isEmpty()) {
                try {
                    byte[] seen = disk.readAll(live);
                    if (versions.stream().noneMatch(v -> Arrays.equals(v, seen))) {
                        bad.add("a read of " + seen.length + " bytes matches no version");
                    }
                    reads.incrementAndGet();
                } catch (IOException e) {
                    bad.add(e.getMessage());
                }
            }
        });
        try {
            for (int i = 1; i <= 100; i++) {
                AtomicFile.replace(disk, live, versions.get(i % versions.size()));
            }
        } finally {
            writing.set(false);
            reader.join();
        }
        assertEquals(List.of(), bad);
        assertTrue(reads.get() > 50, "the reader ran alongside: " + reads.get() + " reads");
        assertArrayEquals(versions.get(100 % versions.size()), disk.readAll(live));
        assertEquals(List.of(live), disk.list(dir), "no temporary file left");
    }
}
