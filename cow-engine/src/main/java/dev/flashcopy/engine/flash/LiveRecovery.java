package dev.flashcopy.engine.flash;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.membership.Membership;
import dev.flashcopy.engine.membership.Registry;
import dev.flashcopy.engine.recovery.Recovery;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import dev.flashcopy.engine.revertible.Revertibles;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * Recovery's passes 5 to 6 over the parts of a new engine ({@link Recovery} lists every pass and runs these in
 * order): attach through {@link Membership}, finish reverts through {@link Revertibles}, then a fresh checkpoint
 * of every bitmap in the {@link Registry}. Used once, at open.
 */
record LiveRecovery(Membership membership, Revertibles revertibles, Journal journal, Registry registry)
        implements Recovery.LivePasses {
    @Override
    public List<String> attach(List<RelationshipRecord> catalogued, Map<Long, BitmapSet> bitmaps) throws IOException {
        return membership.attach(catalogued, bitmaps);
    }

    @Override
    public List<String> finishReverts() throws IOException {
        return revertibles.open();
    }

    @Override
    public long checkpoint() throws IOException {
        journal.checkpoint(registry::bitmaps);
        return journal.lastSeq();
    }
}
