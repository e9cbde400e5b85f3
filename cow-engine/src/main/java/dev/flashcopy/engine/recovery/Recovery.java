package dev.flashcopy.engine.recovery;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.journal.CheckpointFile;
import dev.flashcopy.engine.journal.JournalFile;
import dev.flashcopy.engine.journal.JournalRecord;
import dev.flashcopy.engine.relationship.RelationshipCatalog;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import dev.flashcopy.engine.storage.DamagedMetadataException;
import dev.flashcopy.engine.volume.Disk;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Every pass of recovery, in the order they run at each start, after a clean stop or a crash. Each reports
 * what it found (the server prints the lines). Passes 1 to 4 are here; 5 to 6 need the engine's live objects,
 * so the engine hands them in as {@link LivePasses} and {@link #finish} runs them, in this order:
 * <ul>
 *   <li><b>pass 1 catalog</b>: the relationships that exist (loaded by the caller). Trusts {@code
 *       relationships.json} once its checksum holds; repairs nothing (damage refuses the directory).</li>
 *   <li><b>pass 2 checkpoint</b>: bitmaps as of sequence number S (missing: every bitmap starts all-set). Trusts
 *       the file's CRC; repairs nothing.</li>
 *   <li><b>pass 3 journal scan</b>: valid records up to a torn tail, which is truncated (the only repair recovery
 *       makes to metadata); damage that is not a torn tail (see {@link JournalFile}) is never cut: the data directory
 *       is refused with {@link DamagedMetadataException} until {@code flashcopy fsck --repair} fails what it could
 *       hold.</li>
 *   <li><b>pass 4 replay</b>: records after S change bitmaps of relationships the catalog names (others were
 *       withdrawn); a relationship the catalog names one generation past its checkpointed bitmaps was resynced or
 *       reversed after the checkpoint, with no I/O in between, so its {@link
 *       dev.flashcopy.engine.relationship.GenerationChange} is applied now. Relationships failed earlier keep no
 *       bitmaps.</li>
 *   <li><b>pass 5 attach</b> ({@link LivePasses#attach}, done by {@code membership.AttachPass}): each relationship
 *       is bound to its volumes and put into service, or stays inactive when a volume is missing or no longer fits
 *       (the reason is reported); those {@code failed.json} names stay failed. Trusts the catalog and the rebuilt
 *       bitmaps; repairs nothing.</li>
 *   <li><b>pass 5b revert</b> ({@link LivePasses#finishReverts}, done by {@code revertible.Revertibles#open}):
 *       revert areas go back on their relationships, a {@code revertflash} a crash interrupted is finished, a revert
 *       log that fails its checks fails its relationship (durably) and nothing else. Trusts each log's CRCs.</li>
 *   <li><b>pass 6 checkpoint</b> ({@link LivePasses#checkpoint}, done by {@code flash.LiveRecovery}): every bitmap is
 *       written anew and the journal emptied, so each start begins with a short journal. Trusts what passes 1-5
 *       rebuilt; replaces the checkpoint atomically.</li>
 * </ul>
 * A to-copy bitmap is never more "copied", nor a changed bitmap less "changed", than the durable journal
 * says, so a target reads its T0 afterwards and a resync recopies every grain a flushed write changed.
 *
 * <p>Stateless and thread-safe; run once per open, before anything else touches the files.
 */
public final class Recovery {
    public static final String JOURNAL_FILE = "journal";
    public static final String CHECKPOINT_FILE = "checkpoint";

    /** Passes 5 to 6, which work on the engine's live relationships; {@link #finish} runs them in order. */
    public interface LivePasses {
        /** Pass 5: binds each catalogued relationship to its volumes; returns report lines. */
        List<String> attach(List<RelationshipRecord> catalogued, Map<Long, BitmapSet> bitmaps) throws IOException;

        /** Pass 5b: revert areas back on their relationships, interrupted reverts finished; report lines. */
        List<String> finishReverts() throws IOException;

        /** Pass 6: a fresh checkpoint of every bitmap, the journal emptied; returns the journal's last seq. */
        long checkpoint() throws IOException;
    }

    /** Runs passes 5, 5b and 6 on what {@link #run} rebuilt, and returns their report lines. */
    public static List<String> finish(RelationshipCatalog.Content catalog, Result rebuilt, LivePasses engine)
            throws IOException {
        List<String> report = new ArrayList<>(engine.attach(catalog.relationships(), rebuilt.bitmaps()));
        report.addAll(engine.finishReverts());
        report.add("pass 6 (checkpoint): journal emptied, last seq " + engine.checkpoint());
        return report;
    }

    /** What recovery rebuilt, and the open journal positioned after its last valid record. */
    public record Result(Map<Long, BitmapSet> bitmaps, long lastSeq, JournalFile journal, List<String> report) {}

    private Recovery() {}

    public static Result run(Path flashDir, RelationshipCatalog.Content catalog) throws IOException {
        return run(Disk.posix(), flashDir, catalog);
    }

    /** As {@link #run(Disk, Path, RelationshipCatalog.Content, Set)} with no relationship failed. */
    public static Result run(Disk disk, Path flashDir, RelationshipCatalog.Content catalog) throws IOException {
        return run(disk, flashDir, catalog, Set.<Long>of());
    }

    private static DamagedMetadataException damage(Path dataDir, Path file, String what) {
        return DamagedMetadataException.refused(dataDir, file, -1, -1, what);
    }

    /**
     * As {@link #run(Path, RelationshipCatalog.Content)}, reading and repairing files on {@code disk}. Relationships
     * in {@code failed} are not trusted for a point in time any more (their targets answer EIO), so their bitmaps
     * are not checked or replayed: they get placeholders, which is what lets a directory whose checkpoint or journal
     * {@code fsck --repair} set aside start again.
     */
    public static Result run(Disk disk, Path flashDir, RelationshipCatalog.Content catalog, Set<Long> failed)
            throws IOException {
        List<String> report = new ArrayList<>();
        report.add("pass 1 (catalog): " + catalog.relationships().size() + " relationship(s)");

        CheckpointFile.Content checkpoint = CheckpointFile.read(disk, flashDir.resolve(CHECKPOINT_FILE));
        report.add(
                "pass 2 (checkpoint): " + checkpoint.bitmaps().size() + " bitmap(s) as of seq " + checkpoint.lastSeq());

        JournalFile journal;
        try {
            journal = JournalFile.open(disk, flashDir.resolve(JOURNAL_FILE));
        } catch (DamagedMetadataException e) {
            throw DamagedMetadataException.refused(
                    flashDir.toAbsolutePath().getParent(), e.file(), e.offset(), -1, e.getMessage());
        }
        try {
            JournalFile.Scan scan = journal.scan();
            Path dataDir = flashDir.toAbsolutePath().getParent();
            if (scan.corrupt()) {
                // Never cut: the records after the damage are durable clears that targets rely on.
                throw DamagedMetadataException.refused(
                        dataDir, journal.path(), scan.corruptOffset(), -1, scan.corruption());
            }
            if (scan.truncatedBytes() > 0) {
                journal.truncate(scan.validEnd());
                report.add("pass 3 (journal): " + scan.records().size() + " valid record(s); truncated "
                        + scan.truncatedBytes() + " byte(s) at offset " + scan.validEnd() + ": " + scan.tailProblem());
            } else {
                report.add("pass 3 (journal): " + scan.records().size() + " valid record(s), no torn tail");
            }

            Map<Long, BitmapSet> bitmaps = new HashMap<>();
            for (RelationshipRecord r : catalog.relationships()) {
                long grains = new GrainGeometry(r.grainSize(), r.size()).grains();
                if (failed.contains(r.id())) {
                    continue;
                }
                BitmapSet saved = checkpoint.bitmaps().get(r.id());
                if (saved != null && saved.grains() != grains) {
                    throw damage(
                            dataDir,
                            flashDir.resolve(CHECKPOINT_FILE),
                            "checkpoint bitmap of relationship " + r.id() + " has " + saved.grains()
                                    + " grains (expected: " + grains + ")");
                }
                bitmaps.put(r.id(), saved != null ? saved : BitmapSet.established(grains));
            }
            long lastSeq = checkpoint.lastSeq();
            int applied = 0;
            int skipped = 0;
            for (JournalRecord rec : scan.records()) {
                lastSeq = Math.max(lastSeq, rec.seq());
                BitmapSet set = bitmaps.get(rec.relationshipId());
                if (rec.seq() <= checkpoint.lastSeq() || set == null) {
                    skipped++;
                    continue;
                }
                long end = rec.firstGrain() + rec.grainCount();
                if (rec.firstGrain() < 0 || rec.grainCount() < 1 || end > set.grains()) {
                    throw damage(
                            dataDir,
                            journal.path(),
                            "journal record seq " + rec.seq() + " changes grains [" + rec.firstGrain()
                                    + ", " + end + ") of relationship " + rec.relationshipId()
                                    + " (expected: within [0, "
                                    + set.grains() + "))");
                }
                switch (rec.type()) {
                    case CLEARED -> set.toCopy().clear(rec.firstGrain(), end);
                    case SOURCE_CHANGED -> set.sourceChanged().set(rec.firstGrain(), end);
                    case TARGET_CHANGED -> set.targetChanged().set(rec.firstGrain(), end);
                    case BORROWED_CLEARED -> set.borrowed().clear(rec.firstGrain(), end);
                }
                applied++;
            }
            if (!scan.records().isEmpty() && scan.records().getLast().seq() <= checkpoint.lastSeq()) {
                // Left by a crash between a checkpoint and the journal's reset: every record is covered, and
                // the next append (seq above the checkpoint's) must not follow them with a gap.
                journal.reset();
            }
            int advanced = 0;
            for (RelationshipRecord r : catalog.relationships()) {
                BitmapSet set = bitmaps.get(r.id());
                if (set == null) { // failed: a placeholder at its generation
                    long grains = new GrainGeometry(r.grainSize(), r.size()).grains();
                    BitmapSet e = BitmapSet.established(grains);
                    bitmaps.put(
                            r.id(),
                            new BitmapSet(
                                    r.generation(), e.toCopy(), e.sourceChanged(), e.targetChanged(), e.borrowed()));
                    continue;
                }
                if (set.generation() == r.generation()) {
                    continue;
                }
                if (set.generation() + 1 != r.generation() || r.lastChange() == null) {
                    throw damage(
                            dataDir,
                            flashDir.resolve(CHECKPOINT_FILE),
                            "relationship " + r.id() + " is at generation " + r.generation() + " ("
                                    + (r.lastChange() == null
                                            ? "establish"
                                            : r.lastChange().label()) + ") but its bitmaps are of generation "
                                    + set.generation()
                                    + " (expected: the same, or one less after a resync or reverse)");
                }
                bitmaps.put(r.id(), r.lastChange().apply(set));
                advanced++;
            }
            report.add("pass 4 (replay): " + applied + " record(s) applied, " + skipped
                    + " skipped (covered by the checkpoint or of withdrawn relationships); last seq " + lastSeq
                    + (advanced > 0 ? "; " + advanced + " resync/reverse applied after the checkpoint" : ""));
            return new Result(bitmaps, lastSeq, journal, List.copyOf(report));
        } catch (IOException | RuntimeException e) {
            journal.close();
            throw e;
        }
    }
}
