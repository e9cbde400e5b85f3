package dev.flashcopy.engine.membership;

import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.image.PointInTimeViews;
import dev.flashcopy.engine.image.VolumeImage;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.relationship.ChainCopy;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.FamilyLinks;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import dev.flashcopy.engine.relationship.SourceView;
import dev.flashcopy.engine.relationship.VolumeRoute;
import dev.flashcopy.engine.volume.Volume;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.locks.Lock;

/**
 * The lifecycle of relationships' {@link SourceView}s, where the store keeps T0 itself (RBD snapshots): taking one
 * for a relationship after its establish, dropping views before a change they cannot take part in, releasing one
 * when its relationship ends, reopening them at open and removing views no relationship names.
 *
 * <p>A relationship starts on copy-on-write, so {@code mkflash} answers as fast as on files and holds the source's
 * writes no longer: an RBD snapshot takes from tens of milliseconds to a second (the monitor publishes a new map
 * for it). The {@link ViewWorker} then takes the view while writes go on, and the relationship switches to it. Views
 * come oldest first: a relationship switches when every older one needs no copies ({@link Family#viewed()}), so
 * nothing reads through it. At the switch, under the chain write lock, it first gets every grain it still has to copy
 * that a newer sibling holds (the source may have changed there since T0); each grain it then still has to copy is
 * still to copy in every newer one, so the source has not changed there since T0 (a source write copies to the newest
 * first), and the snapshot, taken after T0, holds T0 there. Once one switched, the next one queued behind it can.
 *
 * <p>Ordering (DESIGN.md, "Copy-on-write on Ceph"): the snapshot is durable before the catalog names it, and the
 * catalog names it before I/O uses it; a drop first copies into each target what it would miss and makes that
 * durable, then the catalog stops naming the views, then they are removed. A crash between any two steps leaves
 * either a view the catalog names (holding T0 of every grain still to copy) or one it does not (removed as stray at
 * the next open).
 *
 * <p>Thread-safe: every change runs under the engine's admin lock; the snapshot calls, which wait for the monitor,
 * run on the worker outside it.
 */
final class SourceViews {
    /** False keeps every relationship on copy-on-write ({@code FlashSettings.sourceViews}). */
    private final boolean enabled;

    private final Registry registry;
    private final Journal journal;
    private final Lock admin;
    private final CatalogSave saveCatalog;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
    private final ViewWorker worker = new ViewWorker();

    SourceViews(boolean enabled, Registry registry, Journal journal, Lock admin, CatalogSave saveCatalog) {
        this.enabled = enabled;
        this.registry = registry;
        this.journal = journal;
        this.admin = admin;
        this.saveCatalog = saveCatalog;
    }

    /**
     * Whether {@code rel} could keep T0 in a view, as far as it alone goes: its source's store keeps points in time,
     * and it is a whole-volume relationship that records no changes.
     */
    private boolean candidate(Relationship rel) {
        return enabled
                && rel.extents() == null
                && !rel.recording()
                && rel.source().image() instanceof PointInTimeViews;
    }

    /** Queues {@code rels} (just established, or recovered without a view) for a view, oldest first. */
    void offer(Collection<Relationship> rels) {
        for (Relationship rel : rels) {
            if (candidate(rel) && rel.view() == null) {
                worker.queue(() -> takeFor(rel), "no snapshot for " + rel + ", which stays on copy-on-write");
            }
        }
    }

    /**
     * Queues the removal of a view the catalog no longer names (or never named), after closing its handle. The call
     * waits for the monitor's next map (up to a second), so it runs on the worker, outside every lock: a withdraw or
     * an establish does not wait for it. One left by a crash is removed at the next open, or by {@code rmvol}.
     */
    private void discard(Relationship rel, SourceView view) {
        view.volume().close();
        PointInTimeViews views = (PointInTimeViews) rel.source().image();
        worker.queue(
                () -> views.remove(view.name()),
                "snapshot " + view.name() + " of " + rel.source().name() + " stays until the next start removes it");
    }

    /** Waits until every queued view was taken or passed over, and every queued removal done; false on timeout. */
    boolean settle(Duration timeout) throws InterruptedException {
        return worker.settle(timeout);
    }

    /**
     * Takes the view of one relationship: the snapshot outside the admin lock, then, if the relationship still
     * qualifies, the catalog names it, then I/O switches to it under the chain write lock.
     */
    private void takeFor(Relationship rel) throws IOException {
        admin.lock();
        try {
            if (!qualifies(rel)) {
                return;
            }
        } finally {
            admin.unlock();
        }
        String name = SourceView.nameFor(rel.id());
        PointInTimeViews views = (PointInTimeViews) rel.source().image();
        // Taken while source writes go on: each copies its grain first, so what is still to copy afterwards is T0.
        VolumeImage image = views.take(name);
        SourceView view = new SourceView(name, new Volume(rel.source().name() + "@T0", image, true));
        admin.lock();
        try {
            if (!qualifies(rel)) {
                discard(rel, view);
                return;
            }
            Family f = registry.families.get(rel.source().name());
            f.chainLock().writeLock().lock();
            try {
                switchTo(f, rel, view);
            } finally {
                f.chainLock().writeLock().unlock();
            }
        } finally {
            admin.unlock();
        }
    }

    /**
     * Switches {@code rel} to {@code view} (admin lock and the family's chain write lock held, so no host write runs):
     * what a newer sibling holds for it is copied in and committed, the catalog names the view, then I/O uses it.
     * When a step fails, rel stays on copy-on-write and the view goes.
     */
    private void switchTo(Family f, Relationship rel, SourceView view) throws IOException {
        boolean named = false;
        try {
            ChainCopy.copyHeldNewer(f, rel);
            // Durability: a grain rel read through a newer target is on its own target, durably, before a crash could
            // leave the catalog naming a view that does not hold it; the snapshot (durable when taken) is named by the
            // durable catalog before I/O relies on it.
            journal.commitAll();
            if (rel.toCopy().isEmpty()) {
                return; // a newer sibling held all it still needed: it reads its own target only, the view goes
            }
            rel.setRecordedView(view.name());
            saveCatalog.save();
            named = true;
            rel.setView(view);
        } finally {
            if (!named) {
                rel.setRecordedView(null);
                discard(rel, view);
            }
        }
    }

    /** Whether {@code rel} may take a view now (admin lock held): live, a candidate, and every older one needs no copies. */
    private boolean qualifies(Relationship rel) {
        if (worker.closed() || !registry.isLive(rel) || rel.view() != null || !candidate(rel) || rel.failed()) {
            return false;
        }
        Family f = registry.families.get(rel.source().name());
        if (f == null || !f.source().name().equals(rel.source().name()) || !(f.links() instanceof FamilyLinks.Top)) {
            return false;
        }
        // The oldest without a view: views come oldest first (Family#viewed), and nothing older reads through rel.
        // Grains a newer sibling holds for it are copied in at the switch (ChainCopy#copyHeldNewer).
        int k = f.indexOf(rel);
        if (k < 0 || rel.cleaning() || rel.toCopy().isEmpty()) {
            return false; // one that copied everything reads its own target only: a view would hold nothing for it
        }
        if (!(registry.routeOf(rel.target().name()) instanceof VolumeRoute.Target)) {
            return false; // its target is the source of a cascade below: that level reads through it
        }
        for (int j = 0; j < k; j++) {
            if (!Family.needsNoCopies(f.at(j))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Releases the view of {@code rel}, which has copied everything (admin lock held): it reads its own target only,
     * so the catalog stops naming the view, then it goes. The family's order holds: {@code rel} needs no copies.
     */
    void releaseCopied(Relationship rel) throws IOException {
        SourceView view = rel.view();
        if (view == null || !rel.toCopy().isEmpty()) {
            return;
        }
        Family f = registry.families.get(rel.source().name());
        f.chainLock().writeLock().lock();
        try {
            rel.setView(null);
            rel.setRecordedView(null);
            try {
                saveCatalog.save();
            } catch (IOException | RuntimeException e) {
                rel.setView(view);
                rel.setRecordedView(view.name());
                throw e;
            }
        } finally {
            f.chainLock().writeLock().unlock();
        }
        discard(rel, view);
    }

    /**
     * Drops the views of every family {@code names} touch that has any, before a change of membership there that
     * views cannot take part in ({@link ViewDrop}), under the family's chain write lock; the snapshots go once the
     * durable catalog no longer names them.
     */
    void drop(Collection<String> names) throws IOException {
        for (String name : names) {
            Family f = registry.families.get(name);
            if (f == null || !f.anyViewed()) {
                continue;
            }
            f.chainLock().writeLock().lock();
            try {
                if (f.anyViewed()) {
                    ViewDrop.drop(f, journal, buffer, saveCatalog).forEach(this::discard);
                }
            } finally {
                f.chainLock().writeLock().unlock();
            }
        }
    }

    /** After the catalog stopped naming {@code rel}: closes and removes its view, if it has one. */
    void release(Relationship rel) throws IOException {
        SourceView view = rel.view();
        rel.setRecordedView(null);
        if (view == null) {
            return;
        }
        rel.setView(null);
        discard(rel, view);
    }

    /**
     * At open: the view {@code record} names, opened for {@code rel}; null when it has none or it opened. A view
     * that cannot be opened is a problem (the relationship stays inactive, with the reason): its T0 is gone with it.
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
            VolumeImage image = views.open(record.view());
            rel.setView(new SourceView(record.view(), new Volume(rel.source().name() + "@T0", image, true)));
            rel.setRecordedView(record.view());
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
        List<String> report = new ArrayList<>();
        for (var v : store.records()) {
            Volume volume = store.find(v.name()).orElse(null);
            if (volume == null || !(volume.image() instanceof PointInTimeViews views)) {
                continue;
            }
            for (String view : views.views()) {
                if (!named.contains(v.name() + "@" + view)) {
                    views.remove(view);
                    report.add("views: removed snapshot " + view + " of " + v.name() + ", which no relationship"
                            + " names");
                }
            }
        }
        return report;
    }

    /**
     * Stops taking views and closes every view handle (the engine closes or is abandoned); the views themselves
     * stay for the next open. Call without the admin lock: a view being taken finishes or is discarded first.
     */
    void close() {
        worker.close();
        for (Relationship rel : registry.live.values()) {
            SourceView view = rel.view();
            if (view != null) {
                view.volume().close();
            }
        }
    }

    /** Saves the catalog as the live relationships say it now. */
    @FunctionalInterface
    interface CatalogSave {
        void save() throws IOException;
    }
}
