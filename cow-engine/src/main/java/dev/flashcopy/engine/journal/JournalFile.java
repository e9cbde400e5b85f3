package dev.flashcopy.engine.journal;

import dev.flashcopy.engine.storage.DamagedMetadataException;
import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.DiskFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The journal's on-disk format, and nothing else. A 16-byte header ({@code FCJOURNL}, version) then
 * fixed-length records, each {@code u32 bodyLength | u32 crc32c(body) | body}, little-endian, then zeroes to
 * the end of the file, whose length is a whole number of {@link #CHUNK}s. Version 2
 * body = {@code u8 type (1 to-copy cleared, 2 source changed, 3 target changed, 4 borrowed cleared) | u64 seq
 * | u64 relationship | u64 firstGrain | u64 grainCount | u64 batchFirstSeq}; version 1 (read only, until the
 * next {@link #reset}) lacks {@code batchFirstSeq}.
 *
 * <p>Sequence numbers in one file are consecutive (record k holds seq {@code s0 + k}), and each record names
 * the first seq of the append (group commit) it was written in. At most one append is ever unforced (the
 * next one starts after the previous force), so after a power loss only the last append can be partial. The
 * {@link #scan} tells the two kinds of bad record apart:
 * <ul>
 *   <li>a <b>torn tail</b>: every bad record lies in the last append (no valid record after it belongs to a
 *       later append) and reads zero from its part of some 512-byte sector to that sector's end, or lies past the end
 *       of the file, which is what a write cut short by a power loss leaves; it is cut ({@link #truncate});</li>
 *   <li><b>corruption</b>: any other bad record (a flipped bit, a lost or misplaced write in an older,
 *       forced append) or a sequence number out of place; reported in {@link Scan#corruption()}, never
 *       cut. A lost or cut-off last append is indistinguishable from a power loss before its force.</li>
 * </ul>
 *
 * <p>Not thread-safe: the {@link Journal} serialises all use.
 */
public final class JournalFile implements AutoCloseable {
    static final byte[] MAGIC = {'F', 'C', 'J', 'O', 'U', 'R', 'N', 'L'};
    static final int VERSION = 2;
    static final int VERSION_1 = 1;
    static final int HEADER_BYTES = 16;
    static final int BODY_BYTES = JournalRecord.BODY_BYTES + 8;
    static final int RECORD_BYTES = 8 + BODY_BYTES;
    static final int RECORD_BYTES_V1 = 8 + JournalRecord.BODY_BYTES;
    /**
     * A version 2 file's length is always a multiple of this (grown, and made durable, before records are
     * written into the new part), so a file cut to any other length is damage, not a power loss.
     */
    static final int CHUNK = 64 << 10;

    /**
     * What a scan found: the valid records before the first bad one, where they end, where the written part of
     * the file ends ({@code fileSize}: version 2 files are preallocated, so the zeroes after the last written
     * record do not count), why the rest is a torn tail ({@code tailProblem}, null when nothing is left over),
     * and, when the damage is not a torn tail, what is damaged ({@code corruption}, naming the offset; null when
     * none) at {@code corruptOffset} (-1 when none).
     */
    public record Scan(
            List<JournalRecord> records,
            long validEnd,
            long fileSize,
            String tailProblem,
            String corruption,
            long corruptOffset) {
        public Scan(List<JournalRecord> records, long validEnd, long fileSize, String tailProblem) {
            this(records, validEnd, fileSize, tailProblem, null, -1);
        }

        public long truncatedBytes() {
            return fileSize - validEnd;
        }

        /** True when the file holds damage that is not a torn tail (never to be cut). */
        public boolean corrupt() {
            return corruption != null;
        }
    }

    private final Path path;
    private final Disk disk;
    private DiskFile channel;
    private long end;
    /** The file's length (version 2: whole chunks), so an append does not ask the kernel. */
    private long length;

    private int version;
    private boolean closed;

    private JournalFile(Disk disk, Path path, DiskFile channel, long end, int version) {
        this.disk = disk;
        this.path = path;
        this.channel = channel;
        this.end = end;
        this.length = end;
        this.version = version;
    }

    /** Opens the journal, creating it with a header when missing; a bad header is an IOException. */
    public static JournalFile open(Path path) throws IOException {
        return open(Disk.posix(), path);
    }

    /**
     * Opens the journal on {@code disk}, creating it when missing (or empty: a version 1 file whose creation a crash
     * cut short). A version 2 file is created whole (header, one chunk) under a temporary name and renamed, so a
     * journal of any other shape is damage, never a creation cut short.
     */
    public static JournalFile open(Disk disk, Path path) throws IOException {
        if (!disk.exists(path) || disk.readAll(path).length == 0) {
            create(disk, path);
        }
        DiskFile ch = disk.open(path, Disk.OpenMode.WRITE);
        try {
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            if (size(ch, path) < HEADER_BYTES) {
                throw new DamagedMetadataException(
                        path, 0, -1, "journal " + path + " is " + size(ch, path) + " bytes, shorter than its header");
            }
            readFully(ch, header, 0, path);
            byte[] magic = new byte[MAGIC.length];
            header.flip().get(magic);
            int version = header.getInt();
            if (!Arrays.equals(magic, MAGIC) || (version != VERSION && version != VERSION_1)) {
                throw new DamagedMetadataException(
                        path,
                        0,
                        -1,
                        "journal " + path + " has no valid header at offset 0" + " (expected: FCJOURNL version "
                                + VERSION_1 + " or " + VERSION + ")");
            }
            JournalFile file = new JournalFile(disk, path, ch, size(ch, path), version);
            if (version == VERSION) {
                file.end = file.scan().validEnd(); // the next append goes after the valid records
            }
            return file;
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    /** Writes an empty version 2 journal under a temporary name and renames it over {@code path}. */
    private static void create(Disk disk, Path path) throws IOException {
        Path dir = path.toAbsolutePath().getParent();
        Path tmp = dir.resolve(path.getFileName() + ".tmp");
        DiskFile ch = disk.open(tmp, Disk.OpenMode.CREATE_TRUNCATE);
        try {
            ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
            header.put(MAGIC).putInt(VERSION).putInt(0).flip();
            check(ch.ftruncate(CHUNK), "truncate", tmp);
            writeFully(ch, header, 0, tmp);
            // Durability: header and length are on disk before the rename makes the file the journal.
            check(ch.fsync(), "fsync", tmp);
        } finally {
            ch.close();
        }
        disk.rename(tmp, path);
        // Durability: the rename is durable before the journal is relied on.
        disk.syncDirectory(dir);
    }

    public Path path() {
        return path;
    }

    /** The disk the journal lives on; its checkpoint goes there too. */
    public Disk disk() {
        return disk;
    }

    /** Bytes in the file, header included. */
    public long size() {
        return end;
    }

    /**
     * Reads every record, tells a torn tail from corruption (see the class comment and {@link JournalScan}), and
     * returns the valid records before the first bad one.
     */
    public Scan scan() throws IOException {
        long fileSize = size(channel, path);
        if (version == VERSION && fileSize % CHUNK != 0) {
            String what = "journal " + path + ": " + fileSize + " bytes (expected: a multiple of " + CHUNK
                    + "): the file was cut short";
            return new Scan(List.of(), HEADER_BYTES, fileSize, null, what, fileSize);
        }
        if (fileSize - HEADER_BYTES > Integer.MAX_VALUE / 2) {
            throw new IOException("journal " + path + " is " + fileSize + " bytes (expected: far fewer records)");
        }
        byte[] all = new byte[(int) Math.max(0, fileSize - HEADER_BYTES)];
        if (all.length > 0) {
            readFully(channel, ByteBuffer.wrap(all), HEADER_BYTES, path);
        }
        return version == VERSION_1 ? JournalScan.version1(all) : JournalScan.version2(all, fileSize, path);
    }

    /** Cuts the file at {@code validEnd} (after a scan found a torn tail). */
    public void truncate(long validEnd) throws IOException {
        if (version == VERSION) {
            // The cut part reads zero (free space again); the length stays whole chunks.
            long length = size(channel, path);
            if (length > validEnd) {
                check(
                        channel.fallocate(
                                DiskFile.FALLOC_FL_PUNCH_HOLE | DiskFile.FALLOC_FL_KEEP_SIZE,
                                validEnd,
                                length - validEnd),
                        "punch hole",
                        path);
            }
        } else {
            check(channel.ftruncate(validEnd), "truncate", path);
        }
        // Durability: the cut must be on disk before new records are appended after it, or a crash
        // could leave new records followed by the old garbage (harmless, but confusing to report).
        check(channel.fsync(), "fsync", path);
        end = validEnd;
    }

    /** Drops every record (after a checkpoint made them redundant). */
    public void reset() throws IOException {
        if (version == VERSION_1) {
            // The upgrade: a version 1 file is read once (recovery), then replaced by an empty version 2 one.
            create(disk, path);
            channel.close();
            channel = disk.open(path, Disk.OpenMode.WRITE);
            version = VERSION;
            end = HEADER_BYTES;
            length = CHUNK;
            return;
        }
        truncate(HEADER_BYTES);
    }

    /**
     * Appends records after the last one; not durable until {@link #force()}. Their sequence numbers must be
     * consecutive and follow the file's last record (the scan takes anything else for a lost write).
     */
    public void append(List<JournalRecord> records) throws IOException {
        if (records.isEmpty()) {
            return;
        }
        for (int i = 1; i < records.size(); i++) {
            if (records.get(i).seq() != records.get(0).seq() + i) {
                throw new IllegalArgumentException(
                        "records: seq " + records.get(i).seq() + " at index " + i + " (expected: consecutive from "
                                + records.get(0).seq() + ")");
            }
        }
        int recordBytes = version == VERSION_1 ? RECORD_BYTES_V1 : RECORD_BYTES;
        int body = recordBytes - 8;
        long batchFirst = records.get(0).seq();
        ByteBuffer buf = ByteBuffer.allocate(records.size() * recordBytes).order(ByteOrder.LITTLE_ENDIAN);
        CRC32C crc = new CRC32C();
        for (JournalRecord r : records) {
            int start = buf.position();
            buf.putInt(body).putInt(0);
            buf.put(r.type().code())
                    .putLong(r.seq())
                    .putLong(r.relationshipId())
                    .putLong(r.firstGrain())
                    .putLong(r.grainCount());
            if (version != VERSION_1) {
                buf.putLong(batchFirst);
            }
            crc.reset();
            crc.update(buf.array(), start + 8, body);
            buf.putInt(start + 4, (int) crc.getValue());
        }
        buf.flip();
        long newEnd = end + records.size() * (long) recordBytes;
        if (version == VERSION && newEnd > length) {
            check(channel.ftruncate(roundUp(newEnd)), "truncate", path);
            length = roundUp(newEnd);
            // Durability: the longer length is stable before any record lands in the new part, so a power loss
            // never leaves a length that is not a whole number of chunks.
            check(channel.fsync(), "fsync", path);
        }
        writeFully(channel, buf, end, path);
        end = newEnd;
    }

    /** fdatasync: every appended record is on stable storage on return. */
    public void force() throws IOException {
        check(channel.fdatasync(), "fdatasync", path);
    }

    private static long roundUp(long length) {
        return (length + CHUNK - 1) / CHUNK * CHUNK;
    }

    private static long size(DiskFile ch, Path path) throws IOException {
        long size = ch.lseek(0, DiskFile.SEEK_END);
        check(size, "lseek", path);
        return size;
    }

    private static void writeFully(DiskFile ch, ByteBuffer buf, long pos, Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int length = buf.remaining();
            MemorySegment native_ = arena.allocate(Math.max(1, length));
            native_.copyFrom(MemorySegment.ofBuffer(buf));
            long done = 0;
            while (done < length) {
                long n = ch.pwrite(native_.asSlice(done), length - done, pos + done);
                check(n, "write", path);
                done += n;
            }
            buf.position(buf.limit());
        }
    }

    private static void readFully(DiskFile ch, ByteBuffer buf, long pos, Path path) throws IOException {
        try (Arena arena = Arena.ofConfined()) {
            int length = buf.remaining();
            MemorySegment native_ = arena.allocate(Math.max(1, length));
            long done = 0;
            while (done < length) {
                long n = ch.pread(native_.asSlice(done), length - done, pos + done);
                check(n, "read", path);
                if (n == 0) {
                    throw new IOException("unexpected end of " + path + " at " + (pos + done));
                }
                done += n;
            }
            buf.put(native_.asByteBuffer());
        }
    }

    private static void check(long result, String what, Path path) throws IOException {
        if (result < 0 && result != -4 /* EINTR: the callers above do not retry, so it stays an error */) {
            throw new IOException(what + " " + path + " failed: errno " + -result
                    + (result == -DiskFile.ENOSPC
                            ? " (no space left on device)"
                            : result == -DiskFile.EIO ? " (I/O error)" : ""));
        }
        if (result == -4) {
            throw new IOException(what + " " + path + " interrupted (EINTR)");
        }
    }

    @Override
    public void close() throws IOException {
        if (!closed) {
            closed = true; // a descriptor closed twice could be another file's by then
            channel.close();
        }
    }
}
