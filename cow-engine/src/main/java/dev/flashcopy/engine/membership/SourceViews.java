package dev.flashcopy.engine.membership;

import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.image.PointInTimeViews;
import dev.flashcopy.engine.image.VolumeImage;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.relationship.ChainCopy;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import dev.flashcopy.engine.relationship.SourceView;
import dev.flashcopy.engine.volume.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The lifecycle of relationships' {@link SourceView}s, where the store keeps T0 itself (RBD snapshots): which new
 * relationship gets one, taking it inside the establish's drained writes, dropping it before anything else joins
 * its family, releasing it when the relationship ends, reopening it at open and removing views no relationship
 * names. Views are an optimisation of where T0 lives, never of what a target reads: every path here leaves the
 * target reading T0.
 *
 * <p>Ordering (DESIGN.md, "Copy-on-write on Ceph"): a view is durable before the catalog names it, and the catalog
 * names it before any source write; a drop first copies into the target what the source changed since T0 and makes
 * that durable, then the catalog stops naming the view, then the view is removed. A crash between any two steps
 * leaves either a view the catalog names (still T0) or one it does not (removed as stray at the next open).
 *
 * <p>Not thread-safe: called under the engine's admin lock (and once at open).
 */
final class SourceViews {
    /** {@code -Dflashcopy.views=false} keeps every relationship on copy-on-write (A/B benchmarks). */
    private static final boolean ENABLED = !"false".equals(System.getProperty("flashcopy.views"));

    private final Registry registry;
    private final Journal journal;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);

    SourceViews(Registry registry, Journal journal) {
        this.registry = registry;
        this.journal = journal;
    }

    /**
     * Whether pair {@code p} of an establish gets a view: its source's store keeps points in time, it is a
     * whole-volume relationship that records no changes, and neither volume is in any relationship or named by
     * another pair of the same establish (so the family stays one relationship, see {@link Family#viewed()}).
     */
    boolean eligible(PairSpec p, List<PairSpec> pairs, EstablishOptions options, Volume source) {
        if (!ENABLED || p.extents() != null || options.recording()) {
            return false;
        }
        if (!(source.image() instanceof PointInTimeViews)) {
            return false;
        }
        if (registry.families.containsKey(p.source()) || registry.families.containsKey(p.target())) {
            return false;
        }
        long mentions = pairs.stream()
                .filter(q -> q.source().equals(p.source())
                        || q.target().equals(p.source())
                        || q.source().equals(p.target())
                        || q.target().equals(p.target()))
                .count();
        return mentions == 1;
    }

    /** Takes {@code rel}'s view of its source now (writes to it drained by the caller) and sets it. */
    void take(Relationship rel) throws IOException {
        String name = SourceView.nameFor(rel.id());
        VolumeImage image = ((PointInTimeViews) rel.source().image()).take(name);
        rel.setView(new SourceView(name, viewVolume(rel, image)));
    }

    /** Removes the views of {@code taken} again (an establish that failed before its catalog named them). */
    void undo(Collection<Relationship> taken, Throwable failure) {
        for (Relationship rel : taken) {
            try {
                release(rel);
            } catch (IOException | RuntimeException e) {
                failure.addSuppressed(e);
            }
        }
    }

    /**
     * Drops the view of every viewed family {@code names} touch, before a change of membership there: copies what
     * the source changed since T0 into the target, durably, then the catalog (saved by {@code saveCatalog}) stops
     * naming the view, then it is removed. Source writes wait meanwhile (chain write lock); they are then copied on
     * write as in any chain.
     */
    void drop(Collection<String> names, CatalogSave saveCatalog) throws IOException {
        for (String name : names) {
            Family f = registry.families.get(name);
            if (f == null || !f.viewed()) {
                continue;
            }
            f.chainLock().writeLock().lock();
            try {
                if (!f.viewed()) {
                    continue;
                }
                Relationship rel = f.at(0);
                SourceView view = rel.view();
                List<long[]> changed = ((PointInTimeViews) rel.source().image())
                        .changedSince(view.name(), 0, f.geometry().size());
                ChainCopy.copyChangedFromView(f, rel, changed, buffer);
                // Durability: the target holds, durably, every grain the source changed since T0 before the view
                // that kept them goes (the catalog first stops naming it, then it is removed).
                journal.commitAll();
                rel.setView(null);
                try {
                    saveCatalog.save();
                } catch (IOException | RuntimeException e) {
                    rel.setView(view); // still named by the durable catalog: keep reading it
                    throw e;
                }
                close(view);
                ((PointInTimeViews) rel.source().image()).remove(view.name());
            } finally {
                f.chainLock().writeLock().unlock();
            }
        }
    }

    /** After the catalog stopped naming {@code rel}: closes and removes its view, if it has one. */
    void release(Relationship rel) throws IOException {
        SourceView view = rel.view();
        if (view == null) {
            return;
        }
        rel.setView(null);
        close(view);
        ((PointInTimeViews) rel.source().image()).remove(view.name());
    }

    /**
     * At open: the view {@code record} names, opened for {@code rel}; null when it has none. A view that cannot be
     * opened is a problem (the relationship stays inactive, with the reason): its T0 is gone with it.
     */
    String reopen(RelationshipRecord record, Relationship rel) {
        if (record.view() == null) {
            return null;
        }
        if (!(rel.source().image() instanceof PointInTimeViews views)) {
            return "its T0 is in view " + record.view() + " of source " + record.source()
                    + ", but that volume's store keeps no views";
        }
        try {
            rel.setView(new SourceView(record.view(), viewVolume(rel, views.open(record.view()))));
            return null;
        } catch (BlockIoException e) {
            return "its T0 is in view " + record.view() + " of source " + record.source() + ", which cannot be"
                    + " opened (" + e.getMessage() + ")";
        }
    }

    /**
     * At open, after attach: removes every engine view of a volume that no catalogued relationship names (left by
     * a crash between taking one and recording it, or between recording its end and removing it). Returns report
     * lines.
     */
    List<String> removeStray(VolumeStore store, Collection<RelationshipRecord> catalogued) throws IOException {
        Set<String> named = new HashSet<>();
        catalogued.forEach(r -> {
            if (r.view() != null) {
                named.add(r.source() + "@" + r.view());
            }
        });
        List<String> report = new java.util.ArrayList<>();
        for (var v : store.records()) {
            Volume volume = store.find(v.name()).orElse(null);
            if (volume == null || !(volume.image() instanceof PointInTimeViews views)) {
                continue;
            }
            for (String view : views.views()) {
                if (!named.contains(v.name() + "@" + view)) {
                    views.remove(view);
                    report.add("views: removed " + view + " of " + v.name() + ", which no relationship names");
                }
            }
        }
        return report;
    }

    /** Closes every view handle (the engine closes or is abandoned); the views themselves stay. */
    void closeAll() {
        for (Relationship rel : registry.live.values()) {
            SourceView view = rel.view();
            if (view != null) {
                close(view);
            }
        }
    }

    private static Volume viewVolume(Relationship rel, VolumeImage image) {
        return new Volume(rel.source().name() + "@T0", image, true);
    }

    private static void close(SourceView view) {
        view.volume().close();
    }

    /** Saves the catalog as the live relationships say it now. */
    @FunctionalInterface
    interface CatalogSave {
        void save() throws IOException;
    }
}
