package dev.flashcopy.engine.establish;

import dev.flashcopy.engine.bitmap.GrainGeometry;
import dev.flashcopy.engine.catalog.VolumeNames;
import dev.flashcopy.engine.catalog.VolumeStore;
import dev.flashcopy.engine.relationship.Extent;
import dev.flashcopy.engine.relationship.ExtentGroup;
import dev.flashcopy.engine.relationship.ExtentMap;
import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.FamilyLinks;
import dev.flashcopy.engine.relationship.Relationship;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;

/**
 * The establish rules of an extent relationship (dataset-level FlashCopy), each refusal naming its rule:
 * ranges grain-aligned, inside both volumes, not overlapping each other (nor, on one volume, source ranges
 * overlapping target ranges). Change recording and resync work per relationship, in source grain numbers
 * (reverse and revertible stay whole-volume). Several extent relationships may share a source or a target volume, as long as a range of a
 * volume is the target of one relationship at most and no target range is a source range of another
 * (so nothing reads through an extent relationship); the ranges of one volume may be the source of any
 * number. A volume is in whole-volume relationships or in extent relationships, never both. Run under the
 * engine's admin lock. Stateless.
 */
public final class ExtentRules {
    private static final String MIXING =
            " (rule: a volume is in whole-volume relationships or in extent" + " relationships, not both)";

    private ExtentRules() {}

    /** Refuses a whole-volume relationship on a volume of an extent relationship. */
    static void refuseJoining(Family f, String volume) {
        if (f != null && f.links() instanceof FamilyLinks.Extents(ExtentGroup group)) {
            throw new IllegalStateException("volume " + volume + " is in extent relationship(s) "
                    + group.of(volume).stream().map(Relationship::toString).toList() + MIXING);
        }
    }

    static void check(
            PairSpec p,
            List<PairSpec> pairs,
            EstablishOptions options,
            VolumeStore store,
            Map<String, Family> families,
            Collection<RelationshipRecord> inactive,
            Collection<Relationship> live) {
        String s = VolumeNames.check(p.source());
        String t = VolumeNames.check(p.target());
        if (!store.contains(s)) {
            throw new NoSuchElementException("no volume named '" + s + "' (see 'flashcopy lsvol')");
        }
        boolean same = s.equals(t);
        if (same && options.targetWriteInhibit()) {
            throw new IllegalArgumentException("--tgtinhibit with source and target " + s + " (rule: on one volume"
                    + " the target ranges cannot be inhibited without the source)");
        }
        for (PairSpec other : pairs) {
            if (other.extents() == null
                    && (List.of(other.source(), other.target()).contains(s)
                            || List.of(other.source(), other.target()).contains(t))) {
                throw new IllegalArgumentException(
                        "whole-volume pair " + other + " shares a volume with extent pair " + p + MIXING);
            }
        }
        long sourceSize = store.get(s).size();
        long targetSize = store.contains(t)
                ? store.get(t).size()
                : p.extents().stream().mapToLong(Extent::targetEnd).max().orElse(sourceSize);
        ExtentMap.of(p.extents(), options.grainSize(), sourceSize, targetSize, same);
        for (RelationshipRecord r : inactive) {
            if (List.of(r.source(), r.target()).contains(s)
                    || List.of(r.source(), r.target()).contains(t)) {
                throw new IllegalStateException("relationship " + r.source() + ":" + r.target() + " is inactive"
                        + " (rule: volumes of an inactive relationship take part in nothing else until it is"
                        + " withdrawn)");
            }
        }
        for (String v : same ? List.of(s) : List.of(s, t)) {
            Family f = families.get(v);
            if (f != null && !(f.links() instanceof FamilyLinks.Extents)) {
                String in = f.chain().stream()
                        .map(Relationship::toString)
                        .reduce((a, b) -> a + ", " + b)
                        .orElse("");
                throw new IllegalStateException(
                        "volume " + v + " is in whole-volume FlashCopy relationship(s) " + in + MIXING);
            }
        }
        Family sf = families.get(s);
        if (sf != null && sf.source().name().equals(s) && sf.geometry().grainSize() != options.grainSize()) {
            throw new IllegalArgumentException("grainSize: " + options.grainSize() + " (expected: "
                    + sf.geometry().grainSize() + ", the grain size of the extent relationships " + s + " already"
                    + " has; rule: every relationship of one source uses the same grain size)");
        }
        for (Relationship r : live) {
            if (r.extents() != null) {
                refuseOverlap(
                        p,
                        r.toString(),
                        r.source().name(),
                        r.target().name(),
                        r.extents().extents());
            }
        }
        for (PairSpec other : pairs.subList(0, pairs.indexOf(p))) {
            if (other.extents() != null) {
                refuseOverlap(p, "pair " + other, other.source(), other.target(), other.extents());
            }
        }
        new GrainGeometry(options.grainSize(), sourceSize); // refuses more grains than a bitmap holds
    }

    /**
     * Refuses {@code p} when one of its target ranges overlaps a target or source range of relationship
     * {@code name} ({@code src:tgt} over {@code theirs}), or one of its source ranges overlaps their target range.
     */
    private static void refuseOverlap(PairSpec p, String name, String src, String tgt, List<Extent> theirs) {
        for (Extent mine : p.extents()) {
            for (Extent e : theirs) {
                if (p.target().equals(tgt)
                        && overlap(mine.targetOffset(), mine.targetEnd(), e.targetOffset(), e.targetEnd())) {
                    throw refusal(
                            "target range",
                            p.target(),
                            mine.targetOffset(),
                            mine.targetEnd(),
                            "a target range",
                            name,
                            "a range of a volume is the target of one relationship at most");
                }
                if (p.target().equals(src)
                        && overlap(mine.targetOffset(), mine.targetEnd(), e.sourceOffset(), e.sourceEnd())) {
                    throw refusal(
                            "target range",
                            p.target(),
                            mine.targetOffset(),
                            mine.targetEnd(),
                            "a source range",
                            name,
                            "a target range is never a source range of another relationship");
                }
                if (p.source().equals(tgt)
                        && overlap(mine.sourceOffset(), mine.sourceEnd(), e.targetOffset(), e.targetEnd())) {
                    throw refusal(
                            "source range",
                            p.source(),
                            mine.sourceOffset(),
                            mine.sourceEnd(),
                            "a target range",
                            name,
                            "a target range is never a source range of another relationship");
                }
            }
        }
    }

    private static boolean overlap(long a0, long a1, long b0, long b1) {
        return a0 < b1 && b0 < a1;
    }

    private static IllegalStateException refusal(
            String what, String volume, long start, long end, String theirs, String name, String rule) {
        return new IllegalStateException(what + " [" + start + ", " + end + ") of " + volume + " overlaps " + theirs
                + " of " + name + " (rule: " + rule + ")");
    }
}
