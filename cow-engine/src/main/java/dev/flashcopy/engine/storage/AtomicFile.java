package dev.flashcopy.engine.storage;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Replaces a file's whole content so that a crash at any instant leaves either the old content or
 * the new, never a mix. The only place in flashcopy that does this. Thread-safe for distinct
 * targets; callers serialise replacements of the same target.
 */
public final class AtomicFile {
    private AtomicFile() {
    }

    public static void replace(Path target, byte[] content) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Path tmp = dir.resolve(target.getFileName() + ".tmp");
        try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.TRUNCATE_EXISTING)) {
            ByteBuffer buf = ByteBuffer.wrap(content);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
            // Durability: the new content must be on disk before the rename makes it the live file,
            // or a crash could leave a renamed but empty file.
            ch.force(true);
        }
        try {
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            throw new IOException("file system of " + dir + " cannot rename atomically", e);
        }
        // Durability: the rename itself lives in the directory; fsync it so the switch survives a crash.
        syncDirectory(dir);
    }

    /** Makes a directory's entries (creates, renames, deletes) durable. */
    public static void syncDirectory(Path dir) throws IOException {
        try (FileChannel ch = FileChannel.open(dir, StandardOpenOption.READ)) {
            ch.force(true);
        }
    }
}
