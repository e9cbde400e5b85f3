package dev.flashcopy.engine.flash;

import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.catalog.VolumeNames;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.relationship.Extent;
import dev.flashcopy.engine.relationship.ExtentMap;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The establish rules of an extent relationship (dataset-level FlashCopy), each refusal naming its rule:
 * ranges grain-aligned, inside both volumes, not overlapping each other (nor, on one volume, source ranges
 * overlapping target ranges); no change recording (incremental FlashCopy is volume-level only, as on the
 * DS8000); and its volumes in no other relationship, so that its family is itself alone (another
 * relationship's target range that overlaps is named). Run under the engine's admin lock. Stateless.
 */
final class ExtentRules {
    private ExtentRules() {
    }

    /** Refuses a whole-volume relationship on a volume of an extent relationship (its family stays alone). */
    static void refuseJoining(Family f, String volume) {
        if (f != null && f.chain().stream().anyMatch(r -> r.extents() != null)) {
            throw new IllegalStateException("volume " + volume + " is in extent relationship " + f.chain().get(0)
                    + " (rule: the volumes of an extent relationship take part in no other relationship)");
        }
    }

    static void check(PairSpec p, List<PairSpec> pairs, EstablishOptions options, VolumeStore store,
            Map<String, Family> families, Collection<RelationshipRecord> inactive) {
        String s = VolumeNames.check(p.source());
        String t = VolumeNames.check(p.target());
        if (!store.contains(s)) {
            throw new NoSuchElementException("no volume named '" + s + "' (see 'flashcopy lsvol')");
        }
        if (options.recording()) {
            throw new IllegalArgumentException("--record with --extent (rule: change recording, resync and reverse"
                    + " work on whole volumes only, not on extent relationships)");
        }
        boolean same = s.equals(t);
        if (same && options.targetWriteInhibit()) {
            throw new IllegalArgumentException("--tgtinhibit with source and target " + s + " (rule: on one volume"
                    + " the target ranges cannot be inhibited without the source)");
        }
        for (PairSpec other : pairs) {
            if (other != p && (List.of(other.source(), other.target()).contains(s)
                    || List.of(other.source(), other.target()).contains(t))) {
                throw new IllegalArgumentException("pair " + other + " shares a volume with extent pair " + p
                        + " (rule: an extent relationship's volumes take part in no other pair)");
            }
        }
        long sourceSize = store.get(s).size();
        long targetSize = store.contains(t) ? store.get(t).size()
                : p.extents().stream().mapToLong(Extent::targetEnd).max().orElse(sourceSize);
        ExtentMap map = ExtentMap.of(p.extents(), options.grainSize(), sourceSize, targetSize, same);
        for (RelationshipRecord r : inactive) {
            if (List.of(r.source(), r.target()).contains(s) || List.of(r.source(), r.target()).contains(t)) {
                throw new IllegalStateException("relationship " + r.source() + ":" + r.target() + " is inactive"
                        + " (rule: volumes of an inactive relationship take part in nothing else until it is"
                        + " withdrawn)");
            }
        }
        Family tf = families.get(t);
        if (tf != null) {
            for (Relationship r : tf.chain()) {
                if (!r.target().name().equals(t)) {
                    continue;
                }
                List<Extent> theirs = r.extents() == null
                        ? List.of(new Extent(0, 0, r.target().size())) : r.extents().extents();
                for (Extent e : theirs) {
                    if (map.overlapsTarget(e.targetOffset(), e.targetEnd())) {
                        throw new IllegalStateException("target range [" + e.targetOffset() + ", " + e.targetEnd()
                                + ") of " + t + " belongs to relationship " + r.source().name() + ":" + t + " and"
                                + " overlaps the requested extents (rule: a target range has one source)");
                    }
                }
            }
        }
        for (String v : same ? List.of(s) : List.of(s, t)) {
            Family f = families.get(v);
            if (f != null) {
                String in = f.chain().stream().map(Relationship::toString).reduce((a, b) -> a + ", " + b).orElse("");
                throw new IllegalStateException("volume " + v + " is already in FlashCopy relationship(s) " + in
                        + " (rule: the volumes of an extent relationship take part in no other relationship;"
                        + " name several --extent ranges on one pair instead)");
            }
        }
        new GrainGeometry(options.grainSize(), sourceSize); // refuses more grains than a bitmap holds
    }
}
