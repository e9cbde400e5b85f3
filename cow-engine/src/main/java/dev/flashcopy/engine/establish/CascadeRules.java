package dev.flashcopy.engine.establish;

import dev.flashcopy.engine.relationship.Family;
import dev.flashcopy.engine.relationship.RelationshipRecord;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The rules of cascaded FlashCopy (a target that is the source of further relationships): no cycles, at most
 * {@link #MAX_DEPTH} levels, one grain size along a cascade, a cascade grows downwards only (a volume that
 * has targets cannot become a target), and no cascade through a source that still borrows grains after a
 * fast reverse restore. Each refusal names its rule. Run under the engine's admin lock. Stateless.
 */
public final class CascadeRules {
    /** Relationships from the top of a cascade to its deepest target (as DS8000's 256). */
    public static final int MAX_DEPTH = 256;

    private CascadeRules() {}

    /** The source {@code volume} is the target of, or null; from the families as the registry maps them. */
    static String sourceOf(String volume, Map<String, Family> families) {
        Family f = families.get(volume);
        if (f == null) {
            return null;
        }
        if (!f.source().name().equals(volume)) {
            return f.source().name();
        }
        Family up = f.upstream();
        return up == null ? null : up.source().name();
    }

    /** Refuses a request whose pairs, with the relationships that exist, would form a cycle; names it. */
    static void checkCycles(List<PairSpec> pairs, Map<String, Family> families) {
        Map<String, String> requested = new HashMap<>();
        pairs.forEach(p -> requested.putIfAbsent(p.target(), p.source()));
        for (PairSpec p : pairs) {
            // Walk up from the source through "is a copy of": reaching the target closes a loop.
            List<String> up = new ArrayList<>(List.of(p.source()));
            Set<String> seen = new HashSet<>(up);
            for (String v = p.source(); v != null; ) {
                String next = requested.containsKey(v) ? requested.get(v) : sourceOf(v, families);
                if (next == null || !seen.add(next)) {
                    break;
                }
                up.add(next);
                if (next.equals(p.target())) {
                    Collections.reverse(up);
                    throw new IllegalArgumentException(p + " would close a cycle " + String.join(" -> ", up) + " -> "
                            + p.target() + " (rule: a cascade cannot copy a volume from a copy of itself)");
                }
                v = next;
            }
        }
    }

    /**
     * Checks the cascade rules for {@code s:t}. {@code above} is the family {@code s} is a target in (null
     * when it is no target), {@code grainSize} the requested one.
     */
    static void check(
            String s,
            long sSize,
            String t,
            Family above,
            int grainSize,
            Set<String> requestSources,
            Set<String> requestTargets,
            Map<String, Family> families) {
        if (requestTargets.contains(s)) {
            throw new IllegalStateException("source " + s + " is also named as a target in this request (rule: one"
                    + " cascade level per mkflash; establish " + sourceInRequest(s) + " first, then " + s + ":" + t
                    + ")");
        }
        Family tf = families.get(t);
        if (tf != null && tf.source().name().equals(t)) {
            List<String> below = tf.chain().stream().map(r -> r.target().name()).toList();
            throw new IllegalStateException("target " + t + " is the source of " + String.join(", ", below)
                    + " (rule: a volume with targets cannot become a target, they read through it; withdraw them"
                    + " first, or build the cascade from the top down)");
        }
        if (requestSources.contains(t)) {
            throw new IllegalStateException("target " + t + " is also named as a source in this request (rule: one"
                    + " cascade level per mkflash; establish " + s + ":" + t + " first)");
        }
        if (above == null) {
            return;
        }
        int depth = above.depth() + 2; // levels above s's family, s's own level, and the new one
        if (depth > MAX_DEPTH) {
            throw new IllegalStateException("target " + t + " would be " + depth + " levels below the top of its"
                    + " cascade (rule: at most " + MAX_DEPTH + " relationships in a cascade)");
        }
        if (above.geometry().grainSize() != grainSize) {
            throw new IllegalArgumentException("grainSize: " + grainSize + " (expected: "
                    + above.geometry().grainSize()
                    + ", the grain size of the cascade " + s + " is a target in; rule: every relationship of one"
                    + " cascade uses the same grain size)");
        }
        long aboveSize = above.geometry().size();
        if (sSize != aboveSize && aboveSize % grainSize != 0) {
            // The grain that straddles the upper source's end would be read partly from above, partly from s.
            throw new IllegalStateException("source " + s + " (" + sSize + " bytes) is larger than its own source "
                    + above.source().name() + " (" + aboveSize + " bytes, not a multiple of the grain size " + grainSize
                    + ") (rule: a cascade continues from a larger volume only below a source of whole grains)");
        }
        if (above.borrower() != null) {
            throw new IllegalStateException("source " + s + " is the target of "
                    + above.source().name() + ", which"
                    + " still reads grains from " + above.borrower().target().name() + " after a fast reverse restore"
                    + " (rule: no cascade until that copy completes; see lsflash "
                    + above.source().name() + ")");
        }
    }

    private static String sourceInRequest(String s) {
        return "the pair with target " + s;
    }

    /** Levels above {@code r} in the catalog (0: its source is no target), for recovery's attach order. */
    public static int depth(RelationshipRecord r, Map<String, RelationshipRecord> byTarget) {
        int depth = 0;
        Set<String> seen = new HashSet<>();
        for (RelationshipRecord up = byTarget.get(r.source());
                up != null && seen.add(up.target());
                up = byTarget.get(up.source())) {
            depth++;
        }
        return depth;
    }
}
