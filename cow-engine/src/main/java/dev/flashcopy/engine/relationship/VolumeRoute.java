package dev.flashcopy.engine.relationship;

import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Function;

/**
 * What one volume is in the relationships at one moment, and so where its host I/O goes: decided once per
 * change of membership by {@link #of}, not again on every request. The engine publishes each volume's route
 * while the chain write locks of the change are held, as a family publishes its newest relationship; an I/O
 * path takes the route, enters its {@link #chainLock()} for reading and, if the route is still the one
 * published, acts on it (else takes the new one): one {@code switch} instead of a walk of the family's
 * fields. What may change without a change of membership (a relationship failing, a borrowed grain coming
 * home, bits clearing) is still read live by the I/O paths.
 *
 * <p>Immutable and thread-safe; two routes are equal when they name the same family and relationship
 * objects, so a route recomputed after a change that did not touch it equals the one already published.
 */
public sealed interface VolumeRoute {
    /** In no relationship: every request goes straight to the volume's own image. */
    VolumeRoute PLAIN = new Plain();

    /** In no relationship. */
    record Plain() implements VolumeRoute {}

    /** The source of a whole-volume family and a target of none: it reads its own image; writes copy first. */
    record Source(Family family) implements VolumeRoute {}

    /**
     * A source that borrows grains from {@code lender}'s target after a fast reverse restore: while it does,
     * its reads follow each grain to the file that holds it ({@link HostReads#readSource}).
     */
    record Borrowing(Family family, Relationship lender) implements VolumeRoute {
        /** Whether a grain is still in the lender's file (grains only come home, so false stays false). */
        public boolean borrowing() {
            return !lender.borrowed().isEmpty();
        }
    }

    /** Target {@code relationship} in {@code family}'s chain, and the source of none. */
    record Target(Family family, Relationship relationship) implements VolumeRoute {}

    /**
     * The middle of a cascade: the target of {@code asTarget} in family {@code above} and the source of
     * family {@code below}, which hangs below {@code above} and shares its locks ({@link CascadeIo}).
     */
    record CascadeMiddle(Family below, Family above, Relationship asTarget) implements VolumeRoute {}

    /** In extent relationships: each range of a request goes to its own relationship ({@link ExtentIo}). */
    record ExtentMember(ExtentGroup group) implements VolumeRoute {}

    /**
     * The route of {@code volume} when the engine maps it to family {@code f} (null: none). The one place a
     * volume's role is worked out; the caller holds the chain write lock of every change since the last time
     * (or is alone, at open).
     */
    static VolumeRoute of(String volume, Family f) {
        if (f == null) {
            return PLAIN;
        }
        if (f.links() instanceof FamilyLinks.Extents(ExtentGroup group)) {
            return new ExtentMember(group);
        }
        if (!f.source().name().equals(volume)) {
            int k = f.indexOf(volume);
            if (k < 0) {
                throw new IllegalStateException(
                        volume + " is mapped to " + f + " but is neither its source nor one of its targets");
            }
            return new Target(f, f.at(k));
        }
        if (f.links() instanceof FamilyLinks.Below(Family above)) {
            Relationship asTarget = f.asTarget();
            if (asTarget == null) {
                throw new IllegalStateException(volume + " hangs below " + above + " but is none of its targets");
            }
            return new CascadeMiddle(f, above, asTarget);
        }
        Relationship lender = f.borrower();
        return lender != null ? new Borrowing(f, lender) : new Source(f);
    }

    /**
     * The route {@code published} names for {@code volume}, with its chain read lock held (none for {@link
     * Plain}); taken again while a change of membership replaced it before the lock was had, so the route acted
     * on is the one published under the lock. {@link #exit} gives the lock back.
     */
    static VolumeRoute enter(String volume, Function<String, VolumeRoute> published) {
        while (true) {
            VolumeRoute route = published.apply(volume);
            ReentrantReadWriteLock chainLock = route.chainLock();
            if (chainLock == null) {
                return route;
            }
            chainLock.readLock().lock();
            if (published.apply(volume) == route) {
                return route;
            }
            chainLock.readLock().unlock();
        }
    }

    /** Gives back what {@link #enter} took. */
    default void exit() {
        ReentrantReadWriteLock chainLock = chainLock();
        if (chainLock != null) {
            chainLock.readLock().unlock();
        }
    }

    /** The lock whose read side an I/O path holds while it acts on this route; null for {@link Plain}. */
    default ReentrantReadWriteLock chainLock() {
        return switch (this) {
            case Plain _ -> null;
            case Source s -> s.family().chainLock();
            case Borrowing b -> b.family().chainLock();
            case Target t -> t.family().chainLock();
            case CascadeMiddle m -> m.below().chainLock();
            case ExtentMember m -> m.group().chainLock();
        };
    }

    /**
     * Whether reads may go straight to the volume's own image now, without locks: in no relationship, or a
     * source that borrows nothing. A target's grains may still live elsewhere; so may a middle volume's.
     */
    default boolean readsOwnImage() {
        return switch (this) {
            case Plain _, Source _ -> true;
            case Borrowing b -> !b.borrowing();
            case Target _, CascadeMiddle _, ExtentMember _ -> false;
        };
    }

    /** The whole-volume relationship this volume is the target of, or null (extent targets: see ExtentIo). */
    default Relationship targetOf() {
        return switch (this) {
            case Target t -> t.relationship();
            case CascadeMiddle m -> m.asTarget();
            case Plain _, Source _, Borrowing _, ExtentMember _ -> null;
        };
    }
}
