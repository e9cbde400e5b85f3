package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.tuning.FlashSettings;
import dev.flashcopy.engine.volume.SimulatedDisk;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * A source write to a grain whose bit a target write cleared moments before (the clear still only queued in the
 * journal) commits that clear before it changes the source, even though source writes now commit only the records
 * of their own grains. Otherwise a power loss could keep the source's new bytes and lose the clear, and the target
 * would read them as its T0. The disk keeps a random part of what was not forced, so the test repeats the
 * sequence over many seeds: without the commit, about half of them show the source's bytes on the target.
 */
class GrainCommitPowerLossTest {
    private static final int G = 65536;
    private static final EstablishOptions NOCOPY =
            EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G);

    @Test
    void targetNeverReadsTheSourcesNewBytesAfterPowerLoss() throws Exception {
        int targetWriteKept = 0;
        for (long seed = 1; seed <= 24; seed++) {
            SimulatedDisk disk = new SimulatedDisk(seed);
            try (EngineFixture fx = new EngineFixture(
                    Path.of("/simulated/grain" + seed), FlashSettings.defaults().withBackgroundCopy(false), disk)) {
                fx.store.create("s", 4L * G);
                fx.fill("s", 0, 4 * G, 'a');
                fx.dev("s").flush();
                fx.establish("s", "t", NOCOPY);
                fx.fill("s", 3L * G, 4096, 'x'); // another grain copied and committed: the journal is in use
                fx.fill("t", G, G, 'T'); // grain 1's bit clears; its record is only queued
                fx.fill("s", G, 4096, 'N'); // must commit grain 1's record before this reaches the source
                fx.powerLossAndReopen(disk);
                byte[] grain1 = fx.read("t", G, G);
                for (int i = 0; i < G; i++) {
                    assertTrue(
                            grain1[i] == 'T' || grain1[i] == 'a',
                            "seed " + seed + ": target byte " + i + " of grain 1 reads " + (char) grain1[i]
                                    + " (T0 is 'a', its own write 'T')");
                }
                if (grain1[0] == 'T') {
                    targetWriteKept++;
                }
            }
        }
        assertEquals(
                24,
                targetWriteKept,
                "the clear was committed before the source write, with the target's "
                        + "data synced ahead of it, so every seed keeps the target write");
    }
}
