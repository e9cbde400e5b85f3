package dev.flashcopy.engine.recovery;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.journal.CheckpointFile;
import dev.flashcopy.engine.journal.JournalFile;
import dev.flashcopy.engine.journal.JournalRecord;
import dev.flashcopy.engine.relationship.RelationshipCatalog;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Rebuilds every relationship's bitmap after a clean stop or a crash:
 * <ol>
 *   <li>catalog: the relationships that exist (loaded by the caller);</li>
 *   <li>checkpoint: bitmaps as of sequence number S (missing: every bitmap starts all-set);</li>
 *   <li>journal scan: valid records up to the first torn or corrupt one, whose tail is truncated;</li>
 *   <li>replay: records after S clear grains of relationships the catalog names (others were withdrawn).</li>
 * </ol>
 * A bitmap is never more "copied" than the durable journal says, so a target reads its T0 afterwards.
 *
 * <p>Stateless and thread-safe; run once per open, before anything else touches the files.
 */
public final class Recovery {
    public static final String JOURNAL_FILE = "journal";
    public static final String CHECKPOINT_FILE = "checkpoint";

    /** What recovery rebuilt, and the open journal positioned after its last valid record. */
    public record Result(Map<Long, GrainBitmap> bitmaps, long lastSeq, JournalFile journal, List<String> report) {
    }

    private Recovery() {
    }

    public static Result run(Path flashDir, RelationshipCatalog.Content catalog) throws IOException {
        List<String> report = new ArrayList<>();
        report.add("pass 1 (catalog): " + catalog.relationships().size() + " relationship(s)");

        CheckpointFile.Content checkpoint = CheckpointFile.read(flashDir.resolve(CHECKPOINT_FILE));
        report.add("pass 2 (checkpoint): " + checkpoint.bitmaps().size() + " bitmap(s) as of seq "
                + checkpoint.lastSeq());

        JournalFile journal = JournalFile.open(flashDir.resolve(JOURNAL_FILE));
        try {
            JournalFile.Scan scan = journal.scan();
            if (scan.truncatedBytes() > 0) {
                journal.truncate(scan.validEnd());
                report.add("pass 3 (journal): " + scan.records().size() + " valid record(s); truncated "
                        + scan.truncatedBytes() + " byte(s) at offset " + scan.validEnd() + ": " + scan.tailProblem());
            } else {
                report.add("pass 3 (journal): " + scan.records().size() + " valid record(s), no torn tail");
            }

            Map<Long, GrainBitmap> bitmaps = new HashMap<>();
            for (RelationshipRecord r : catalog.relationships()) {
                long grains = new GrainGeometry(r.grainSize(), r.size()).grains();
                GrainBitmap saved = checkpoint.bitmaps().get(r.id());
                if (saved != null && saved.grains() != grains) {
                    throw new IOException("checkpoint bitmap of relationship " + r.id() + " has " + saved.grains()
                            + " grains (expected: " + grains + ")");
                }
                bitmaps.put(r.id(), saved != null ? saved : GrainBitmap.allSet(grains));
            }
            long lastSeq = checkpoint.lastSeq();
            int applied = 0;
            int skipped = 0;
            for (JournalRecord rec : scan.records()) {
                lastSeq = Math.max(lastSeq, rec.seq());
                GrainBitmap bitmap = bitmaps.get(rec.relationshipId());
                if (rec.seq() <= checkpoint.lastSeq() || bitmap == null) {
                    skipped++;
                    continue;
                }
                long end = rec.firstGrain() + rec.grainCount();
                if (rec.firstGrain() < 0 || rec.grainCount() < 1 || end > bitmap.grains()) {
                    throw new IOException("journal record seq " + rec.seq() + " clears grains [" + rec.firstGrain()
                            + ", " + end + ") of relationship " + rec.relationshipId() + " (expected: within [0, "
                            + bitmap.grains() + "))");
                }
                bitmap.clear(rec.firstGrain(), end);
                applied++;
            }
            report.add("pass 4 (replay): " + applied + " record(s) applied, " + skipped
                    + " skipped (covered by the checkpoint or of withdrawn relationships); last seq " + lastSeq);
            return new Result(bitmaps, lastSeq, journal, List.copyOf(report));
        } catch (IOException | RuntimeException e) {
            journal.close();
            throw e;
        }
    }
}
