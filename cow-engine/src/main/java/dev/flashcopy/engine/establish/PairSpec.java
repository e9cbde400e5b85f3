package dev.flashcopy.engine.establish;

import dev.flashcopy.engine.relationship.Extent;
import java.util.List;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * One {@code source:target} pair named in an establish, with the ranges of an extent relationship
 * ({@code --extent}; null for a whole-volume one). Immutable.
 */
public record PairSpec(String source, String target, List<Extent> extents) {
    public PairSpec {
        if (source == null || target == null) {
            throw new IllegalArgumentException("pair: source and target are both required (expected: SOURCE:TARGET)");
        }
        extents = extents == null || extents.isEmpty() ? null : List.copyOf(extents);
    }

    public PairSpec(String source, String target) {
        this(source, target, null);
    }

    /** This pair over {@code ranges}. */
    public PairSpec withExtents(List<Extent> ranges) {
        return new PairSpec(source, target, ranges);
    }

    /** Parses the DS CLI spelling {@code SOURCE:TARGET}. */
    public static PairSpec parse(String text) {
        int colon = text == null ? -1 : text.indexOf(':');
        if (colon <= 0 || colon == text.length() - 1 || text.indexOf(':', colon + 1) >= 0) {
            throw new IllegalArgumentException("pair '" + text + "' is not valid (expected: SOURCE:TARGET)");
        }
        return new PairSpec(text.substring(0, colon), text.substring(colon + 1));
    }

    /** Every volume {@code pairs} name, sources and targets, in name order (the order write gates close in). */
    public static SortedSet<String> volumes(List<PairSpec> pairs) {
        SortedSet<String> names = new TreeSet<>();
        if (pairs != null) {
            pairs.forEach(p -> {
                names.add(p.source());
                names.add(p.target());
            });
        }
        return names;
    }

    @Override
    public String toString() {
        return source + ":" + target;
    }
}
