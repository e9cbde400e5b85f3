package dev.flashcopy.engine.membership;

import dev.flashcopy.engine.bitmap.BitmapSet;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.ending.FailureLog;
import dev.flashcopy.engine.establish.CascadeRules;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.FamilyLinks;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import dev.flashcopy.engine.volume.Volume;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Pass 5 of recovery (see {@code Recovery}): binds each catalogued relationship to its volumes and puts it into
 * service, or leaves it inactive, with the reason in the report, when a volume is missing or no longer fits; then
 * marks failed again those {@code failed.json} names. Trusts the catalog and the rebuilt bitmaps; repairs nothing.
 * Runs once, at open, before any I/O.
 */
final class AttachPass {
    private final Registry registry;
    private final VolumeStore store;
    private final FailureLog failures;
    private final SourceViews views;
    private final Consumer<Relationship> install;

    AttachPass(
            Registry registry,
            VolumeStore store,
            FailureLog failures,
            SourceViews views,
            Consumer<Relationship> install) {
        this.registry = registry;
        this.store = store;
        this.failures = failures;
        this.views = views;
        this.install = install;
    }

    List<String> run(List<RelationshipRecord> records, Map<Long, BitmapSet> bitmaps) throws IOException {
        List<String> report = new ArrayList<>();
        int active = 0;
        // Upper cascade levels first, so a family below joins the one above it (and shares its locks).
        Map<String, RelationshipRecord> byTarget = new HashMap<>();
        records.forEach(r -> byTarget.put(r.target(), r));
        for (RelationshipRecord r : records.stream()
                .sorted(Comparator.comparingInt((RelationshipRecord x) -> CascadeRules.depth(x, byTarget))
                        .thenComparingLong(RelationshipRecord::effectiveChainOrder))
                .toList()) {
            Optional<Volume> s = store.find(r.source());
            Optional<Volume> t = store.find(r.target());
            String problem = s.isEmpty()
                    ? "source volume " + r.source() + " is not available"
                    : t.isEmpty() ? "target volume " + r.target() + " is not available" : problem(r, s.get(), t.get());
            Relationship rel = null;
            if (problem == null) {
                rel = new Relationship(r, s.get(), t.get(), bitmaps.get(r.id()));
                problem = views.reopen(r, rel);
            }
            if (problem != null) {
                registry.inactive.put(r.id(), new Registry.Inactive(r, bitmaps.get(r.id())));
                report.add("pass 5 (attach): relationship " + r.source() + ":" + r.target() + " inactive: " + problem);
                continue;
            }
            install.accept(rel);
            active++;
        }
        registry.reroute();
        report.add("pass 5 (attach): " + active + " relationship(s) active, " + registry.inactive.size() + " inactive");
        int failed = failures.applyTo(registry.live.values());
        if (failed > 0) {
            report.add("pass 5 (attach): " + failed + " relationship(s) failed earlier stay failed");
        }
        return report;
    }

    /** Why {@code r} cannot go into service on these volumes, or null when it can. */
    private String problem(RelationshipRecord r, Volume source, Volume target) {
        if (source.size() != r.size()) {
            return "source " + r.source() + " is " + source.size() + " bytes, was " + r.size();
        }
        if (r.extents() == null && target.size() < r.size()) {
            return "target " + r.target() + " is smaller than " + r.size() + " bytes";
        }
        if (r.extents() != null && r.extents().stream().anyMatch(e -> e.targetEnd() > target.size())) {
            return "target " + r.target() + " no longer holds every range of the relationship";
        }
        Family f = registry.families.get(r.source());
        if (f != null && f.source().name().equals(r.source()) && f.geometry().grainSize() != r.grainSize()) {
            return "grain size differs from its siblings'";
        }
        // Extent relationships share volumes (the establish rules kept their ranges apart).
        Family ofTarget = registry.families.get(r.target());
        if (ofTarget != null && (r.extents() == null || !(ofTarget.links() instanceof FamilyLinks.Extents))) {
            return "target " + r.target() + " is already in another relationship";
        }
        String above = inactiveAbove(r.source());
        return above == null ? null : "its source is the target of inactive relationship " + above;
    }

    /** The inactive relationship {@code volume} is the target of (a cascade level up), as SRC:TGT, or null. */
    private String inactiveAbove(String volume) {
        return registry.inactive.values().stream()
                .map(Registry.Inactive::record)
                .filter(i -> i.target().equals(volume))
                .map(i -> i.source() + ":" + i.target())
                .findFirst()
                .orElse(null);
    }
}
