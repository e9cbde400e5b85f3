package dev.flashcopy.engine.membership;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.bitmap.GrainGeometry;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.LinkedBlockingDeque;
import java.util.concurrent.locks.Lock;

/**
 * The lifecycle of relationships' {@link SourceView}s, where the store keeps T0 itself (RBD snapshots): taking one
 * for a relationship after its establish, dropping views before a change they cannot take part in, releasing one
 * when its relationship ends, reopening them at open and removing views no relationship names.
 *
 * <p>A relationship starts on copy-on-write, so {@code mkflash} answers as fast as on files and holds the source's
 * writes no longer: an RBD snapshot takes from tens of milliseconds to a second (the monitor publishes a new map
 * for it). A worker thread then takes the view while writes go on, and switches the relationship to it. That is
 * safe for the family's newest relationship: a grain whose bit is still set after the snapshot was never written on
 * the source since T0 (a source write first copies the grain to the newest and clears its bit), so for every grain
 * the target will still read, the snapshot holds T0. So a view is taken only for the newest relationship, and only
 * when every older one needs no copies ({@link Family#viewed()}); an establish while one is being taken makes it
 * pass (that relationship stays on copy-on-write).
 *
 * <p>Ordering (DESIGN.md, "Copy-on-write on Ceph"): the snapshot is durable before the catalog names it, and the
 * catalog names it before I/O uses it; a drop first copies into each target what it would miss and makes that
 * durable, then the catalog stops naming the views, then they are removed. A crash between any two steps leaves
 * either a view the catalog names (holding T0 of every grain still to copy) or one it does not (removed as stray at
 * the next open).
 *
 * <p>Thread-safe: every change runs under the engine's admin lock, the slow snapshot call outside it.
 */
final class SourceViews {
    /** False keeps every relationship on copy-on-write ({@code FlashSettings.sourceViews}). */
    private final boolean enabled;

    private final Registry registry;
    private final Journal journal;
    private final Lock admin;
    private final CatalogSave saveCatalog;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);
    private final LinkedBlockingDeque<Task> waiting = new LinkedBlockingDeque<>();
    /** Tasks queued and not yet done with (guarded by {@code this}). */
    private int pending;

    private volatile boolean closed;
    private Thread worker;

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
                queue(() -> takeFor(rel), "no snapshot for " + rel + ", which stays on copy-on-write");
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
        queue(
                () -> views.remove(view.name()),
                "snapshot " + view.name() + " of " + rel.source().name() + " stays until the next start removes it");
    }

    /** A step of the worker's. */
    @FunctionalInterface
    private interface Task {
        void run() throws IOException;
    }

    private void queue(Task task, String ifFailed) {
        synchronized (this) {
            if (closed) {
                return;
            }
            pending++;
            if (worker == null) {
                worker = Thread.ofPlatform()
                        .daemon()
                        .name("flashcopy-source-views")
                        .start(this::work);
            }
        }
        waiting.add(() -> {
            try {
                task.run();
            } catch (IOException | RuntimeException e) {
                // A relationship without its view stays on copy-on-write, which keeps T0 as well; nothing is lost.
                System.getLogger(SourceViews.class.getName())
                        .log(System.Logger.Level.WARNING, ifFailed + ": " + e.getMessage());
            }
        });
    }

    private void work() {
        while (!closed) {
            Task task;
            try {
                task = waiting.take();
            } catch (InterruptedException e) {
                return;
            }
            try {
                task.run();
            } catch (IOException e) {
                throw new AssertionError(e); // queue() wraps every task
            } finally {
                synchronized (this) {
                    pending--;
                    notifyAll();
                }
            }
        }
    }

    /** Waits until every queued view was taken or passed over, and every queued removal done; false on timeout. */
    boolean settle(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        synchronized (this) {
            while (pending > 0) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return false;
                }
                wait(Math.max(1, left / 1_000_000), 0);
            }
        }
        return true;
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
            if (closed || !qualifies(rel)) {
                discard(rel, view);
                return;
            }
            rel.setRecordedView(name);
            try {
                saveCatalog.save();
            } catch (IOException | RuntimeException e) {
                rel.setRecordedView(null);
                discard(rel, view);
                throw e;
            }
            // Durability: the snapshot (durable when taken) is named by the durable catalog before I/O relies on it.
            Family f = registry.families.get(rel.source().name());
            f.chainLock().writeLock().lock();
            try {
                rel.setView(view);
            } finally {
                f.chainLock().writeLock().unlock();
            }
        } finally {
            admin.unlock();
        }
    }

    /** Whether {@code rel} may take a view now (admin lock held): live, a candidate, and every older one has one. */
    private boolean qualifies(Relationship rel) {
        if (closed || !registry.isLive(rel) || rel.view() != null || !candidate(rel) || rel.failed()) {
            return false;
        }
        Family f = registry.families.get(rel.source().name());
        if (f == null || !f.source().name().equals(rel.source().name()) || !(f.links() instanceof FamilyLinks.Top)) {
            return false;
        }
        // The newest only: its bit set means the source has not changed there since T0 (a source write copies to
        // the newest first), so the snapshot holds T0 there. An older one's grain may have changed on the source,
        // its copy having gone to a newer sibling it reads through.
        int k = f.indexOf(rel);
        if (k < 0 || k != f.size() - 1 || rel.cleaning()) {
            return false;
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
     * views cannot take part in. Under the family's chain write lock (host writes wait), newest target first, each
     * target with a view gets from it every grain it still has to copy where the chain would no longer give it T0:
     * where the source changed since its T0, or where a newer target holds the grain (the chain would read that one).
     * Changes since an older T0 include those since a newer one, so no newer target later changes a grain an older
     * one relies on. Then, durably, the catalog stops naming the views (one save), and they are removed. From then on
     * every grain a target still has to copy reads T0 from the source or a newer target, as the chain's rules
     * expect, and source writes copy on write.
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
                    drop(f);
                }
            } finally {
                f.chainLock().writeLock().unlock();
            }
        }
    }

    private void drop(Family f) throws IOException {
        long grains = f.geometry().grains();
        GrainBitmap heldNewer = GrainBitmap.empty(grains);
        List<Relationship> chain = f.chain();
        Map<Relationship, SourceView> views = new LinkedHashMap<>();
        for (int k = chain.size() - 1; k >= 0; k--) {
            Relationship rel = chain.get(k);
            if (rel.view() != null) {
                views.put(rel, rel.view());
                ChainCopy.copyFromView(f, rel, GrainBitmap.union(changedSince(f, rel), heldNewer), buffer);
            }
            heldNewer = GrainBitmap.union(heldNewer, GrainBitmap.andNot(GrainBitmap.allSet(grains), rel.toCopy()));
        }
        // Durability: every target holds, durably, each grain it would no longer read T0 of through the chain before
        // the views that kept them go (the catalog first stops naming them, in one save, then they are removed).
        journal.commitAll();
        views.keySet().forEach(rel -> {
            rel.setView(null);
            rel.setRecordedView(null);
        });
        try {
            saveCatalog.save();
        } catch (IOException | RuntimeException e) {
            views.forEach((rel, view) -> { // still named by the durable catalog: keep reading them
                rel.setView(view);
                rel.setRecordedView(view.name());
            });
            throw e;
        }
        for (Map.Entry<Relationship, SourceView> e : views.entrySet()) {
            discard(e.getKey(), e.getValue());
        }
    }

    /** The grains of {@code rel}'s source that changed since its view was taken. */
    private static GrainBitmap changedSince(Family f, Relationship rel) throws IOException {
        GrainGeometry geo = f.geometry();
        GrainBitmap changed = GrainBitmap.empty(geo.grains());
        List<long[]> ranges = ((PointInTimeViews) rel.source().image())
                .changedSince(rel.view().name(), 0, geo.size());
        for (long[] r : ranges) {
            long end = Math.min(r[0] + r[1], geo.size());
            if (r[1] > 0 && r[0] < end) {
                changed.set(geo.grainOf(r[0]), geo.grainOf(end - 1) + 1);
            }
        }
        return changed;
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
        closed = true;
        Thread w;
        synchronized (this) {
            w = worker;
        }
        if (w != null) {
            w.interrupt();
            try {
                w.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
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
