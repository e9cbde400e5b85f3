package dev.flashcopy.engine.refresh;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.ending.EndingRecorder;
import dev.flashcopy.engine.ending.RelationshipEnding;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.freeze.WriteGates;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.membership.FamilyParts;
import dev.flashcopy.engine.membership.Membership;
import dev.flashcopy.engine.membership.Registry;
import dev.flashcopy.engine.relationship.CascadeIo;
import dev.flashcopy.engine.relationship.ChainCopy;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.GenerationChange;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import dev.flashcopy.engine.relationship.VolumeRoute.CascadeMiddle;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * Incremental FlashCopy on recording relationships: {@code resyncflash} (a new T0 that recopies only the
 * grains changed on either side) and {@code reverseflash} (the target's point in time restored onto the
 * source, roles swapped). Both replace each relationship by its next generation, with the same id:
 * <ol>
 *   <li>rules first, so a refusal changes nothing;</li>
 *   <li>write gates of every named volume closed and the families' chain write locks taken: no host write,
 *       copy step or target read runs until the end;</li>
 *   <li>the journal committed, so the durable bitmaps are exactly the ones the next generation is computed
 *       from ({@link BitmapSet#resynced()}, {@link BitmapSet#reversed()});</li>
 *   <li>one catalog replace naming the next generations: the commit point. Recovery applies the same
 *       function to bitmaps of the generation before;</li>
 *   <li>the new relationships put into service, then a checkpoint of the new generations, before any I/O
 *       can journal a record that belongs to them.</li>
 * </ol>
 *
 * <p>Multi-target: a resynced target becomes its source's newest point in time, so it moves to the newest
 * end of the chain (as an SVC incremental map restarts at the head of its cascade), after cleaning, as a
 * withdraw does, every grain the next older target reads through it. A reverse of a source with other targets
 * keeps their points in time by moving them below the pair, which runs the other way: the restored target
 * becomes the top of a cascade whose middle volume is the restored source (see {@link #keepSiblings}).
 *
 * <p>Cascades: a pair whose source is a cascade's middle volume resyncs like any other (its source's view
 * changes only by writes to it, which mark source-changed); when the pair's target has targets of its own,
 * the newest of them first gets the grains the new T0 changes, as for a write (cleaned like a withdraw).
 * Reverse is refused inside a cascade (a volume is the target of one relationship at most).
 *
 * <p>Not thread-safe: called only under the engine's admin lock.
 */
public final class Refresh {
    private final FamilyParts parts;
    private final Membership membership;
    private final Registry registry;
    private final Journal journal;
    private final EndingRecorder ended;
    private final ByteBuffer buffer = ByteBuffer.allocateDirect(1 << 20);

    /** @param ended where a reverse says its pair ended (it goes on the other way) */
    public Refresh(FamilyParts parts, Membership membership, Registry registry, Journal journal, EndingRecorder ended) {
        this.parts = parts;
        this.membership = membership;
        this.registry = registry;
        this.journal = journal;
        this.ended = ended;
    }

    public List<Relationship> resync(List<PairSpec> pairs, ResyncOptions options) throws IOException {
        if (pairs == null || pairs.isEmpty()) {
            throw new IllegalArgumentException("pairs: none (expected: at least one SOURCE:TARGET pair)");
        }
        Map<Long, Relationship> rels = new LinkedHashMap<>();
        SortedSet<String> names = new TreeSet<>();
        for (PairSpec p : pairs) {
            Relationship first = live(p);
            // Every extent relationship of the pair (separate establishes) takes the new T0 together.
            List<Relationship> ofPair = first.extents() == null
                    ? List.of(first)
                    : registry.live.values().stream()
                            .filter(r -> r.source() == first.source() && r.target() == first.target())
                            .toList();
            for (Relationship rel : ofPair) {
                if (rels.put(rel.id(), rel) != null) {
                    throw new IllegalArgumentException("pair " + p + " is named twice (expected: each pair once)");
                }
                refuseResync(p, rel);
            }
            names.add(p.source());
            names.add(p.target());
        }
        membership.dropViews(names); // the new T0 is kept by copy-on-write, as in any chain
        // Most of the cleaning while host I/O carries on; the locked pass below only catches up.
        for (Relationship rel : rels.values()) {
            Family f = registry.families.get(rel.source().name());
            if (f.enter(rel.target().name())) {
                try {
                    if (rel.extents() == null) { // nothing reads through an extent relationship
                        ChainCopy.clean(f, rel, buffer);
                    }
                    cleanBelow(rel);
                } finally {
                    f.exit();
                }
            }
        }
        String t0 = Instant.now().toString();
        List<Relationship> fresh = new ArrayList<>();
        try (WriteGates.Closed closedGates = parts.gates().closeAll(names)) {
            List<Family> families = lockFamilies(rels.values());
            try {
                for (Relationship rel : rels.values()) {
                    // Older targets that read through rel get their grains now: rel's view is about to change.
                    if (rel.extents() == null) {
                        ChainCopy.clean(registry.families.get(rel.source().name()), rel, buffer);
                    }
                    cleanBelow(rel); // a cascade: the level below keeps its point in time
                }
                // Durability: every bitmap change so far (cleaning included) is durable before the catalog names
                // the next generation, whose bitmaps recovery derives from the durable ones.
                journal.commitAll();
                for (Relationship rel : rels.values()) {
                    RelationshipRecord r = rel.record();
                    RelationshipRecord next = new RelationshipRecord(
                                    r.id(),
                                    r.source(),
                                    r.target(),
                                    options.seqnum().orElse(r.seqnum()),
                                    r.mode(),
                                    options.persistent(),
                                    options.targetWriteInhibit(),
                                    r.grainSize(),
                                    r.size(),
                                    r.establishedAt(),
                                    r.rateMiBps(),
                                    options.recording(),
                                    r.generation() + 1,
                                    GenerationChange.RESYNC,
                                    t0,
                                    membership.takeStamp())
                            .withOnFull(r.effectiveOnFull());
                    next = r.extents() == null ? next : next.withExtents(r.extents());
                    fresh.add(new Relationship(
                            next, rel.source(), rel.target(), rel.bitmaps().resynced()));
                }
                commit(fresh);
                for (Relationship f : fresh) {
                    registry.families.get(f.source().name()).replace(rels.get(f.id()), f, true);
                    membership.swapIn(f);
                }
                registry.reroute(); // the routes of the pairs' volumes name the next generations
                checkpoint();
            } finally {
                unlock(families);
            }
        }
        return fresh;
    }

    public Relationship reverse(PairSpec pair, ReverseOptions options) throws IOException {
        Relationship rel = live(pair);
        Family f = registry.families.get(rel.source().name());
        if (!rel.recording()) {
            throw new IllegalStateException("relationship " + pair + " does not record changes (rule: reverseflash"
                    + " copies back only the grains changed since T0, so it needs a relationship made or last"
                    + " resynced with --record)");
        }
        if (rel.extents() != null) {
            throw new IllegalStateException("relationship " + pair + " is an extent relationship (rule: reverseflash"
                    + " restores whole volumes only; resyncflash refreshes an extent relationship)");
        }
        refuseTargetWithTargets(pair, "reverseflash", "restoring would make it the source of two cascades");
        if (f.upstream() != null) {
            throw new IllegalStateException("source " + pair.source() + " is itself the target of "
                    + f.upstream().source().name()
                    + " (rule: reverseflash does not restore a volume in the middle of a cascade,"
                    + " it would become the target of two relationships; withdraw "
                    + f.upstream().source().name()
                    + ":" + pair.source() + " first)");
        }
        if (rel.target().size() != rel.source().size()) {
            throw new IllegalStateException(
                    "target " + pair.target() + " is " + rel.target().size() + " bytes, source " + pair.source() + " "
                            + rel.source().size() + " (rule: reverseflash needs volumes of equal size)");
        }
        if (rel.cleaning()) {
            throw new IllegalStateException("relationship " + pair + " is being withdrawn");
        }
        membership.dropViews(List.of(pair.source())); // the family is remade around the pair: its siblings' views go
        long left = rel.toCopy().count();
        if (!options.fast() && left > 0) {
            throw new IllegalStateException("target " + pair.target() + " is not a full copy of " + pair.source()
                    + " yet (" + left + " grains still to copy) (rule: reverseflash waits for the background copy;"
                    + " wait for it, or restore at once with --fast)");
        }
        SortedSet<String> names = new TreeSet<>(List.of(pair.source(), pair.target()));
        if (f.size() > 1 && f.enter(pair.source())) {
            try {
                ChainCopy.clean(f, rel, buffer); // most of the siblings' cleaning while host I/O carries on
            } finally {
                f.exit();
            }
        }
        String t0 = Instant.now().toString();
        Relationship fresh;
        try (WriteGates.Closed closedGates = parts.gates().closeAll(names)) {
            f.chainLock().writeLock().lock();
            Family top = null;
            try {
                // A grain still to copy that was also changed: the target's view (the next newer target's, or the
                // source's before it changed) goes into the target before roles swap.
                int k = f.indexOf(rel);
                GrainBitmap changed = GrainBitmap.union(rel.sourceChanged(), rel.targetChanged());
                GrainBitmap both = GrainBitmap.andNot(rel.toCopy(), GrainBitmap.andNot(rel.toCopy(), changed));
                for (long g = both.nextSet(0); g >= 0; g = both.nextSet(g + 1)) {
                    f.copyViewInto(k, g);
                }
                top = new Family(rel.target(), rel.geometry(), journal, parts.lockStripes(), parts.failures());
                Family below = f.size() > 1 ? keepSiblings(f, rel, top, changed) : null;
                // Durability: as for a resync, the bitmaps the next generation derives from are durable first, and
                // so are the siblings' copies: once the catalog names the reversal, the source's view is the
                // target's, and they no longer read the old data through it.
                journal.commitAll();
                RelationshipRecord r = rel.record();
                // The pair keeps its mode: a NOCOPY pair stays space-efficient (the old source reads the changed
                // grains from the old target's file until they are written, the old target the others from the old
                // source's file), a COPY pair copies the changed grains back in the background.
                RelationshipRecord reversed = new RelationshipRecord(
                                r.id(),
                                r.target(),
                                r.source(),
                                r.seqnum(),
                                r.mode(),
                                options.persistent(),
                                false,
                                r.grainSize(),
                                r.size(),
                                r.establishedAt(),
                                r.rateMiBps(),
                                options.recording(),
                                r.generation() + 1,
                                GenerationChange.REVERSE,
                                t0,
                                membership.takeStamp())
                        .withOnFull(r.effectiveOnFull());
                fresh = new Relationship(
                        reversed, rel.target(), rel.source(), rel.bitmaps().reversed());
                commit(List.of(fresh));
                top.chainLock().writeLock().lock();
                membership.swapFamily(f, top, below, fresh);
                checkpoint();
            } finally {
                if (top != null && top.chainLock().isWriteLockedByCurrentThread()) {
                    top.chainLock().writeLock().unlock();
                }
                f.chainLock().writeLock().unlock();
            }
        }
        // The catalog names the pair the other way now: a wait on SOURCE:TARGET finds it gone, and learns why here.
        ended.record(
                rel,
                RelationshipEnding.Kind.REVERSED,
                "reversed by reverseflash" + (left > 0 ? " with " + left + " grains still to copy" : "") + "; it runs "
                        + pair.target() + ":" + pair.source() + " now");
        return fresh;
    }

    /**
     * Reverse of a source with other targets (chain write lock held): they keep their points in time in a
     * cascade below the restored pair, target then source of them. Older siblings get what they read through
     * the restored target; the newest gets the source's present view of every grain the restore changes
     * (those changed on either side since T0), as for a host write, and recording ones mark them changed.
     * Returns their family-to-be (not yet in service), hanging below {@code top}.
     */
    private Family keepSiblings(Family f, Relationship rel, Family top, GrainBitmap changed) throws IOException {
        ChainCopy.clean(f, rel, buffer);
        Family below = new Family(rel.source(), rel.geometry(), journal, top);
        for (Relationship sibling : f.chain()) {
            if (sibling != rel) {
                below.addNewest(sibling);
            }
        }
        // No one else can see below yet, and f's chain write lock holds off all I/O on these volumes: below
        // reads the source's own file, which no write changes until the swap.
        CascadeIo.cleanBelow(below, changed);
        return below;
    }

    /**
     * A cascade: the pair's target is the source of a family below, whose newest target reads the target's
     * view; the resync changes that view at the grains changed on either side, so they are copied there first
     * (and marked source-changed for that family's recording relationships). The same lock domain covers both.
     */
    private static void refuseResync(PairSpec p, Relationship rel) {
        if (!rel.recording()) {
            throw new IllegalStateException("relationship " + p + " does not record changes (rule: resyncflash"
                    + " needs a relationship made or last resynced with --record --persist)");
        }
        if (rel.cleaning()) {
            throw new IllegalStateException("relationship " + p + " is being withdrawn");
        }
    }

    private void cleanBelow(Relationship rel) throws IOException {
        if (rel.extents() != null) {
            return; // nothing reads through an extent relationship
        }
        if (registry.routeOf(rel.target().name()) instanceof CascadeMiddle m) {
            CascadeIo.cleanBelow(m.below(), GrainBitmap.union(rel.sourceChanged(), rel.targetChanged()));
        }
    }

    /** A cascade: the pair's target has targets of its own, whose point in time a new one would change. */
    private void refuseTargetWithTargets(PairSpec p, String command, String why) {
        if (registry.routeOf(p.target()) instanceof CascadeMiddle m) {
            List<String> targets =
                    m.below().chain().stream().map(r -> r.target().name()).toList();
            throw new IllegalStateException("target " + p.target() + " is the source of " + String.join(", ", targets)
                    + " (rule: " + command + " does not change a cascade's middle volume: " + why + "; withdraw"
                    + " them first)");
        }
    }

    private Relationship live(PairSpec p) {
        Relationship rel = registry.findLive(p.source(), p.target()).orElse(null);
        if (rel == null) {
            boolean reversed = registry.findLive(p.target(), p.source()).isPresent();
            throw new NoSuchElementException("no FlashCopy relationship " + p
                    + (reversed ? "; it runs " + p.target() + ":" + p.source() + " since a reverseflash" : "")
                    + " (see lsflash)");
        }
        if (rel.revertArea() != null) {
            throw new IllegalStateException("relationship " + p + " is revertible (rule: commitflash or revertflash"
                    + " it first, so the target's last committed state is settled)");
        }
        if (rel.failed()) {
            throw new IllegalStateException("relationship " + p + " has failed (" + rel.failedReason() + "); its"
                    + " target holds no point in time to resync or restore from: withdraw it with rmflash");
        }
        return rel;
    }

    /** The catalog replace that makes the next generations durable: the commit point. */
    private void commit(List<Relationship> fresh) throws IOException {
        Set<Long> ids = new HashSet<>();
        fresh.forEach(r -> ids.add(r.id()));
        List<RelationshipRecord> all = new ArrayList<>(registry.catalogRecords().stream()
                .filter(r -> !ids.contains(r.id()))
                .toList());
        fresh.forEach(r -> all.add(r.record()));
        all.sort((a, b) -> Long.compare(a.id(), b.id()));
        // Durability: the journal is committed (above); once this replace is durable the next generation
        // exists, and recovery derives its bitmaps should the checkpoint below not happen.
        membership.saveCatalog(all);
    }

    /** Checkpoints the next generations while the chain locks still hold off every I/O that would journal. */
    private void checkpoint() throws IOException {
        journal.checkpoint(registry::bitmaps);
    }

    private List<Family> lockFamilies(Iterable<Relationship> rels) {
        TreeMap<String, Family> bySource = new TreeMap<>();
        rels.forEach(r ->
                bySource.put(r.source().name(), registry.families.get(r.source().name())));
        List<Family> locked = new ArrayList<>(bySource.values());
        locked.forEach(f -> f.chainLock().writeLock().lock());
        return locked;
    }

    private static void unlock(List<Family> families) {
        for (int i = families.size() - 1; i >= 0; i--) {
            families.get(i).chainLock().writeLock().unlock();
        }
    }
}
