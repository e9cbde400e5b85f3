package dev.flashcopy.engine.membership;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.ending.FailureLog;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.freeze.WriteGates;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.relationship.ExtentGroup;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.relationship.RelationshipCatalog;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import dev.flashcopy.engine.volume.Volume;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;
import java.util.concurrent.locks.Lock;

/**
 * The durable, locked changes of who is in which relationship: putting relationships into service
 * (at open, and at establish behind closed write gates and one catalog replace) and taking one out
 * (cleaning first, then one catalog replace under the family's chain write lock: {@link Withdrawal}). Owns the catalog's
 * next id. Decisions (rules, force, copy-first) are the engine's.
 *
 * <p>Not thread-safe: called only under the engine's admin lock (and once at open).
 */
public final class Membership {
    private final VolumeStore store;
    private final Path flashDir;
    private final Journal journal;
    private final Registry registry;
    private final ExtentGroup extents;
    private long nextId;

    private final FamilyParts parts;
    private final RelationshipJob.Finish copied;
    private final SourceViews views;
    private final Withdrawal withdrawal;

    /**
     * @param parts what new families are made with
     * @param copied what a relationship's background copy calls when it reached its end
     * @param admin the engine's admin lock, which the thread taking source views takes for each change
     * @param sourceViews whether relationships keep T0 in snapshots of their sources where the store takes them
     */
    public Membership(
            VolumeStore store,
            Path flashDir,
            Journal journal,
            Registry registry,
            long nextId,
            FamilyParts parts,
            RelationshipJob.Finish copied,
            Lock admin,
            boolean sourceViews) {
        this.parts = parts;
        this.copied = copied;
        this.store = store;
        this.flashDir = flashDir;
        this.journal = journal;
        this.registry = registry;
        this.nextId = nextId;
        this.extents = new ExtentGroup(parts.lockStripes());
        this.views = new SourceViews(sourceViews, registry, journal, admin, this::saveCatalog);
        this.withdrawal = new Withdrawal(registry, journal, extents, views, this::saveCatalog);
    }

    /**
     * Drops the source view of every viewed family {@code names} touch (see {@link SourceViews#drop}), before a
     * change of membership there that views cannot take part in.
     */
    public void dropViews(Collection<String> names) throws IOException {
        views.drop(names);
    }

    /**
     * After {@code rel} copied everything (admin lock held): releases its source view, and offers views again, since a
     * newer relationship of its family may switch now that rel needs no copies.
     */
    public void copied(Relationship rel) throws IOException {
        views.releaseCopied(rel);
        offerViews();
    }

    /**
     * Queues every live relationship that could keep T0 in a view of its source and has none, oldest first: after
     * open (a crash may have come between an establish and its view), and after a relationship ends or completes its
     * copy (one behind it may switch then). Each that does not qualify costs one check.
     */
    public void offerViews() {
        views.offer(registry.live.values().stream()
                .sorted(Comparator.comparingLong(r -> r.record().effectiveChainOrder()))
                .toList());
    }

    /** Waits until the relationships queued for a source view have it or were passed over; false on timeout. */
    public boolean awaitViews(Duration timeout) throws InterruptedException {
        return views.settle(timeout);
    }

    /**
     * Stops taking source views and closes their handles (the engine closes); the views stay for the next open. Call
     * without the admin lock.
     */
    public void closeViews() {
        views.close();
    }

    public void saveCatalog() throws IOException {
        RelationshipCatalog.save(store.disk(), flashDir, nextId, registry.catalogRecords());
    }

    /** Replaces the catalog with {@code records} (admin lock held). */
    public void saveCatalog(List<RelationshipRecord> records) throws IOException {
        RelationshipCatalog.save(store.disk(), flashDir, nextId, records);
    }

    /** A number from the id sequence, larger than every id and chain order so far (saved with the next catalog). */
    public long takeStamp() {
        return nextId++;
    }

    /** Puts {@code fresh} in the registry in place of the relationship with its id (chain write lock held). */
    public void swapIn(Relationship fresh) {
        Relationship old = registry.putLive(fresh);
        if (old != null && fresh.extents() != null) {
            extents.replace(old, fresh);
        }
        registry.jobs.put(fresh.id(), new RelationshipJob(registry, journal, copied, fresh));
    }

    /**
     * Replaces family {@code old} by {@code top}, whose one relationship is {@code fresh} (the reversed next
     * generation of one of old's), and {@code below} (null when old had no other relationship): old's other
     * relationships, now hanging below top, their source being fresh's target. The chain write locks of old and
     * top (shared with below) are held, so nothing enters any of them meantime. Each volume name maps to the old
     * family or a new one at every instant, never to none.
     */
    public void swapFamily(Family old, Family top, Family below, Relationship fresh) {
        old.dissolve();
        top.addNewest(fresh);
        registry.putLive(fresh);
        registry.jobs.put(fresh.id(), new RelationshipJob(registry, journal, copied, fresh));
        registry.families.put(fresh.source().name(), top);
        registry.families.put(fresh.target().name(), below != null ? below : top);
        if (below != null) {
            below.chain().forEach(r -> registry.families.put(r.target().name(), below));
        }
        registry.reroute();
    }

    /** Drops an inactive relationship from the catalog. */
    public void forget(Registry.Inactive dead) throws IOException {
        List<RelationshipRecord> all = registry.catalogRecords();
        all.remove(dead.record());
        RelationshipCatalog.save(store.disk(), flashDir, nextId, all);
        registry.inactive.remove(dead.record().id());
    }

    /**
     * Pass 5 of recovery: binds catalogued relationships to volumes, marks those that failed before (see
     * {@link FailureLog}); returns report lines.
     */
    public List<String> attach(List<RelationshipRecord> records, Map<Long, BitmapSet> bitmaps) throws IOException {
        List<String> report =
                new AttachPass(registry, store, parts.failures(), views, this::install).run(records, bitmaps);
        report.addAll(views.removeStray(store, records));
        return report;
    }

    /**
     * Puts a relationship into service as its source's newest target (chain write lock held or family new).
     * A source that is a target itself gets a family of its own below the one it is a target in.
     */
    private void install(Relationship rel) {
        if (rel.extents() != null) {
            installExtent(rel);
            return;
        }
        Family f = registry.families.get(rel.source().name());
        if (f == null) {
            f = new Family(rel.source(), rel.geometry(), journal, parts.lockStripes(), parts.failures());
        } else if (!f.source().name().equals(rel.source().name())) {
            f = new Family(rel.source(), rel.geometry(), journal, f); // a cascade's next level
        }
        f.addNewest(rel);
        registry.putLive(rel);
        registry.jobs.put(rel.id(), new RelationshipJob(registry, journal, copied, rel));
        registry.families.put(rel.source().name(), f);
        registry.families.put(rel.target().name(), f);
    }

    /** Puts an extent relationship into service in its source's family of the extent group (its lock held). */
    private void installExtent(Relationship rel) {
        Family f = extents.sourceFamily(rel.source().name());
        if (f == null) {
            f = new Family(rel.source(), rel.geometry(), journal, extents, parts.failures());
        }
        f.addNewest(rel);
        extents.add(rel, f);
        registry.putLive(rel);
        registry.jobs.put(rel.id(), new RelationshipJob(registry, journal, copied, rel));
        registry.families.put(rel.source().name(), f);
        registry.families.put(
                rel.target().name(), extents.familyFor(rel.target().name()));
    }

    /**
     * Creates missing targets (sparse, the source's size), then {@link #establish}es; on failure removes the
     * targets it created, so a refused or failed establish leaves no new volumes behind.
     */
    public void establishCreatingTargets(
            List<PairSpec> pairs,
            EstablishOptions options,
            SortedSet<String> names,
            List<Relationship> fresh,
            Set<String> establishing)
            throws IOException {
        List<String> created = new ArrayList<>();
        try {
            for (PairSpec p : pairs) {
                if (!store.contains(p.target())) {
                    long size = store.get(p.source()).size();
                    if (p.extents() != null) {
                        size = p.extents().stream()
                                .mapToLong(e -> e.targetEnd())
                                .max()
                                .orElse(size);
                    }
                    store.create(p.target(), size);
                    created.add(p.target());
                }
            }
            establish(pairs, options, names, fresh);
        } catch (IOException | RuntimeException e) {
            establishing.removeAll(created);
            for (String c : created) {
                try {
                    store.remove(c);
                } catch (IOException | RuntimeException suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** Installs new relationships at one T0: gates closed, one catalog replace, then into service. */
    void establish(List<PairSpec> pairs, EstablishOptions options, SortedSet<String> names, List<Relationship> fresh)
            throws IOException {
        // A new whole-volume target of a family's source joins as its newest, which views allow (SourceViews); any
        // other change to a family with views (a cascade, an extent, a source that becomes a target) drops them first.
        SortedSet<String> dropping = new TreeSet<>(names);
        for (PairSpec p : pairs) {
            Family f = registry.families.get(p.source());
            if (p.extents() == null && (f == null || f.source().name().equals(p.source()))) {
                dropping.remove(p.source());
            }
        }
        for (PairSpec p : pairs) {
            dropping.add(p.target()); // a source named as a target somewhere is dropped after all
        }
        dropViews(dropping);
        String t0 = Instant.now().toString();
        try (WriteGates.Closed closedGates = parts.gates().closeAll(names)) {
            List<Family> touched = new ArrayList<>(new TreeSet<>(
                            pairs.stream().map(PairSpec::source).toList())
                    .stream().map(registry.families::get).filter(f -> f != null).toList());
            boolean anyExtent = pairs.stream().anyMatch(p -> p.extents() != null);
            if (anyExtent) {
                extents.chainLock().writeLock().lock(); // the group's index changes, even for a new source
            }
            touched.forEach(f -> f.chainLock().writeLock().lock());
            try {
                long id = nextId;
                for (PairSpec p : pairs) {
                    Volume source = store.get(p.source());
                    RelationshipRecord record = new RelationshipRecord(
                            id++,
                            p.source(),
                            p.target(),
                            options.seqnum(),
                            options.mode(),
                            options.persistent(),
                            options.targetWriteInhibit(),
                            options.grainSize(),
                            source.size(),
                            t0,
                            options.rateMiBps());
                    if (options.recording()) {
                        record = new RelationshipRecord(
                                record.id(),
                                record.source(),
                                record.target(),
                                record.seqnum(),
                                record.mode(),
                                record.persistent(),
                                record.targetWriteInhibit(),
                                record.grainSize(),
                                record.size(),
                                t0,
                                record.rateMiBps(),
                                true,
                                0,
                                null,
                                t0,
                                record.id());
                    }
                    record = record.withOnFull(options.onFull());
                    long grains = new GrainGeometry(options.grainSize(), source.size()).grains();
                    BitmapSet bits = BitmapSet.established(grains);
                    if (p.extents() != null) {
                        record = record.withExtents(p.extents()); // the relationship masks bits outside them
                    }
                    fresh.add(new Relationship(record, source, store.get(p.target()), bits));
                }
                List<RelationshipRecord> all = registry.catalogRecords();
                fresh.forEach(r -> all.add(r.record()));
                // Durability: nothing needs to be durable before (in-flight writes to the named volumes are
                // drained by the gates; completed but unflushed ones are as durable as the host asked). The
                // catalog replace is the T0 of every pair at once; no write to them runs until it is done.
                RelationshipCatalog.save(store.disk(), flashDir, id, all);
                nextId = id;
                fresh.forEach(this::install);
                registry.reroute(); // chain write locks still held: I/O takes the new routes after them
            } finally {
                for (int i = touched.size() - 1; i >= 0; i--) {
                    touched.get(i).chainLock().writeLock().unlock();
                }
                if (anyExtent) {
                    extents.chainLock().writeLock().unlock();
                }
            }
        }
        views.offer(fresh); // each starts on copy-on-write; a view of its source follows when the store keeps one
    }

    /**
     * Cleans, then takes {@code rel} out of service and out of the catalog (admin lock held; see {@link Withdrawal}).
     * A relationship behind it may then switch to a source view, or a family whose cascade ended here get its views
     * back.
     */
    public void withdraw(Relationship rel) throws IOException {
        withdrawal.withdraw(rel);
        offerViews();
    }
}
