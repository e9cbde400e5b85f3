package dev.flashcopy.engine.storage;

import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.DiskFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.CRC32C;

/**
 * Replaces a file's whole content so that a crash at any instant leaves either the old content or
 * the new, never a mix. The only place in flashcopy that does this. Thread-safe for distinct
 * targets; callers serialise replacements of the same target.
 *
 * <p>JSON metadata goes through {@link #replaceChecked} and {@link #readChecked}: an envelope line
 * {@code FCMETA1 <crc32c of the content, 8 hex digits> <content length>\n} before the content, verified on
 * every load, so a flipped bit, a torn or truncated file is {@link DamagedMetadataException}, never a
 * silently different value. The upgrade rule: a file written before the envelope (its first byte is
 * {@code '{'} or {@code '['}, which no damage to the envelope's {@code 'F'} produces in one bit) is read
 * without a check exactly once, at the server's open, and rewritten with the envelope there and then.
 */
public final class AtomicFile {
    private AtomicFile() {}

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

    static final String ENVELOPE = "FCMETA1";

    /** {@link #replace} with the checksum envelope in front of {@code content}. */
    public static void replaceChecked(Disk disk, Path target, byte[] content) throws IOException {
        replace(disk, target, envelope(content));
    }

    /** {@code content} with the checksum envelope in front. */
    public static byte[] envelope(byte[] content) {
        CRC32C crc = new CRC32C();
        crc.update(content);
        byte[] head = String.format("%s %08x %d\n", ENVELOPE, crc.getValue(), content.length)
                .getBytes(StandardCharsets.US_ASCII);
        byte[] all = Arrays.copyOf(head, head.length + content.length);
        System.arraycopy(content, 0, all, head.length, content.length);
        return all;
    }

    /** What {@link #verify} found in a file. */
    public enum Check {
        /** The envelope's checksum and length match. */
        CHECKED,
        /** Written before the envelope: accepted once (see the class comment). */
        LEGACY
    }

    /**
     * The content of a file written by {@link #replaceChecked}, verified; a legacy file without the envelope
     * is returned as it is and, when {@code upgrade}, rewritten with the envelope at once.
     *
     * @throws DamagedMetadataException when the envelope is missing, damaged, or does not match the content
     */
    public static byte[] readChecked(Disk disk, Path file, boolean upgrade) throws IOException {
        byte[] data = disk.readAll(file);
        byte[] content = unwrap(file, data);
        if (content == null) {
            if (upgrade) {
                replaceChecked(disk, file, data);
            }
            return data;
        }
        return content;
    }

    /** Whether {@code file} passes its check ({@link Check}); damage is a {@link DamagedMetadataException}. */
    public static Check verify(Disk disk, Path file) throws IOException {
        return unwrap(file, disk.readAll(file)) == null ? Check.LEGACY : Check.CHECKED;
    }

    /** The content inside the envelope, or null for a legacy file. */
    private static byte[] unwrap(Path file, byte[] data) throws DamagedMetadataException {
        if (data.length > 0 && (data[0] == '{' || data[0] == '[')) {
            return null;
        }
        int newline = -1;
        for (int i = 0; i < Math.min(data.length, 64); i++) {
            if (data[i] == '\n') {
                newline = i;
                break;
            }
        }
        String head = newline < 0 ? "" : new String(data, 0, newline, StandardCharsets.US_ASCII);
        String[] parts = head.split(" ");
        if (parts.length != 3
                || !parts[0].equals(ENVELOPE)
                || !parts[1].matches("[0-9a-f]{8}")
                || !parts[2].matches("\\d{1,10}")) {
            throw new DamagedMetadataException(
                    file,
                    0,
                    -1,
                    file + " is damaged: no valid checksum line at" + " offset 0 (expected: " + ENVELOPE
                            + " CRC LENGTH)");
        }
        long length = Long.parseLong(parts[2]);
        int start = newline + 1;
        if (data.length - start != length) {
            throw new DamagedMetadataException(
                    file,
                    start,
                    -1,
                    file + " is damaged: " + (data.length - start) + " content bytes after offset " + start
                            + " (expected: " + length + ", truncated or torn)");
        }
        CRC32C crc = new CRC32C();
        crc.update(data, start, data.length - start);
        if (crc.getValue() != Long.parseLong(parts[1], 16)) {
            throw new DamagedMetadataException(
                    file,
                    start,
                    -1,
                    file + " is damaged: CRC mismatch in the " + length + " bytes from offset " + start);
        }
        return Arrays.copyOfRange(data, start, data.length);
    }

    /** Writes all of {@code content} at offset 0. */
    private static void writeFully(DiskFile file, byte[] content, Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment buf = arena.allocate(Math.max(1, content.length));
            MemorySegment.copy(content, 0, buf, ValueLayout.JAVA_BYTE, 0, content.length);
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
                    + (result == -DiskFile.ENOSPC
                            ? " (no space left on device)"
                            : result == -DiskFile.EIO ? " (I/O error)" : ""));
        }
    }

    /** Makes a directory's entries (creates, renames, deletes) durable. */
    public static void syncDirectory(Path dir) throws IOException {
        Disk.posix().syncDirectory(dir);
    }
}
