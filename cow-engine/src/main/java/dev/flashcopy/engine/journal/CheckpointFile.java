package dev.flashcopy.engine.journal;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.storage.AtomicFile;
import dev.flashcopy.engine.storage.DamagedMetadataException;
import dev.flashcopy.engine.volume.Disk;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32C;

/**
 * The checkpoint: every live relationship's bitmaps as of journal sequence number {@code lastSeq}.
 * Format (big-endian): {@code FCCHKPT1 | u32 version | u64 lastSeq | u32 count | count x entry | u32
 * crc32c(everything before)}; version 2 entry = {@code u64 relationship | u64 grains | u64 generation |
 * 4 x (u32 length | roaring bytes)} (to-copy, source changed, target changed, borrowed); version 1 entry
 * = {@code u64 relationship | u64 grains | u32 length | roaring bytes} (to-copy only, generation 0), still
 * read so a data directory from before change recording opens. Written with
 * {@link AtomicFile#replace}, so a crash leaves the old checkpoint or the new one; a file that fails its
 * CRC or does not parse is an IOException naming the file, never a silently wrong bitmap.
 *
 * <p>Stateless and thread-safe; the {@link Journal} serialises writes.
 */
public final class CheckpointFile {
    static final byte[] MAGIC = {'F', 'C', 'C', 'H', 'K', 'P', 'T', '1'};
    static final int VERSION = 2;
    static final int VERSION_1 = 1;

    /** A checkpoint's content: bitmaps by relationship id, covering journal records up to {@code lastSeq}. */
    public record Content(long lastSeq, Map<Long, BitmapSet> bitmaps) {
        public static Content empty() {
            return new Content(0, Map.of());
        }
    }

    private CheckpointFile() {}

    /** Writes to-copy bitmaps only, every relationship at generation 0 (tests and tools). */
    public static void writeToCopy(Path path, long lastSeq, Map<Long, GrainBitmap> bitmaps) throws IOException {
        Map<Long, BitmapSet> sets = new TreeMap<>();
        bitmaps.forEach((id, b) -> sets.put(id, BitmapSet.of(b)));
        write(path, lastSeq, sets);
    }

    public static void write(Path path, long lastSeq, Map<Long, BitmapSet> bitmaps) throws IOException {
        write(Disk.posix(), path, lastSeq, bitmaps);
    }

    public static void write(Disk disk, Path path, long lastSeq, Map<Long, BitmapSet> bitmaps) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        DataOutputStream out = new DataOutputStream(bytes);
        out.write(MAGIC);
        out.writeInt(VERSION);
        out.writeLong(lastSeq);
        out.writeInt(bitmaps.size());
        for (Map.Entry<Long, BitmapSet> e : new TreeMap<>(bitmaps).entrySet()) {
            BitmapSet set = e.getValue();
            out.writeLong(e.getKey());
            out.writeLong(set.grains());
            out.writeLong(set.generation());
            for (GrainBitmap b : List.of(set.toCopy(), set.sourceChanged(), set.targetChanged(), set.borrowed())) {
                byte[] data = b.serialize();
                out.writeInt(data.length);
                out.write(data);
            }
        }
        CRC32C crc = new CRC32C();
        crc.update(bytes.toByteArray());
        out.writeInt((int) crc.getValue());
        out.flush();
        AtomicFile.replace(disk, path, bytes.toByteArray());
    }

    /** The checkpoint at {@code path}, or {@link Content#empty()} when there is none yet. */
    public static Content read(Path path) throws IOException {
        return read(Disk.posix(), path);
    }

    /** The checkpoint at {@code path} on {@code disk}, or {@link Content#empty()} when there is none yet. */
    public static Content read(Disk disk, Path path) throws IOException {
        if (!disk.exists(path)) {
            return Content.empty();
        }
        byte[] data = disk.readAll(path);
        try {
            if (data.length < MAGIC.length + 4 + 8 + 4 + 4
                    || !Arrays.equals(Arrays.copyOf(data, MAGIC.length), MAGIC)) {
                throw new IOException("not a checkpoint (expected: FCCHKPT1 header)");
            }
            CRC32C crc = new CRC32C();
            crc.update(data, 0, data.length - 4);
            ByteBuffer buf = ByteBuffer.wrap(data);
            if ((int) crc.getValue() != buf.getInt(data.length - 4)) {
                throw new IOException("CRC mismatch");
            }
            buf.position(MAGIC.length);
            int version = buf.getInt();
            if (version != VERSION && version != VERSION_1) {
                throw new IOException("version " + version + " (expected: " + VERSION_1 + " or " + VERSION + ")");
            }
            long lastSeq = buf.getLong();
            int count = buf.getInt();
            Map<Long, BitmapSet> bitmaps = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                long id = buf.getLong();
                long grains = buf.getLong();
                if (version == VERSION_1) {
                    bitmaps.put(id, BitmapSet.of(bitmap(buf, id, grains)));
                    continue;
                }
                long generation = buf.getLong();
                bitmaps.put(
                        id,
                        new BitmapSet(
                                generation,
                                bitmap(buf, id, grains),
                                bitmap(buf, id, grains),
                                bitmap(buf, id, grains),
                                bitmap(buf, id, grains)));
            }
            if (buf.remaining() != 4) {
                throw new IOException(buf.remaining() - 4 + " unexpected bytes after the last bitmap");
            }
            return new Content(lastSeq, bitmaps);
        } catch (IOException | BufferUnderflowException | IllegalArgumentException e) {
            Path dataDir = path.toAbsolutePath().getParent().getParent();
            DamagedMetadataException damage = DamagedMetadataException.refused(
                    dataDir,
                    path,
                    -1,
                    -1,
                    "checkpoint " + path + " is damaged (" + e.getMessage()
                            + "): relationships cannot be recovered safely from it");
            damage.initCause(e);
            throw damage;
        }
    }

    private static GrainBitmap bitmap(ByteBuffer buf, long id, long grains) throws IOException {
        int length = buf.getInt();
        if (length < 0 || length > buf.remaining() - 4) {
            throw new IOException("bitmap of relationship " + id + " claims " + length + " bytes");
        }
        byte[] bitmap = new byte[length];
        buf.get(bitmap);
        return GrainBitmap.deserialize(bitmap, grains);
    }
}
