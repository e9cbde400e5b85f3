package dev.flashcopy.engine.relationship;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Every extent relationship of an engine (dataset-level FlashCopy), indexed by volume: a volume may be the
 * source of several, the target of several (each of its ranges the target of one at most), or both on
 * ranges apart. Each source has a {@link Family} of its extent relationships; all those families share this
 * group's chain lock, grain locks and host load, so a host write that spans ranges of relationships
 * of different sources takes one lock order, and establish or withdraw of any of them changes the index
 * under one write lock. The grain locks key on source grain numbers: different sources share stripes, which
 * only serializes, never deadlocks (each range is locked and released before the next).
 *
 * <p>Thread-safe: changes happen under {@link #chainLock()}'s write lock; readers hold its read lock.
 */
public final class ExtentGroup {
    private final ReentrantReadWriteLock chainLock = new ReentrantReadWriteLock();
    private final GrainLocks locks;
    private final HostLoad hostLoad = new HostLoad();
    private final Map<String, List<Relationship>> byVolume = new HashMap<>();
    private final Map<String, Family> bySource = new HashMap<>();

    public ExtentGroup(int stripes) {
        this.locks = new GrainLocks(stripes);
    }

    public ReentrantReadWriteLock chainLock() {
        return chainLock;
    }

    GrainLocks locks() {
        return locks;
    }

    HostLoad hostLoad() {
        return hostLoad;
    }

    /** Records {@code rel}, now the newest of {@code f} (write lock held). */
    public void add(Relationship rel, Family f) {
        bySource.put(rel.source().name(), f);
        byVolume.computeIfAbsent(rel.source().name(), v -> new ArrayList<>()).add(rel);
        if (rel.target() != rel.source()) {
            byVolume.computeIfAbsent(rel.target().name(), v -> new ArrayList<>())
                    .add(rel);
        }
    }

    /** Forgets {@code rel} (write lock held); its source's family goes when it has no relationship left. */
    public void remove(Relationship rel) {
        for (String v : List.of(rel.source().name(), rel.target().name())) {
            List<Relationship> rels = byVolume.get(v);
            if (rels != null && rels.remove(rel) && rels.isEmpty()) {
                byVolume.remove(v);
            }
        }
        Family f = bySource.get(rel.source().name());
        if (f != null && f.size() == 0) {
            bySource.remove(rel.source().name());
        }
    }

    /** Puts {@code fresh} (the next generation of {@code old}, same ranges) in its place (write lock held). */
    public void replace(Relationship old, Relationship fresh) {
        for (String v : List.of(old.source().name(), old.target().name())) {
            List<Relationship> rels = byVolume.get(v);
            if (rels != null) {
                rels.replaceAll(r -> r == old ? fresh : r);
            }
        }
    }

    /** True when {@code volume} is in some extent relationship (lock held). */
    public boolean has(String volume) {
        return byVolume.containsKey(volume);
    }

    /** The extent relationships {@code volume} is the source or target of (lock held); empty when none. */
    public List<Relationship> of(String volume) {
        return byVolume.getOrDefault(volume, List.of());
    }

    /** The family of {@code source}'s extent relationships, or null (lock held). */
    public Family sourceFamily(String source) {
        return bySource.get(source);
    }

    /**
     * The family a lookup of {@code volume} should find (lock held): the one it is the source of, else one
     * it is a target in, else null. Any serves to enter the group; routing goes through this index.
     */
    public Family familyFor(String volume) {
        Family own = bySource.get(volume);
        if (own != null) {
            return own;
        }
        List<Relationship> rels = byVolume.get(volume);
        return rels == null || rels.isEmpty()
                ? null
                : bySource.get(rels.get(0).source().name());
    }
}
