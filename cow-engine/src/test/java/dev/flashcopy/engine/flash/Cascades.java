package dev.flashcopy.engine.flash;

import dev.flashcopy.engine.membership.RelationshipView;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/** Test helpers over {@code lsflash}-style views: who copies whom, how deep. Stateless. */
final class Cascades {
    private Cascades() {}

    /** The volumes {@code volume} is a copy of, nearest first (its source, that one's source, ...). */
    static List<String> ancestors(List<RelationshipView> rels, String volume) {
        Map<String, String> sourceOf = new HashMap<>();
        rels.forEach(r -> sourceOf.put(r.target(), r.source()));
        List<String> up = new ArrayList<>();
        for (String v = sourceOf.get(volume); v != null && !up.contains(v); v = sourceOf.get(v)) {
            up.add(v);
        }
        return up;
    }

    /** Relationships from the top of the deepest cascade down to its deepest target. */
    static int deepest(List<RelationshipView> rels) {
        return rels.stream()
                .mapToInt(r -> ancestors(rels, r.target()).size())
                .max()
                .orElse(0);
    }

    /** The candidate with the most levels above it (the first such). */
    static String deepestVolume(List<RelationshipView> rels, List<String> candidates) {
        String best = candidates.get(0);
        for (String c : candidates) {
            if (ancestors(rels, c).size() > ancestors(rels, best).size()) {
                best = c;
            }
        }
        return best;
    }
}
