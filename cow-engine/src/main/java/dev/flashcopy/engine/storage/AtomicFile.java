package dev.flashcopy.engine.storage;

import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.DiskFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.file.Path;

/**
 * Replaces a file's whole content so that a crash at any instant leaves either the old content or
 * the new, never a mix. The only place in flashcopy that does this. Thread-safe for distinct
 * targets; callers serialise replacements of the same target.
 */
public final class AtomicFile {
    private AtomicFile() {
    }

    public static void replace(Path target, byte[] content) throws IOException {
        replace(Disk.posix(), target, content);
    }

    public static void replace(Disk disk, Path target, byte[] content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        DiskFile file = disk.open(tmp, Disk.OpenMode.CREATE_TRUNCATE);
        try {
            writeFully(file, content, tmp);
            // Durability: the new content must be on disk before the rename makes it the live file,
            // or a crash could leave a renamed but empty file.
            check(file.fsync(), "fsync", tmp);
        } finally {
            file.close();
        }
        disk.rename(tmp, target);
        // Durability: the rename itself lives in the directory; fsync it so the switch survives a crash.
        disk.syncDirectory(dir);
    }

    /** Writes all of {@code content} at offset 0. */
    private static void writeFully(DiskFile file, byte[] content, Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, content.length));
            MemorySegment.copy(content, 0, buf, java.lang.foreign.ValueLayout.JAVA_BYTE, 0, content.length);
            long done = 0;
            while (done < content.length) {
                long n = file.pwrite(buf.asSlice(done), content.length - done, done);
                if (n < 0 && n != -4 /* EINTR */) {
                    check((int) n, "write", path);
                }
                done += Math.max(0, n);
            }
        }
    }

    private static void check(int result, String what, Path path) throws IOException {
        if (result < 0) {
            throw new IOException(what + " " + path + " failed: errno " + -result
                    + (result == -DiskFile.ENOSPC ? " (no space left on device)"
                    : result == -DiskFile.EIO ? " (I/O error)" : ""));
        }
    }

    /** Makes a directory's entries (creates, renames, deletes) durable. */
    public static void syncDirectory(Path dir) throws IOException {
        Disk.posix().syncDirectory(dir);
    }
}
