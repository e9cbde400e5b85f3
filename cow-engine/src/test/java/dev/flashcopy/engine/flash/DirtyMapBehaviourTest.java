package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.flashcopy.engine.bitmap.GrainBitmap;
import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.device.DirtyMapDevice;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.establish.PairSpec;
import dev.flashcopy.engine.monitor.DirtyMaps;
import dev.flashcopy.engine.refresh.ResyncOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The dirty maps a flash device offers: names per role, runs in grain units, maps that vanish. */
class DirtyMapBehaviourTest {
    private static final int G = 4096;
    private static final int N = 16;
    private static final EstablishOptions RECORD_NOCOPY = EstablishOptions.defaults()
            .withMode(CopyMode.NOCOPY)
            .withGrainSize(G)
            .withRecording(true);

    @TempDir
    Path dir;

    /** The map as "length:dirty" runs, e.g. {@code [4096:0, 8192:1]}. */
    private static List<String> runs(DirtyMapDevice dev, String name, long offset, long length)
            throws BlockIoException {
        List<String> runs = new ArrayList<>();
        dev.mapDirty(name, offset, length, (len, dirty) -> runs.add(len + ":" + (dirty ? 1 : 0)));
        return runs;
    }

    private static DirtyMapDevice maps(EngineFixture fx, String volume) {
        return (DirtyMapDevice) fx.dev(volume);
    }

    @Test
    void sourceAndTargetNameTheirMapsByRole() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", N * G);
            fx.store.create("plain", N * G);
            fx.establish("s", "t1", RECORD_NOCOPY);
            fx.establish("s", "t2", RECORD_NOCOPY.withRecording(false));
            assertEquals(List.of("changed-since:t1"), maps(fx, "s").dirtyMapNames());
            assertEquals(List.of("changed", "to-copy"), maps(fx, "t1").dirtyMapNames());
            assertEquals(List.of("to-copy"), maps(fx, "t2").dirtyMapNames());
            assertEquals(List.of(), maps(fx, "plain").dirtyMapNames());
        }
    }

    @Test
    void changedMapsListWrittenGrainsAsMergedRuns() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", N * G);
            fx.establish("s", "t", RECORD_NOCOPY);
            fx.fill("s", G + 5, 10, 'x'); // grain 1, unaligned
            fx.fill("s", 2 * G + 100, 2 * G, 'x'); // grains 2, 3, 4
            fx.fill("s", 9 * G, G, 'x'); // grain 9
            fx.fill("t", 15 * G + 1, 1, 'y'); // target grain 15
            assertEquals(
                    List.of("4096:0", "16384:1", "16384:0", "4096:1", "24576:0"),
                    runs(maps(fx, "s"), "changed-since:t", 0, N * G));
            assertEquals(List.of("61440:0", "4096:1"), runs(maps(fx, "t"), "changed", 0, N * G));
        }
    }

    @Test
    void runsAreCutAtUnalignedRangeEnds() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", N * G);
            fx.establish("s", "t", RECORD_NOCOPY);
            fx.fill("s", 2 * G, G, 'x');
            // from the middle of grain 1 to the middle of grain 2
            assertEquals(List.of("2048:0", "2049:1"), runs(maps(fx, "s"), "changed-since:t", G + 2048, 4097));
            // a range wholly inside a dirty grain
            assertEquals(List.of("7:1"), runs(maps(fx, "s"), "changed-since:t", 2 * G + 3, 7));
        }
    }

    @Test
    void toCopyFollowsTheCopy() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", N * G);
            fx.establish("s", "t", RECORD_NOCOPY);
            assertEquals(List.of(N * G + ":1"), runs(maps(fx, "t"), "to-copy", 0, N * G));
            fx.fill("s", 3 * G, 1, 'x'); // copy-on-write copies grain 3 to the target
            assertEquals(List.of(3 * G + ":1", G + ":0", 12 * G + ":1"), runs(maps(fx, "t"), "to-copy", 0, N * G));
        }
    }

    @Test
    void afterAResyncTheMapsAnswerFromTheNewT0() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", N * G);
            fx.establish("s", "t", RECORD_NOCOPY);
            DirtyMapDevice source = maps(fx, "s");
            fx.fill("s", 6 * G, 1, 'x');
            fx.engine.resync(List.of(new PairSpec("s", "t")), ResyncOptions.recordAgain());
            assertEquals(List.of(N * G + ":0"), runs(source, "changed-since:t", 0, N * G));
            fx.fill("s", 7 * G, 1, 'y');
            assertEquals(List.of(7 * G + ":0", G + ":1", 8 * G + ":0"), runs(source, "changed-since:t", 0, N * G));
        }
    }

    @Test
    void aSinkThatHasEnoughStopsTheWalk() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", N * G);
            fx.establish("s", "t", RECORD_NOCOPY);
            fx.fill("s", 4 * G, 1, 'x');
            List<Long> seen = new ArrayList<>();
            maps(fx, "s").mapDirty("changed-since:t", 0, N * G, (len, dirty) -> !seen.add(len));
            assertEquals(List.of(4L * G), seen);
        }
    }

    @Test
    void aWithdrawnRelationshipsMapIsRefused() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("s", N * G);
            fx.establish("s", "t", RECORD_NOCOPY);
            DirtyMapDevice source = maps(fx, "s");
            fx.engine.withdraw("s", "t", false, true, OptionalLong.empty());
            assertEquals(List.of(), source.dirtyMapNames());
            BlockIoException e = assertThrows(
                    BlockIoException.class, () -> source.mapDirty("changed-since:t", 0, G, (len, dirty) -> true));
            assertEquals(BlockError.INVALID, e.error());
            assertThrows(BlockIoException.class, () -> source.mapDirty("no-such-map", 0, G, (len, dirty) -> true));
        }
    }

    @Test
    void grainsPastTheBitmapReadClean() {
        GrainBitmap bits = GrainBitmap.allSet(2);
        List<String> runs = new ArrayList<>();
        DirtyMaps.walk(bits, G, G, 3L * G, (len, dirty) -> runs.add(len + ":" + (dirty ? 1 : 0)));
        assertEquals(List.of(G + ":1", 2 * G + ":0"), runs);
    }
}
