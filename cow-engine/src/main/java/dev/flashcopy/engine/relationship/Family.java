package dev.flashcopy.engine.relationship;

import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.volume.Volume;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * One source and its targets as SVC's dependency chain: {@code chain} holds the relationships oldest
 * first, newest last (establish order). A target's view of a grain it still has to copy is the view of
 * the next newer target, down to the source; so the first relationship at or after it (towards newer)
 * that has the grain copied holds the data, else the source does. Every target of one source uses the
 * same grain size, so grain numbers, stripes and bitmaps line up across the chain. Its {@link FamilyLinks}
 * say whose locks it shares (its own, a cascade's, an extent group's); what its volumes are is their {@link
 * VolumeRoute}.
 *
 * <p>Thread-safe. The chain changes only under the write lock of {@link #chainLock()}; every I/O path
 * holds its read lock (see {@link #enter}) and the {@link #locks() grain locks} of the grains it touches,
 * and the methods here that take a chain index expect both.
 */
public final class Family {
    private final Volume source;
    private final GrainGeometry geometry;
    private final Journal journal;
    private final GrainLocks locks;
    private final FailureRecorder failures;
    private final ReentrantReadWriteLock chainLock;
    private final HostLoad hostLoad;
    private final AtomicLong grainCopies = new AtomicLong();
    private final ArrayList<Relationship> chain = new ArrayList<>();
    /** The chain as of its last change, republished on every change of the chain, for lock-free looks. */
    private volatile ChainHints hints = ChainHints.EMPTY;

    private volatile boolean dissolved;
    /** Whose locks this family shares; changes only from below to the top, under the chain write lock. */
    private volatile FamilyLinks links;

    /** A family with locks of its own: its source is not (yet) the target of another relationship. */
    public Family(Volume source, GrainGeometry geometry, Journal journal, int stripes, FailureRecorder failures) {
        this(
                source,
                geometry,
                journal,
                new GrainLocks(stripes),
                new ReentrantReadWriteLock(),
                new HostLoad(),
                failures,
                FamilyLinks.TOP);
    }

    /** The family of {@code source}'s extent relationships, sharing the locks of {@code group} (see there). */
    public Family(Volume source, GrainGeometry geometry, Journal journal, ExtentGroup group, FailureRecorder failures) {
        this(
                source,
                geometry,
                journal,
                group.locks(),
                group.chainLock(),
                group.hostLoad(),
                failures,
                new FamilyLinks.Extents(group));
    }

    /**
     * A cascaded family: its source is a target in {@code upstream}, whose chain lock, grain locks and host
     * write count it shares (see the package documentation), and below which it hangs. Caller holds that
     * chain's write lock; the grain sizes match (the establish rules and recovery check it).
     */
    public Family(Volume source, GrainGeometry geometry, Journal journal, Family upstream) {
        if (upstream.geometry.grainSize() != geometry.grainSize()) {
            throw new IllegalArgumentException("grainSize: " + geometry.grainSize() + " (expected: "
                    + upstream.geometry.grainSize() + ", the grain size of the cascade above " + source.name() + ")");
        }
        this(
                source,
                geometry,
                journal,
                upstream.locks,
                upstream.chainLock,
                upstream.hostLoad,
                upstream.failures,
                new FamilyLinks.Below(upstream));
    }

    private Family(
            Volume source,
            GrainGeometry geometry,
            Journal journal,
            GrainLocks locks,
            ReentrantReadWriteLock chainLock,
            HostLoad hostLoad,
            FailureRecorder failures,
            FamilyLinks links) {
        this.source = source;
        this.geometry = geometry;
        this.journal = journal;
        this.locks = locks;
        this.chainLock = chainLock;
        this.hostLoad = hostLoad;
        this.failures = failures;
        this.links = links;
    }

    /**
     * Fails {@code rel} for good: the failure is made durable first (so after a crash the target is not
     * trusted to hold T0 where a copy was skipped), then the chain stops copying to it.
     */
    public void fail(Relationship rel, String reason) throws BlockIoException {
        if (rel.failed()) {
            return;
        }
        try {
            failures.record(rel, reason);
        } catch (IOException e) {
            throw new BlockIoException(
                    BlockError.IO,
                    "relationship " + rel + " failed (" + reason + ") and the"
                            + " failure could not be recorded, so the write that needed its copy is refused: "
                            + e.getMessage(),
                    e);
        }
        rel.markFailed(reason);
    }

    /**
     * The chain index of the relationship that must get a copy of {@code grain} before the file read by
     * index {@code from} changes there, or -1 when none needs one. A failed relationship gets no copies; one
     * that has the grain copied still holds the view older ones read through it (nothing writes a failed
     * target), so the walk stops there.
     */
    public int copyRecipient(int from, long grain) {
        for (int j = from; j >= 0; j--) {
            Relationship r = chain.get(j);
            if (!r.failed()) {
                return r.toCopy().isSet(grain) ? j : -1;
            }
            if (!r.toCopy().isSet(grain)) {
                return -1;
            }
        }
        return -1;
    }

    public Volume source() {
        return source;
    }

    public GrainGeometry geometry() {
        return geometry;
    }

    public Journal journal() {
        return journal;
    }

    public GrainLocks locks() {
        return locks;
    }

    public ReentrantReadWriteLock chainLock() {
        return chainLock;
    }

    /**
     * Takes the chain's read lock if {@code volume} is still the source or a target here; false (and no
     * lock held) when the family changed under the caller, who then looks the volume up again.
     */
    public boolean enter(String volume) {
        chainLock.readLock().lock();
        boolean member = links instanceof FamilyLinks.Extents(ExtentGroup group)
                ? group.has(volume)
                : source.name().equals(volume) || indexOf(volume) >= 0;
        if (!dissolved && member) {
            return true;
        }
        chainLock.readLock().unlock();
        return false;
    }

    public void exit() {
        chainLock.readLock().unlock();
    }

    /** Host writes on the source or any target (the whole cascade's): the background copier backs off by it. */
    public HostLoad hostLoad() {
        return hostLoad;
    }

    /** Grains copied on behalf of host writes since open (copy-on-write work, for stats and tests). */
    public long grainCopies() {
        return grainCopies.get();
    }

    // The methods below expect the chain lock (read or write).

    /** Whose locks this family shares: its own, a cascade's, or an extent group's. */
    public FamilyLinks links() {
        return links;
    }

    /**
     * The family in which this family's source is a target (a cascade level up), or null for the top of a
     * cascade (and for extent families). Changes only under the chain write lock (shared along the cascade).
     */
    public Family upstream() {
        return links instanceof FamilyLinks.Below(Family up) ? up : null;
    }

    /** Detaches this family from the one above (chain write lock held): its source stopped being a target. */
    public void detachUpstream() {
        this.links = FamilyLinks.TOP;
    }

    /** The relationship of {@link #upstream()} whose target is this family's source, or null at the top. */
    public Relationship asTarget() {
        Family up = upstream();
        if (up == null) {
            return null;
        }
        int k = up.indexOf(source.name());
        return k < 0 ? null : up.at(k);
    }

    /** Cascade levels above this family (0 at the top). */
    public int depth() {
        int d = 0;
        for (Family up = upstream(); up != null; up = up.upstream()) {
            d++;
        }
        return d;
    }

    public List<Relationship> chain() {
        return List.copyOf(chain);
    }

    public int size() {
        return chain.size();
    }

    public Relationship at(int index) {
        return chain.get(index);
    }

    public int indexOf(String target) {
        for (int i = 0; i < chain.size(); i++) {
            if (chain.get(i).target().name().equals(target)) {
                return i;
            }
        }
        return -1;
    }

    public int indexOf(Relationship r) {
        return chain.indexOf(r);
    }

    /** Adds the newest target (write lock held). */
    public void addNewest(Relationship r) {
        chain.add(r);
        republish();
    }

    /**
     * Puts {@code fresh} (the next generation of {@code old}, same target) in {@code old}'s place, or at the
     * newest end when {@code newest} (a resync's new T0 is the family's newest point in time). Write lock
     * held; when moving, the caller has cleaned {@code old} first, as for a withdraw.
     */
    public void replace(Relationship old, Relationship fresh, boolean newest) {
        int k = chain.indexOf(old);
        if (k < 0 || !old.target().name().equals(fresh.target().name())) {
            throw new IllegalArgumentException("relationship " + old + " is not in " + this + " (expected: a member,"
                    + " replaced by one with the same target)");
        }
        if (newest) {
            chain.remove(k);
            chain.add(fresh);
        } else {
            chain.set(k, fresh);
        }
        republish();
    }

    /** Publishes what {@link #hints()} answers (write lock held). */
    private void republish() {
        hints = ChainHints.of(chain);
    }

    /** The chain as of its last change: hints for looks taken without the lock (see {@link ChainHints}). */
    ChainHints hints() {
        return hints;
    }

    /**
     * The relationship whose target's file still holds grains of the source (after a fast reverse restore),
     * or null. Only a family of one relationship borrows: establishing another target is refused meanwhile.
     */
    public Relationship borrower() {
        Relationship b = hints.lender();
        return b != null && !b.borrowed().isEmpty() ? b : null;
    }

    /**
     * Whether the store keeps every point in time of this family that still needs one: whole-volume relationships
     * at the top of no cascade, at least one with a {@link SourceView} of the source, and each either with one or
     * with nothing left to copy and no changes to record ({@link #needsNoCopies}). Source writes then copy nothing,
     * and no target reads through another.
     *
     * <p>Views come oldest first: a relationship gets one only when every older one needs no copies, so a family is
     * always some oldest relationships that need none and the newer ones in a chain. Each of the former reads its
     * own view or its own target; the chain's members read only through newer members. A change that would break
     * that order drops every view first ({@code SourceViews}).
     */
    public boolean viewed() {
        if (!anyViewed() || !(links instanceof FamilyLinks.Top)) {
            return false;
        }
        for (Relationship r : chain) {
            if (!needsNoCopies(r)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a source write owes {@code r} nothing: it reads its T0 from a view, or it has copied everything and
     * records no changes.
     */
    public static boolean needsNoCopies(Relationship r) {
        return !r.recording() && (r.view() != null || r.toCopy().isEmpty());
    }

    /** Whether any relationship here reads its T0 from a view (among the oldest ones, see {@link #viewed()}). */
    public boolean anyViewed() {
        for (Relationship r : chain) {
            if (r.view() != null) {
                return true;
            }
        }
        return false;
    }

    /** The volume whose file holds the source's data at {@code grain} (grain locked). */
    public Volume sourceHolder(long grain) {
        Relationship b = hints.lender();
        return b != null && b.borrowed().isSet(grain) ? b.target() : source;
    }

    /** Takes a target out of the chain (write lock held, cleaning done); true when none is left. */
    public boolean remove(Relationship r) {
        chain.remove(r);
        republish();
        if (chain.isEmpty()) {
            dissolved = true;
        }
        return dissolved;
    }

    /** Ends the family at once (write lock held): a reverse replaced it by one with the roles swapped. */
    public void dissolve() {
        chain.clear();
        republish();
        dissolved = true;
    }

    /**
     * The volume whose file holds target {@code k}'s view of {@code grain} (grain locked): the first target
     * at or newer than k that has copied the grain, else the source's view, which in a cascade is in turn
     * the view of the source as a target one level up, and so on to the top (or to where the grain lies past
     * the upper source's end: beyond it a target is its own). A relationship with a {@link SourceView} reads a grain
     * it has not copied from that view, which nothing writes.
     */
    public Volume holderOf(int k, long grain) {
        if (chain.get(k).extents() != null) {
            return source; // nothing reads through an extent relationship: its view is the source's, in place
        }
        Family f = this;
        int from = k;
        while (true) {
            for (int j = from; j < f.chain.size(); j++) {
                Relationship r = f.chain.get(j);
                if (!r.toCopy().isSet(grain)) {
                    return r.target();
                }
                SourceView view = r.view();
                if (view != null) {
                    return view.volume();
                }
            }
            Family up = f.upstream();
            if (up == null || grain >= up.geometry.grains()) {
                return f.source;
            }
            from = up.indexOf(f.source.name());
            if (from < 0) {
                return f.source;
            }
            f = up;
        }
    }

    /**
     * Copies target {@code k}'s current view of {@code grain} into its own file and clears its bit (grain
     * locked, bit set). A grain that reads as zeroes is punched instead, so the target stays sparse.
     *
     * @return the journal sequence number to commit before anything may overwrite the data copied from
     */
    public long copyViewInto(int k, long grain) throws BlockIoException {
        return GrainRunCopy.copyRun(this, chain.get(k), holderOf(k, grain), grain, grain + 1);
    }

    /** Counts grains copied on behalf of host writes (see {@link #grainCopies()}). */
    void noteGrainCopies(long grains) {
        grainCopies.addAndGet(grains);
    }

    @Override
    public String toString() {
        return "Family[" + source.name() + " -> " + chain + "]";
    }
}
