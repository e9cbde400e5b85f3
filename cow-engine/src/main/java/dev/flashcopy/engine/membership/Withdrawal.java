package dev.flashcopy.engine.membership;

import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.relationship.CascadeIo;
import dev.flashcopy.engine.relationship.ChainCopy;
import dev.flashcopy.engine.relationship.ExtentGroup;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import dev.flashcopy.engine.relationship.VolumeRoute.CascadeMiddle;
import dev.flashcopy.engine.revert.RevertArea;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Taking one relationship out of service, for {@link Membership}. A whole-volume one is cleaned first, while host I/O
 * goes on and again under its family's chain write lock: the grains an older sibling (or, in a cascade, the level
 * below) reads through it are copied to them, then committed, then the catalog drops it in one replace. An extent
 * relationship, which nothing reads through, is only dropped. Its revert area and source view go once the catalog no
 * longer names them.
 *
 * <p>Not thread-safe: called under the engine's admin lock.
 */
final class Withdrawal {
    private final Registry registry;
    private final Journal journal;
    private final ExtentGroup extents;
    private final SourceViews views;
    private final CatalogReplace catalog;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);

    Withdrawal(Registry registry, Journal journal, ExtentGroup extents, SourceViews views, CatalogReplace catalog) {
        this.registry = registry;
        this.journal = journal;
        this.extents = extents;
        this.views = views;
        this.catalog = catalog;
    }

    /**
     * Cleans, then takes {@code rel} out of service and out of the catalog (admin lock held). In a cascade
     * the cleaning also serves the level below: the newest target of the family rel's target is the source
     * of gets every grain it still reads through rel from above.
     */
    void withdraw(Relationship rel) throws IOException {
        if (rel.extents() != null) {
            withdrawExtent(rel);
            return;
        }
        Family f = registry.families.get(rel.source().name());
        String target = rel.target().name();
        // In a cascade, the family below: the one the target is the source of.
        Family below = registry.routeOf(target) instanceof CascadeMiddle m ? m.below() : null;
        rel.setCleaning(true);
        try {
            if (f.enter(target)) {
                try {
                    // Grains the source borrows from this target are the source's data: never left behind.
                    ChainCopy.returnBorrowed(f, rel, Long.MAX_VALUE, buffer);
                    ChainCopy.clean(f, rel, buffer); // most of the work, while host I/O carries on
                    if (below != null) {
                        CascadeIo.cleanBelow(below, rel);
                    }
                } finally {
                    f.exit();
                }
            }
            f.chainLock().writeLock().lock();
            try {
                ChainCopy.returnBorrowed(f, rel, Long.MAX_VALUE, buffer);
                ChainCopy.clean(f, rel, buffer); // grains a source write copied into rel meanwhile
                if (below != null) {
                    CascadeIo.cleanBelow(below, rel);
                }
                // Durability: cleaning copies and their records (for the older sibling and, in a cascade, the
                // newest target of the level below) must be durable before the catalog stops naming rel, or a
                // crash could leave either reading through a volume that no longer keeps their point in time.
                journal.commitAll();
                unlist(rel);
                registry.families.remove(target, f);
                if (below != null) {
                    below.detachUpstream(); // the target stands alone now, still the source of its own family
                }
                if (f.remove(rel)) {
                    if (f.upstream() != null) {
                        // Still a target up there: one replace, so a lookup never finds no family meanwhile.
                        registry.families.replace(rel.source().name(), f, f.upstream());
                    } else {
                        registry.families.remove(rel.source().name(), f);
                    }
                }
                registry.reroute();
                RevertArea area = rel.revertArea();
                if (area != null) {
                    rel.setRevertArea(null);
                    area.delete(); // left behind by a crash before this, open deletes it
                }
                views.release(rel); // the catalog no longer names it; left behind by a crash, open removes it
            } finally {
                f.chainLock().writeLock().unlock();
            }
        } finally {
            rel.setCleaning(false);
        }
    }

    /** The catalog replaced by one without {@code rel}, then rel out of the live relationships and copy jobs. */
    private void unlist(Relationship rel) throws IOException {
        List<RelationshipRecord> all = registry.catalogRecords();
        all.removeIf(r -> r.id() == rel.id());
        catalog.save(all);
        registry.removeLive(rel);
        registry.jobs.remove(rel.id());
    }

    /**
     * Takes an extent relationship out of service (admin lock held). Nothing reads through it, so there is
     * no cleaning: its target keeps what it has. Each of its volumes still in another extent relationship
     * maps to a family of the group, the others to none.
     */
    private void withdrawExtent(Relationship rel) throws IOException {
        Family f = extents.sourceFamily(rel.source().name());
        extents.chainLock().writeLock().lock();
        try {
            // Durability: the target's copies and bit clears so far are durable before the catalog stops
            // naming it, so a crash right after leaves no relationship that a half-recorded copy could confuse.
            journal.commitAll();
            unlist(rel);
            f.remove(rel);
            extents.remove(rel);
            for (String v : List.of(rel.source().name(), rel.target().name())) {
                Family now = extents.familyFor(v);
                if (now == null) {
                    registry.families.remove(v);
                } else {
                    registry.families.put(v, now);
                }
            }
            registry.reroute();
            RevertArea area = rel.revertArea();
            if (area != null) {
                rel.setRevertArea(null);
                area.delete();
            }
        } finally {
            extents.chainLock().writeLock().unlock();
        }
    }

    /** Replaces the relationship catalog with the given records (durably). */
    @FunctionalInterface
    interface CatalogReplace {
        void save(List<RelationshipRecord> records) throws IOException;
    }
}
