package dev.flashcopy.engine.journal;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.image.VolumeImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Supplier;

/**
 * The live journal: changes relationship bitmaps (clears to-copy and borrowed bits, sets change-recording
 * bits) and records each change, with group commit.
 *
 * <p>{@link #clear} changes a bitmap and queues its record in one step under the journal's lock, so a
 * checkpoint always sees bitmaps and sequence numbers that agree. Queued records are not written to the
 * file yet: a record may only reach the disk after the grain data it vouches for, so {@link #commit}
 * writes them in this order, one leader for everyone waiting (leader/follower group commit):
 * <ol>
 *   <li>fdatasync every image file that received copied grains for the batch;</li>
 *   <li>append the batch's records to the journal;</li>
 *   <li>fdatasync the journal; everyone whose sequence number is covered returns.</li>
 * </ol>
 * A failed commit poisons the journal: every later clear or commit fails, which stops writes that
 * need copy-on-write rather than letting a target silently lose its point in time.
 *
 * <p>Thread-safe.
 */
public final class Journal implements AutoCloseable {
    private final JournalFile file;
    private final Path checkpointPath;
    private final long checkpointBytes;
    private final Object lock = new Object();
    private long lastSeq;
    /** Written under {@code lock}; volatile for {@link #durableSeq()}, which reads it without. */
    private volatile long durableSeq;

    private List<JournalRecord> pending = new ArrayList<>();
    private Set<VolumeImage> pendingFiles = newIdentitySet();
    private boolean committing;
    private BlockIoException failure;
    private long commits;
    private long committedRecords;
    private final LongAdder imageSyncs = new LongAdder();
    private final LongAdder journalForces = new LongAdder();

    /**
     * What the journal did since open: group commits (each one journal fsync), records they carried (the
     * batch size is their ratio), image fdatasyncs ahead of them, and every journal fsync (commits and
     * checkpoints). Immutable.
     */
    public record Stats(long commits, long committedRecords, long imageSyncs, long journalFsyncs) {}

    /**
     * @param lastSeq the highest sequence number recovery saw (in the journal or the checkpoint)
     * @param checkpointBytes journal size above which {@link #wantsCheckpoint()} says so
     */
    public Journal(JournalFile file, Path checkpointPath, long lastSeq, long checkpointBytes) {
        this.file = file;
        this.checkpointPath = checkpointPath;
        this.lastSeq = lastSeq;
        this.durableSeq = lastSeq;
        this.checkpointBytes = checkpointBytes;
    }

    private static Set<VolumeImage> newIdentitySet() {
        // Images are told apart by identity; insertion order makes the sync order repeatable.
        return new LinkedHashSet<>();
    }

    /**
     * Clears grains {@code [from, to)} of {@code bitmap} and queues the record saying so. {@code holder}
     * is the image whose data makes the grains copied; it is synced before the record is written.
     *
     * @return the record's sequence number, or 0 when no bit was set (nothing to make durable)
     */
    public long clear(long relationshipId, GrainBitmap bitmap, long from, long to, VolumeImage holder)
            throws BlockIoException {
        return change(RecordType.CLEARED, relationshipId, bitmap, from, to, holder);
    }

    /** As {@link #clear}, for a relationship's borrowed bitmap; {@code holder} is the source's image. */
    public long clearBorrowed(long relationshipId, GrainBitmap bitmap, long from, long to, VolumeImage holder)
            throws BlockIoException {
        return change(RecordType.BORROWED_CLEARED, relationshipId, bitmap, from, to, holder);
    }

    /**
     * Sets grains {@code [from, to)} of a change-recording bitmap and queues the record saying so.
     * {@code type} is {@link RecordType#SOURCE_CHANGED} or {@link RecordType#TARGET_CHANGED}.
     * No data backs the record, so nothing is synced for it.
     *
     * @return the record's sequence number, or 0 when every bit was set already
     */
    public long mark(RecordType type, long relationshipId, GrainBitmap bitmap, long from, long to)
            throws BlockIoException {
        if (!type.sets()) {
            throw new IllegalArgumentException("type: " + type + " (expected: source or target changed)");
        }
        return change(type, relationshipId, bitmap, from, to, null);
    }

    private long change(
            RecordType type, long relationshipId, GrainBitmap bitmap, long from, long to, VolumeImage holder)
            throws BlockIoException {
        synchronized (lock) {
            if (failure != null) {
                throw failed();
            }
            if ((type.sets() ? bitmap.set(from, to) : bitmap.clear(from, to)) == 0) {
                return 0;
            }
            long seq = ++lastSeq;
            pending.add(new JournalRecord(seq, type, relationshipId, from, to - from));
            if (holder != null) {
                pendingFiles.add(holder);
            }
            return seq;
        }
    }

    /** The highest sequence number known durable; read without the lock, so it may lag a commit just ended. */
    public long durableSeq() {
        return durableSeq;
    }

    /** Returns once record {@code seq} (and every one before it) is durable; 0 returns at once. */
    public void commit(long seq) throws BlockIoException {
        List<JournalRecord> batch;
        Set<VolumeImage> files;
        long batchEnd;
        synchronized (lock) {
            while (true) {
                if (failure != null) {
                    throw failed();
                }
                if (durableSeq >= seq) {
                    return;
                }
                if (!committing) {
                    break;
                }
                awaitQuietly();
            }
            committing = true;
            batch = pending;
            files = pendingFiles;
            batchEnd = lastSeq;
            pending = new ArrayList<>();
            pendingFiles = newIdentitySet();
        }
        BlockIoException error = null;
        try {
            writeBatch(batch, files);
        } catch (IOException e) {
            error = e instanceof BlockIoException b
                    ? b
                    : new BlockIoException(BlockError.IO, "journal " + file.path() + " failed: " + e.getMessage(), e);
        }
        synchronized (lock) {
            committing = false;
            if (error != null) {
                failure = error;
            } else {
                durableSeq = batchEnd;
                if (!batch.isEmpty()) {
                    commits++;
                    committedRecords += batch.size();
                }
            }
            lock.notifyAll();
            if (error != null) {
                throw error;
            }
        }
    }

    /** Makes every record queued so far durable. */
    public void commitAll() throws BlockIoException {
        commit(lastSeq());
    }

    private void writeBatch(List<JournalRecord> batch, Set<VolumeImage> files) throws IOException {
        if (batch.isEmpty()) {
            return;
        }
        for (VolumeImage image : files) {
            // Durability: the copied grain data must be stable before a record saying "copied" can be;
            // only after this may the records be appended.
            image.datasync();
            imageSyncs.increment();
        }
        file.append(batch);
        // Durability: grain data is already stable (above); once this returns the bits are durably
        // clear and the waiting writers may overwrite the source (or an intermediate target).
        file.force();
        journalForces.increment();
    }

    public long lastSeq() {
        synchronized (lock) {
            return lastSeq;
        }
    }

    public boolean isDurable(long seq) {
        synchronized (lock) {
            return durableSeq >= seq;
        }
    }

    /** Group commits done (each one target sync set + one journal fsync); for tests and stats. */
    public long commits() {
        synchronized (lock) {
            return commits;
        }
    }

    /** A consistent-enough snapshot of the counters (each exact; read one after another). */
    public Stats stats() {
        synchronized (lock) {
            return new Stats(commits, committedRecords, imageSyncs.sum(), journalForces.sum());
        }
    }

    public boolean wantsCheckpoint() {
        synchronized (lock) {
            return file.size() > checkpointBytes;
        }
    }

    public long sizeBytes() {
        synchronized (lock) {
            return file.size();
        }
    }

    /**
     * Writes every live bitmap to the checkpoint and empties the journal. Clears and commits wait
     * meanwhile, so the bitmaps and {@code lastSeq} in the checkpoint agree exactly. {@code live} must
     * return every relationship that may have a record in the journal (i.e. every one not withdrawn).
     */
    public void checkpoint(Supplier<Map<Long, BitmapSet>> live) throws BlockIoException {
        synchronized (lock) {
            while (committing) {
                awaitQuietly();
            }
            if (failure != null) {
                throw failed();
            }
            try {
                writeBatch(pending, pendingFiles);
                pending = new ArrayList<>();
                pendingFiles = newIdentitySet();
                durableSeq = lastSeq;
                Map<Long, BitmapSet> snapshot = new TreeMap<>();
                live.get().forEach((id, bitmaps) -> snapshot.put(id, bitmaps.copy()));
                // Durability: the journal is forced (writeBatch) and the checkpoint is replaced atomically
                // (AtomicFile forces it and its directory) before the journal is emptied; a crash in
                // between replays records the checkpoint already covers, which is harmless.
                CheckpointFile.write(file.disk(), checkpointPath, lastSeq, snapshot);
                file.reset();
            } catch (IOException e) {
                failure = new BlockIoException(BlockError.IO, "checkpoint failed: " + e.getMessage(), e);
                throw failure;
            }
        }
    }

    private void awaitQuietly() throws BlockIoException {
        try {
            lock.wait();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BlockIoException(BlockError.SHUTDOWN, "interrupted while waiting for the journal");
        }
    }

    private BlockIoException failed() {
        BlockError error = failure.error() == BlockError.SHUTDOWN ? BlockError.SHUTDOWN : BlockError.IO;
        return new BlockIoException(
                error,
                "journal failed earlier, writes that need copy-on-write are" + " stopped: " + failure.getMessage(),
                failure);
    }

    /**
     * Closes the file without committing what is queued, as a crash would leave it (queued records are
     * lost, the bits they cleared come back at recovery). For crash tests.
     */
    public void abandon() throws IOException {
        synchronized (lock) {
            failure = new BlockIoException(BlockError.SHUTDOWN, "journal abandoned");
            closeFile();
        }
    }

    /**
     * Closes the file once no leader is writing a batch (lock held): the descriptor must not be closed under
     * a write, whose number the kernel could hand to another file meanwhile. Later commits fail as shut down.
     */
    private void closeFile() throws IOException {
        while (committing) {
            awaitQuietly();
        }
        if (failure == null) {
            failure = new BlockIoException(BlockError.SHUTDOWN, "the journal is closed");
        }
        file.close();
    }

    /** Commits what is queued and closes the file. */
    @Override
    public void close() throws IOException {
        try {
            commitAll();
        } finally {
            synchronized (lock) {
                closeFile();
            }
        }
    }
}
