package dev.flashcopy.engine.revert;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.image.ImageStore;
import dev.flashcopy.engine.image.VolumeImage;
import dev.flashcopy.engine.journal.JournalFile;
import dev.flashcopy.engine.journal.JournalRecord;
import dev.flashcopy.engine.journal.RecordType;
import dev.flashcopy.engine.storage.AtomicFile;
import dev.flashcopy.engine.storage.DamagedMetadataException;
import dev.flashcopy.engine.volume.Disk;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The undo area of one revertible relationship: {@code revert-ID.img}, a sparse image of the target's size
 * holding each preserved grain at its own offset, and {@code revert-ID.log}, the grains preserved since the
 * last commit in the journal's record format (type "target changed", one record per run, CRC per record).
 * A grain is in the area only once the log says so durably, and the log says so only after the grain's data
 * is durable in the image; a torn log tail is cut at open, which loses only grains whose target write had
 * not started. A third file, {@code revert-ID.reverting}, marks a revert in progress so that open finishes it.
 * Every file operation goes through the data directory's {@link Disk}, so power-loss tests cover the area.
 *
 * <p>Thread-safe: preserving, committing and reading are serialised on this object.
 */
public final class RevertArea implements AutoCloseable {
    /** Reads the target's current view of {@code [offset, offset + dst.remaining())}. */
    @FunctionalInterface
    public interface ViewReader {
        void read(long offset, ByteBuffer dst) throws BlockIoException;
    }

    private final long id;
    private final Disk disk;
    private final ImageStore images;
    private final Path dir;
    private final GrainGeometry geometry;
    private final VolumeImage image;
    private final JournalFile log;
    private final GrainBitmap preserved;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(GrainGeometry.MAX_GRAIN);
    private long seq;

    private RevertArea(
            long id,
            Disk disk,
            ImageStore images,
            Path dir,
            GrainGeometry geometry,
            VolumeImage image,
            JournalFile log,
            GrainBitmap preserved,
            long seq) {
        this.id = id;
        this.disk = disk;
        this.images = images;
        this.dir = dir;
        this.geometry = geometry;
        this.image = image;
        this.log = log;
        this.preserved = preserved;
        this.seq = seq;
    }

    static Path imagePath(Path dir, long id) {
        return dir.resolve("revert-" + id + ".img");
    }

    /** Where the image store keeps the area's image: the file itself, or an RBD image named after it. */
    static String imageLocation(ImageStore images, Path dir, long id) {
        return images.internalLocation(imagePath(dir, id));
    }

    /** Removes the image of a stale area (the recovery sweep: on RBD it is not among the directory's files). */
    public static void deleteImage(ImageStore images, Path dir, long id) throws IOException {
        images.delete(imageLocation(images, dir, id));
    }

    static Path logPath(Path dir, long id) {
        return dir.resolve("revert-" + id + ".log");
    }

    static Path markerPath(Path dir, long id) {
        return dir.resolve("revert-" + id + ".reverting");
    }

    /** True when relationship {@code id} is revertible (its log exists). */
    public static boolean exists(Disk disk, Path dir, long id) {
        return disk.exists(logPath(dir, id));
    }

    /**
     * True when the log of relationship {@code id} is a creation a crash cut short: the directory entry became
     * durable, the header never did (at most a header's length, all zero). {@link #create} had not returned, so
     * the relationship never became revertible; anything else unreadable is corruption, for {@link #open} to
     * report.
     */
    public static boolean creationCutShort(Disk disk, Path dir, long id) throws IOException {
        byte[] log = disk.readAll(logPath(dir, id));
        if (log.length > 16) {
            return false;
        }
        for (byte b : log) {
            if (b != 0) {
                return false;
            }
        }
        return log.length > 0;
    }

    /**
     * The relationship id a revert area file of {@code dir} belongs to, or -1 when {@code file} is not one
     * ({@code revert-ID.img}, {@code .log}, {@code .reverting}, or the latter's {@code .tmp}).
     */
    public static long idOf(Path file) {
        String name = file.getFileName().toString();
        return name.matches("revert-\\d{1,18}\\..+") ? Long.parseLong(name.substring(7, name.indexOf('.'))) : -1;
    }

    /** Makes relationship {@code id} revertible: an empty area over a target of {@code targetSize} bytes. */
    public static RevertArea create(Disk disk, ImageStore images, Path dir, long id, long targetSize, int grainSize)
            throws IOException {
        disk.deleteIfExists(logPath(dir, id)); // a stale log would bring back grains of an older area
        String location = imageLocation(images, dir, id);
        images.delete(location);
        VolumeImage image = images.create(location, targetSize);
        // The log's existence is what makes the relationship revertible: it comes last (open() syncs the
        // directory entry, so the image's entry is durable too once it returns).
        JournalFile log;
        try {
            log = JournalFile.open(disk, logPath(dir, id));
        } catch (IOException | RuntimeException e) {
            image.close();
            throw e;
        }
        return new RevertArea(
                id,
                disk,
                images,
                dir,
                new GrainGeometry(grainSize, targetSize),
                image,
                log,
                GrainBitmap.empty(new GrainGeometry(grainSize, targetSize).grains()),
                0);
    }

    /** Opens the area of revertible relationship {@code id}: the preserved grains as the durable log says. */
    public static RevertArea open(Disk disk, ImageStore images, Path dir, long id, long targetSize, int grainSize)
            throws IOException {
        GrainGeometry geo = new GrainGeometry(grainSize, targetSize);
        JournalFile log;
        try {
            log = JournalFile.open(disk, logPath(dir, id));
        } catch (DamagedMetadataException e) {
            throw new DamagedMetadataException(e.file(), e.offset(), id, "revert log: " + e.getMessage());
        }
        try {
            JournalFile.Scan scan = log.scan();
            if (scan.corrupt()) {
                // Never cut: the records after the damage say which target grains hold preserved data.
                throw new DamagedMetadataException(
                        logPath(dir, id),
                        scan.corruptOffset(),
                        id,
                        "revert log " + scan.corruption().substring("journal ".length()));
            }
            if (scan.truncatedBytes() > 0) {
                log.truncate(scan.validEnd());
            }
            GrainBitmap preserved = GrainBitmap.empty(geo.grains());
            long seq = 0;
            for (JournalRecord r : scan.records()) {
                long end = r.firstGrain() + r.grainCount();
                if (r.relationshipId() != id || r.firstGrain() < 0 || end > geo.grains()) {
                    throw new DamagedMetadataException(
                            logPath(dir, id),
                            -1,
                            id,
                            "revert log " + logPath(dir, id) + " record seq " + r.seq()
                                    + " names grains [" + r.firstGrain() + ", " + end + ") of relationship "
                                    + r.relationshipId() + " (expected: relationship " + id + ", within [0, "
                                    + geo.grains()
                                    + "))");
                }
                preserved.set(r.firstGrain(), end);
                seq = r.seq();
            }
            String img = imageLocation(images, dir, id);
            VolumeImage image = images.exists(img) ? images.open(img) : images.create(img, targetSize);
            return new RevertArea(id, disk, images, dir, geo, image, log, preserved, seq);
        } catch (IOException | RuntimeException e) {
            log.close();
            throw e;
        }
    }

    /** Grains preserved since the last commit (a live view; do not change it). */
    public GrainBitmap preserved() {
        return preserved;
    }

    /**
     * Copies the target's view of every grain of {@code [offset, offset + length)} not preserved yet into the
     * area, durably, before the caller overwrites the target there (the caller holds those grains' locks).
     */
    public synchronized void preserve(long offset, long length, ViewReader view) throws BlockIoException {
        long cover = Math.min(offset + length, geometry.size());
        if (length <= 0 || offset >= cover) {
            return;
        }
        long g0 = geometry.grainOf(offset);
        long g1 = geometry.grainOf(cover - 1);
        List<JournalRecord> records = new ArrayList<>();
        for (long g = preserved.nextClear(g0); g >= 0 && g <= g1; g = preserved.nextClear(g + 1)) {
            long start = geometry.start(g);
            ByteBuffer buf = buffer.clear().limit((int) (geometry.end(g) - start));
            view.read(start, buf);
            buf.flip();
            image.write(start, buf);
            records.add(new JournalRecord(++seq, RecordType.TARGET_CHANGED, id, g, 1));
        }
        if (records.isEmpty()) {
            return;
        }
        try {
            // Durability: the preserved grains' data is stable before the log may say they are preserved.
            image.datasync();
            log.append(records);
            // Durability: the log says "preserved" on stable storage before the caller overwrites the target
            // grains; a crash after this reverts them to the data just saved.
            log.force();
        } catch (IOException e) {
            throw e instanceof BlockIoException b
                    ? b
                    : new BlockIoException(
                            BlockError.IO, "revert log " + logPath(dir, id) + " failed: " + e.getMessage(), e);
        }
        records.forEach(r -> preserved.set(r.firstGrain(), r.firstGrain() + 1));
    }

    /** Reads preserved data of {@code [offset, offset + dst.remaining())} (grains preserved there). */
    public synchronized void read(long offset, ByteBuffer dst) throws BlockIoException {
        image.read(offset, dst);
    }

    /**
     * The target's current state becomes the committed one: the log is emptied durably first (from then on
     * nothing is preserved), then the image's data is dropped.
     */
    public synchronized void commit() throws IOException {
        log.reset(); // forces the cut
        preserved.clear(0, preserved.grains());
        image.punchHole(0, image.size());
    }

    /** Marks a revert as started (durably), so that a crash midway is finished at the next open. */
    public void markReverting() throws IOException {
        AtomicFile.replace(disk, markerPath(dir, id), ("revert of relationship " + id + "\n").getBytes());
    }

    /** Whether a revert was started and not finished. */
    public boolean reverting() {
        return disk.exists(markerPath(dir, id));
    }

    /** Ends a revert: the area is committed (empty) before the marker goes. */
    public void finishReverting() throws IOException {
        commit();
        disk.deleteIfExists(markerPath(dir, id));
        // Durability: the marker's removal is durable, so the next open does not revert again over new writes.
        disk.syncDirectory(dir);
    }

    /** The relationship is no longer revertible (withdrawn): the area's files go. */
    public synchronized void delete() throws IOException {
        close();
        disk.deleteIfExists(logPath(dir, id)); // first: without the log the relationship is not revertible
        disk.deleteIfExists(markerPath(dir, id));
        images.delete(imageLocation(images, dir, id));
        // Durability: the removals are durable before the caller reports the relationship not revertible.
        disk.syncDirectory(dir);
    }

    public long id() {
        return id;
    }

    public GrainGeometry geometry() {
        return geometry;
    }

    @Override
    public synchronized void close() throws IOException {
        image.close();
        log.close();
    }
}
