package dev.flashcopy.engine.export;

import dev.flashcopy.engine.freeze.SourceFreeze;
import dev.flashcopy.engine.freeze.WriteGates;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.membership.Registry;
import dev.flashcopy.engine.membership.RelationshipQueries;
import dev.flashcopy.engine.relationship.VolumeRoute;

/**
 * What the exported devices need of the FlashCopy engine, and nothing more: the relationships in service and
 * each volume's route through them, the gates and freezes that hold host writes, the journal to commit on FLUSH,
 * and whether the engine is closing. The engine implements it; the devices hold no reference to the engine
 * itself, so this package depends on the engine's parts, never on its facade.
 */
public interface ExportedEngine {
    /** Who is in which relationship now. */
    Registry registry();

    /** Where host I/O on {@code volume} goes now: one lookup, no lock (see {@link Registry#routeOf}). */
    VolumeRoute routeOf(String volume);

    /** The relationships as views, as {@code lsflash} shows them. */
    RelationshipQueries relationships();

    SourceFreeze freezes();

    WriteGates gates();

    Journal journal();

    boolean isClosed();
}
