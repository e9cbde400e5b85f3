package dev.flashcopy.engine.relationship;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.flashcopy.engine.bitmap.GrainGeometry;
import java.util.ArrayList;
import java.util.List;
import java.util.function.LongFunction;
import org.junit.jupiter.api.Test;

/** A byte range cut into runs of grains with one holder: the walk every host read of a target makes. */
class GrainRunsTest {
    private static final int G = 4096;
    private static final GrainGeometry GEO = new GrainGeometry(G, 10L * G);

    private record Run(long start, long length, String holder) {}

    private static List<Run> runs(long from, long to, LongFunction<String> holderOf) {
        List<Run> out = new ArrayList<>();
        List<Long> asked = new ArrayList<>();
        for (GrainRuns<String> runs = new GrainRuns<>(GEO, from, to, g -> {
                    asked.add(g);
                    return holderOf.apply(g);
                });
                runs.next(); ) {
            out.add(new Run(runs.start(), runs.length(), runs.holder()));
        }
        assertEquals(asked.stream().distinct().toList(), asked, "each grain's holder is asked once");
        return out;
    }

    @Test
    void grainsWithOneHolderGoTogetherAndARunEndsWhereTheHolderChanges() {
        LongFunction<String> holder = g -> g < 3 || g >= 7 ? "target" : "source";

        assertEquals(
                List.of(
                        new Run(100, 3L * G - 100, "target"),
                        new Run(3L * G, 4L * G, "source"),
                        new Run(7L * G, 2L * G + 5, "target")),
                runs(100, 9L * G + 5, holder));
    }

    @Test
    void aRangeInsideOneGrainIsOneRunAndAnEmptyRangeNone() {
        assertEquals(List.of(new Run(G + 10, 20, "x")), runs(G + 10, G + 30, g -> "x"));
        assertEquals(List.of(), runs(5L * G, 5L * G, g -> "x"));
        assertFalse(new GrainRuns<String>(GEO, 7, 3, g -> "x").next(), "from past to: nothing");
    }

    @Test
    void booleanHoldersSplitLikeAnyOther() {
        List<Boolean> seen = new ArrayList<>();
        for (GrainRuns<Boolean> runs = new GrainRuns<>(GEO, 0, 4L * G, g -> g % 2 == 0); runs.next(); ) {
            assertEquals(G, runs.length());
            seen.add(runs.holder());
        }
        assertEquals(List.of(true, false, true, false), seen);
    }
}
