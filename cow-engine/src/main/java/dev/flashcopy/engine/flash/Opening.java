package dev.flashcopy.engine.flash;

import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.ending.EndingLog;
import dev.flashcopy.engine.ending.FailureLog;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.recovery.Recovery;
import dev.flashcopy.engine.relationship.RelationshipCatalog;
import dev.flashcopy.engine.tuning.FlashSettings;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;

/**
 * What {@link FlashEngine#open} reads before the engine exists: the relationship catalog (pass 1), the failure log,
 * passes 2 to 4 of recovery (checkpoint, journal scan, replay), the journal positioned after its last valid record,
 * and the ending log; with the report lines they produced. Passes 5 to 6 need the engine's live objects and run
 * after. Immutable once read.
 */
record Opening(
        Path flashDir,
        RelationshipCatalog.Content catalog,
        FailureLog failureLog,
        Recovery.Result recovered,
        Journal journal,
        EndingLog endings,
        List<String> report) {
    static Opening read(VolumeStore store, FlashSettings settings) throws IOException {
        Path flashDir = store.dataDir().resolve(FlashEngine.DIRECTORY);
        store.disk().createDirectories(flashDir);
        RelationshipCatalog.Content catalog = RelationshipCatalog.load(store.disk(), flashDir);
        FailureLog failureLog = FailureLog.open(store.disk(), flashDir);
        Recovery.Result r = Recovery.run(store.disk(), flashDir, catalog, failureLog.ids());
        Journal journal = new Journal(
                r.journal(),
                flashDir.resolve(Recovery.CHECKPOINT_FILE),
                r.lastSeq(),
                settings.checkpointJournalBytes());
        List<String> report = new ArrayList<>(r.report());
        EndingLog endings = EndingLog.open(store.disk(), flashDir, Clock.systemUTC(), report);
        return new Opening(flashDir, catalog, failureLog, r, journal, endings, List.copyOf(report));
    }
}
