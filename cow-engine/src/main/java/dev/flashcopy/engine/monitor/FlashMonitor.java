package dev.flashcopy.engine.monitor;

import dev.flashcopy.engine.journal.Journal;
import dev.flashcopy.engine.membership.Registry;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * What monitoring may look at without changing anything: per-relationship counters, the journal's
 * counters, and downsampled grain maps. Nothing here takes the engine's admin lock or a family's chain
 * lock; each bitmap count synchronises on its bitmap only, as host I/O does for a moment. Thread-safe.
 */
public final class FlashMonitor {
    private final Registry registry;
    private final Journal journal;

    public FlashMonitor(Registry registry, Journal journal) {
        this.registry = registry;
        this.journal = journal;
    }

    /** Counters of every live relationship, by source then target. */
    public List<RelationshipStats> relationships() {
        return registry.live.values().stream()
                .map(RelationshipStats::of)
                .sorted(Comparator.comparing(RelationshipStats::source).thenComparing(RelationshipStats::target))
                .toList();
    }

    /** What the journal did since open: group commits, records, fsyncs. */
    public Journal.Stats journal() {
        return journal.stats();
    }

    /** {@code source:target}'s bitmaps downsampled to at most {@code buckets} slices; empty when not live. */
    public Optional<GrainMap> grainMap(String source, String target, int buckets) {
        return registry.findLive(source, target).map(r -> GrainMap.of(r, buckets));
    }
}
