package dev.flashcopy.engine.journal;

import dev.flashcopy.engine.storage.AtomicFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
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
    private final FileChannel channel;
    private long end;

    private JournalFile(Path path, FileChannel channel, long end) {
        this.path = path;
        this.channel = channel;
        this.end = end;
    }

    /** Opens the journal, creating it with a header when missing; a bad header is an IOException. */
    public static JournalFile open(Path path) throws IOException {
        boolean fresh = !Files.exists(path);
        FileChannel ch = FileChannel.open(path, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
        try {
            if (fresh || ch.size() == 0) {
                ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                header.put(MAGIC).putInt(VERSION).putInt(0).flip();
                ch.truncate(0);
                writeFully(ch, header, 0);
                // Durability: the header must be on disk before any record is appended after it, and
                // the new directory entry before the journal is relied on.
                ch.force(true);
                AtomicFile.syncDirectory(path.toAbsolutePath().getParent());
            } else {
                ByteBuffer header = ByteBuffer.allocate(HEADER_BYTES).order(ByteOrder.LITTLE_ENDIAN);
                readFully(ch, header, 0);
                byte[] magic = new byte[MAGIC.length];
                header.flip().get(magic);
                int version = header.getInt();
                if (!java.util.Arrays.equals(magic, MAGIC) || version != VERSION) {
                    throw new IOException("journal " + path + " has no valid header (expected: FCJOURNL version "
                            + VERSION + ")");
                }
            }
            return new JournalFile(path, ch, ch.size());
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    public Path path() {
        return path;
    }

    /** Bytes in the file, header included. */
    public long size() {
        return end;
    }

    /** Reads every valid record from the start; stops at the first invalid one. */
    public Scan scan() throws IOException {
        long fileSize = channel.size();
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
            readFully(channel, buf, pos);
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
        channel.truncate(validEnd);
        // Durability: the cut must be on disk before new records are appended after it, or a crash
        // could leave new records followed by the old garbage (harmless, but confusing to report).
        channel.force(true);
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
        writeFully(channel, buf, end);
        end += records.size() * (long) RECORD_BYTES;
    }

    /** fdatasync: every appended record is on stable storage on return. */
    public void force() throws IOException {
        channel.force(false);
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            pos += ch.write(buf, pos);
        }
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos) throws IOException {
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of " + ch + " at " + pos);
            }
            pos += n;
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
