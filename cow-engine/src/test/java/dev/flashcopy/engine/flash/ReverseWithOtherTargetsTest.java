package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.refresh.ReverseOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * reverseflash of a source with other targets: they keep their own points in time, hanging below the source,
 * which becomes the restored target's target (a cascade {@code t -> s -> u, w}).
 */
class ReverseWithOtherTargetsTest {
    private static final int G = 4096;
    private static final int N = 16;
    private static final EstablishOptions NOCOPY =
            EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G);
    private static final EstablishOptions RECORD_NOCOPY = NOCOPY.withRecording(true);

    @TempDir
    Path dir;

    private static EngineFixture sourceWithData(Path dir) throws Exception {
        return EngineFixture.withLetteredVolume(dir, "s", N, G);
    }

    /** What every volume must read: its bytes now, taken before the reverse. */
    private static void assertReads(EngineFixture fx, List<String> names, List<byte[]> want, String when)
            throws Exception {
        for (int i = 0; i < names.size(); i++) {
            assertArrayEquals(want.get(i), fx.read(names.get(i), 0, N * G), names.get(i) + " " + when);
        }
    }

    @Test
    void fastReverseKeepsOlderAndNewerTargetsAtTheirPointsInTime() throws Exception {
        try (EngineFixture fx = sourceWithData(dir)) {
            fx.establish("s", "u", NOCOPY); // older than t
            fx.fill("s", 1 * G, G, 'U');
            fx.establish("s", "t", RECORD_NOCOPY);
            fx.fill("s", 2 * G, 3 * G, 'X'); // grains 2-4 change after t's T0
            fx.establish("s", "w", NOCOPY.withRecording(true)); // newer than t
            fx.fill("s", 3 * G + 7, 5, 'Z');
            fx.fill("t", 10 * G + 3, 3, 'Y');
            List<String> names = List.of("s", "t", "u", "w");
            byte[] tNow = fx.read("t", 0, N * G);
            List<byte[]> want = List.of(tNow, tNow.clone(), fx.read("u", 0, N * G), fx.read("w", 0, N * G));

            RelationshipView reversed = fx.engine.reverse("s", "t", new ReverseOptions(true, true, true));

            assertEquals("t", reversed.source());
            assertReads(fx, names, want, "right after the reverse");
            assertEquals(
                    List.of("s:u", "s:w", "t:s"),
                    fx.engine.relationships().list().stream()
                            .map(v -> v.source() + ":" + v.target())
                            .sorted()
                            .toList());
            // s is written where t still reads its grain from s's file (never copied) and where it must get t's data.
            fx.fill("s", 6 * G + 1, 10, 'S');
            fx.fill("s", 2 * G, 10, 'S');
            fx.fill("t", 3 * G, 10, 'T');
            fx.fill("u", 12 * G, 10, 'V');
            byte[] s = want.get(0).clone();
            byte[] t = want.get(1).clone();
            byte[] u = want.get(2).clone();
            Arrays.fill(s, 6 * G + 1, 6 * G + 11, (byte) 'S');
            Arrays.fill(s, 2 * G, 2 * G + 10, (byte) 'S');
            Arrays.fill(t, 3 * G, 3 * G + 10, (byte) 'T');
            Arrays.fill(u, 12 * G, 12 * G + 10, (byte) 'V');
            List<byte[]> later = List.of(s, t, u, want.get(3));
            assertReads(fx, names, later, "after writes to every volume");
            for (String name : names) {
                fx.dev(name).flush(); // what a crash may lose is what no flush covered
            }
            fx.crashAndReopen();
            assertReads(fx, names, later, "after a crash");
            while (fx.engine.copies().step("t", "s", 1 << 20) > 0) {
                // the copy back, to completion
            }
            fx.engine.withdraw("t", "s", false, false, OptionalLong.empty());
            assertReads(fx, names, later, "after the restore is withdrawn");
            assertEquals(
                    List.of("s:u", "s:w"),
                    fx.engine.relationships().list().stream()
                            .map(v -> v.source() + ":" + v.target())
                            .sorted()
                            .toList());
        }
    }

    @Test
    void reverseOfTheOldestTargetGivesNewerOnesTheSourceDataFirst() throws Exception {
        try (EngineFixture fx = sourceWithData(dir)) {
            fx.establish("s", "t", RECORD_NOCOPY.withMode(CopyMode.COPY));
            while (fx.engine.copies().step("s", "t", 1 << 20) > 0) {
                // a full copy, so the reverse needs no --fast
            }
            fx.establish("s", "u", NOCOPY);
            fx.fill("s", 0, N * G, 'X'); // every grain changes: u holds all of its T0 now
            fx.fill("t", 5 * G, G, 'Y');
            byte[] tNow = fx.read("t", 0, N * G);
            byte[] uNow = fx.read("u", 0, N * G);

            fx.engine.reverse("s", "t", new ReverseOptions(true, true, false));

            assertReads(fx, List.of("s", "t", "u"), List.of(tNow, tNow, uNow), "after the reverse");
            fx.reopen();
            assertReads(fx, List.of("s", "t", "u"), List.of(tNow, tNow, uNow), "after a restart");
            assertEquals(
                    16,
                    fx.engine.relationships().list("t:s").get(0).outOfSyncGrains(),
                    "every grain changed: all copy back");
        }
    }
}
