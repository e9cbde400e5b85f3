package dev.flashcopy.engine.journal;

import dev.flashcopy.engine.volume.Disk;
import dev.flashcopy.engine.volume.DiskFile;
import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.CRC32C;

/**
 * The journal's on-disk format, and nothing else. A 16-byte header ({@code FCJOURNL}, version) then
 * records, each {@code u32 bodyLength | u32 crc32c(body) | body}, body = {@code u8 type (1 to-copy cleared, 2 source changed, 3 target changed, 4 borrowed cleared) | u64 seq |
 * u64 relationship | u64 firstGrain | u64 grainCount}, little-endian. A record is valid only if its
 * length is the known one, its CRC matches and its sequence number grows; the first invalid record
 * and everything after it is a torn tail (a write cut short by a crash) that {@link #scan} reports and
 * {@link #truncate} removes.
 *
 * <p>Not thread-safe: the {@link Journal} serialises all use.
 */
public final class JournalFile implements AutoCloseable {
    static final byte[] MAGIC = {'F', 'C', 'J', 'O', 'U', 'R', 'N', 'L'};
    static final int VERSION = 1;
    static final int HEADER_BYTES = 16;
    static final int RECORD_BYTES = 8 + JournalRecord.BODY_BYTES;

    /** What a scan found: the valid records, where they end, and what follows them. */
    public record Scan(List<JournalRecord> records, long validEnd, long fileSize, String tailProblem) {
        public long truncatedBytes() {
            return fileSize - validEnd;
        }
    }

    private final Path path;
    private final Disk disk;
    private final DiskFile channel;
    private long end;
    private boolean closed;

    private JournalFile(Disk disk, Path path, DiskFile channel, long end) {
        this.disk = disk;
        this.path = path;
        this.channel = channel;
        this.end = end;
    }

    /** Opens the journal, creating it with a header when missing; a bad header is an IOException. */
    public static JournalFile open(Path path) throws IOException {
        return open(Disk.posix(), path);
    }

    /** Opens the journal on {@code disk}, creating it with a header when missing or empty. */
    public static JournalFile open(Disk disk, Path path) throws IOException {
        boolean fresh = !disk.exists(path);
        DiskFile ch = disk.open(path, Disk.OpenMode.CREATE);
        try {
            if (fresh || size(ch, path) == 0) {
                ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                header.put(MAGIC).putInt(VERSION).putInt(0).flip();
                check(ch.ftruncate(0), "truncate", path);
                writeFully(ch, header, 0, path);
                // Durability: the header must be on disk before any record is appended after it, and
                // the new directory entry before the journal is relied on.
                check(ch.fsync(), "fsync", path);
                disk.syncDirectory(path.toAbsolutePath().getParent());
            } else {
                ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, header, 0, path);
                byte[] magic = new byte[MAGIC.length];
                header.flip().get(magic);
                int version = header.getInt();
                if (!java.util.Arrays.equals(magic, MAGIC) || version != VERSION) {
                    throw new IOException("journal " + path + " has no valid header (expected: FCJOURNL version "
                            + VERSION + ")");
                }
            }
            return new JournalFile(disk, path, ch, size(ch, path));
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
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

    /** Reads every valid record from the start; stops at the first invalid one. */
    public Scan scan() throws IOException {
        long fileSize = size(channel, path);
        List<JournalRecord> records = new ArrayList<>();
        ByteBuffer buf = ByteBuffer.allocate(RECORD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        long pos = HEADER_BYTES;
        long lastSeq = 0;
        String problem = null;
        while (pos < fileSize) {
            if (fileSize - pos < RECORD_BYTES) {
                problem = "short record (" + (fileSize - pos) + " bytes) at offset " + pos;
                break;
            }
            buf.clear();
            readFully(channel, buf, pos, path);
            buf.flip();
            int length = buf.getInt();
            int crc = buf.getInt();
            if (length != JournalRecord.BODY_BYTES) {
                problem = "record length " + length + " at offset " + pos + " (expected: " + JournalRecord.BODY_BYTES + ")";
                break;
            }
            CRC32C check = new CRC32C();
            check.update(buf.array(), 8, length);
            if ((int) check.getValue() != crc) {
                problem = "CRC mismatch at offset " + pos;
                break;
            }
            byte type = buf.get();
            long seq = buf.getLong();
            if (!JournalRecord.validType(type) || seq <= lastSeq) {
                problem = "record type " + type + " seq " + seq + " at offset " + pos + " (expected: type 1 to 4,"
                        + " seq above " + lastSeq + ")";
                break;
            }
            records.add(new JournalRecord(seq, type, buf.getLong(), buf.getLong(), buf.getLong()));
            lastSeq = seq;
            pos += RECORD_BYTES;
        }
        return new Scan(List.copyOf(records), pos, fileSize, problem);
    }

    /** Cuts the file at {@code validEnd} (after a scan found a torn tail). */
    public void truncate(long validEnd) throws IOException {
        check(channel.ftruncate(validEnd), "truncate", path);
        // Durability: the cut must be on disk before new records are appended after it, or a crash
        // could leave new records followed by the old garbage (harmless, but confusing to report).
        check(channel.fsync(), "fsync", path);
        end = validEnd;
    }

    /** Drops every record (after a checkpoint made them redundant). */
    public void reset() throws IOException {
        truncate(HEADER_BYTES);
    }

    /** Appends records after the last one; not durable until {@link #force()}. */
    public void append(List<JournalRecord> records) throws IOException {
        if (records.isEmpty()) {
            return;
        }
        ByteBuffer buf = ByteBuffer.allocate(records.size() * RECORD_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        CRC32C crc = new CRC32C();
        for (JournalRecord r : records) {
            int start = buf.position();
            buf.putInt(JournalRecord.BODY_BYTES).putInt(0);
            buf.put(r.type()).putLong(r.seq()).putLong(r.relationshipId())
                    .putLong(r.firstGrain()).putLong(r.grainCount());
            crc.reset();
            crc.update(buf.array(), start + 8, JournalRecord.BODY_BYTES);
            buf.putInt(start + 4, (int) crc.getValue());
        }
        buf.flip();
        writeFully(channel, buf, end, path);
        end += records.size() * (long) RECORD_BYTES;
    }

    /** fdatasync: every appended record is on stable storage on return. */
    public void force() throws IOException {
        check(channel.fdatasync(), "fdatasync", path);
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
                    + (result == -DiskFile.ENOSPC ? " (no space left on device)"
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
