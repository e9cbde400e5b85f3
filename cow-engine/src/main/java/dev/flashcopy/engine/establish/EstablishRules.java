package dev.flashcopy.engine.establish;

import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.catalog.ByteSize;
import dev.flashcopy.engine.catalog.VolumeNames;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import dev.flashcopy.engine.volume.Volume;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;

/**
 * The rules an establish must pass before anything changes; each refusal names its rule ({@link CascadeRules}
 * has those of cascades). Run under the engine's admin lock, so the families it reads do not change meanwhile.
 * Stateless.
 */
public final class EstablishRules {
    /** As SVC: at most this many targets share one source (the dependency chain grows with each). */
    public static final int MAX_TARGETS_PER_SOURCE = 256;

    private EstablishRules() {}

    public static void check(
            List<PairSpec> pairs,
            EstablishOptions options,
            VolumeStore store,
            Map<String, Family> families,
            Collection<RelationshipRecord> inactive,
            Collection<Relationship> live) {
        if (pairs == null || pairs.isEmpty()) {
            throw new IllegalArgumentException("pairs: none (expected: at least one SOURCE:TARGET pair)");
        }
        Set<String> sources = new HashSet<>();
        Set<String> targets = new HashSet<>();
        Map<String, Integer> newTargets = new HashMap<>();
        for (PairSpec p : pairs) {
            sources.add(p.source());
            if (!targets.add(p.target())
                    && (p.extents() == null
                            || pairs.stream()
                                    .anyMatch(o ->
                                            o.extents() == null && o.target().equals(p.target())))) {
                throw new IllegalArgumentException("target " + p.target() + " is named twice (rule: a volume can be"
                        + " the target of only one relationship)");
            }
            newTargets.merge(p.source(), 1, Integer::sum);
        }
        // Extent relationships never read through each other (ExtentRules), so only whole-volume pairs cascade.
        CascadeRules.checkCycles(pairs.stream().filter(p -> p.extents() == null).toList(), families);
        for (PairSpec p : pairs) {
            if (p.extents() != null) {
                ExtentRules.check(p, pairs, options, store, families, inactive, live);
                continue;
            }
            String s = VolumeNames.check(p.source());
            String t = VolumeNames.check(p.target());
            if (s.equals(t)) {
                throw new IllegalArgumentException("volume " + s + " cannot be its own target (rule: source and"
                        + " target must be different volumes)");
            }
            if (!store.contains(s)) {
                throw new NoSuchElementException("no volume named '" + s + "' (see 'flashcopy lsvol')");
            }
            Volume source = store.get(s);
            ExtentRules.refuseJoining(families.get(s), s);
            ExtentRules.refuseJoining(families.get(t), t);
            for (RelationshipRecord r : inactive) {
                if (r.source().equals(s)
                        || r.target().equals(s)
                        || r.source().equals(t)
                        || r.target().equals(t)) {
                    throw new IllegalStateException("relationship " + r.source() + ":" + r.target() + " is inactive"
                            + " (rule: volumes of an inactive relationship take part in nothing else until it is"
                            + " withdrawn)");
                }
            }
            // The registry maps a volume to the family it is the source of, else the one it is a target in.
            Family sf = families.get(s);
            Family above = sf == null ? null : sf.source().name().equals(s) ? sf.upstream() : sf;
            if (sf != null && !sf.source().name().equals(s)) {
                sf = null;
            }
            String tSource = CascadeRules.sourceOf(t, families);
            if (tSource != null) {
                throw new IllegalStateException("target " + t + " already has source " + tSource
                        + " (rule: a volume can be the target of only one relationship; withdraw it first)");
            }
            CascadeRules.check(s, source.size(), t, above, options.grainSize(), sources, targets, families);
            if (store.contains(t)) {
                Volume target = store.get(t);
                if (target.size() < source.size()) {
                    throw new IllegalArgumentException("target " + t + " (" + ByteSize.format(target.size())
                            + ") is smaller than source " + s + " (" + ByteSize.format(source.size())
                            + ") (rule: a target must be at least as large as its source)");
                }
            }
            if (sf != null && sf.borrower() != null) {
                throw new IllegalStateException("source " + s + " still reads grains from "
                        + sf.borrower().target().name()
                        + " after a fast reverse restore (rule: no new target until that copy completes;"
                        + " see lsflash " + s + ")");
            }
            int existing = sf == null ? 0 : sf.size();
            int total = existing + newTargets.get(s);
            if (total > MAX_TARGETS_PER_SOURCE) {
                throw new IllegalStateException("source " + s + " would have " + total + " targets (rule: at most "
                        + MAX_TARGETS_PER_SOURCE + " targets per source)");
            }
            if (sf != null && sf.geometry().grainSize() != options.grainSize()) {
                throw new IllegalArgumentException("grainSize: " + options.grainSize() + " (expected: "
                        + sf.geometry().grainSize() + ", the grain size of the relationships " + s + " already has;"
                        + " rule: every target of one source uses the same grain size)");
            }
            new GrainGeometry(options.grainSize(), source.size()); // refuses more grains than a bitmap holds
        }
    }
}
