package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.device.BlockError;
import dev.flashcopy.engine.device.BlockIoException;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.membership.RelationshipView;
import dev.flashcopy.engine.relationship.CopyMode;
import dev.flashcopy.engine.relationship.OnFull;
import dev.flashcopy.engine.relationship.RelationshipState;
import dev.flashcopy.engine.tuning.FlashSettings;
import dev.flashcopy.engine.volume.SimulatedDisk;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

/**
 * Disk faults under the engine ({@link SimulatedDisk}): a copy-on-write copy that hits EIO or ENOSPC on the
 * target fails the relationship durably (or, with {@code --on-full inhibit-source}, refuses the source write
 * with ENOSPC instead), the source and other volumes keep working, a failed target refuses reads rather than
 * return wrong data, and {@code rmflash} removes it.
 */
class DiskFaultTest {
    private static final int EIO = 5;
    private static final int ENOSPC = 28;
    private static final int SIZE = 1 << 20;
    private static final int GRAIN = 65536;

    private final SimulatedDisk disk = new SimulatedDisk(7);

    private EngineFixture fixture() throws Exception {
        EngineFixture fx = new EngineFixture(
                Path.of("/simulated/faults"), FlashSettings.defaults().withBackgroundCopy(false), disk);
        for (String v : List.of("src", "tgt", "old", "other")) {
            fx.store.create(v, SIZE);
        }
        fx.fill("src", 0, SIZE, 0x11);
        fx.dev("src").flush();
        return fx;
    }

    private static EstablishOptions nocopy() {
        return EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(GRAIN);
    }

    private void failWritesTo(String volume, int errno) {
        disk.fail(p -> p.getFileName().toString().equals(volume + ".img"), SimulatedDisk.Op.WRITE, errno);
        disk.fail(p -> p.getFileName().toString().equals(volume + ".img"), SimulatedDisk.Op.ALLOCATE, errno);
    }

    private static RelationshipView only(EngineFixture fx, String pair) {
        List<RelationshipView> views = fx.engine.relationships().list(pair);
        assertEquals(1, views.size(), views.toString());
        return views.get(0);
    }

    @Test
    void targetIoErrorFailsRelationshipSourceGoesOnAndFailureSurvivesRestartAndPowerLoss() throws Exception {
        try (EngineFixture fx = fixture()) {
            fx.establish("src", "tgt", nocopy());
            failWritesTo("tgt", EIO);
            fx.fill("src", 4096, 8192, 0x22); // needs a copy to tgt, which fails: the source write still succeeds
            RelationshipView v = only(fx, "src:tgt");
            assertEquals(RelationshipState.FAILED, v.state());
            assertTrue(v.failedReason().contains("I/O error"), v.failedReason());
            byte[] expected = new byte[8192];
            Arrays.fill(expected, (byte) 0x22);
            assertArrayEquals(expected, fx.read("src", 4096, 8192));
            BlockIoException read = assertThrows(BlockIoException.class, () -> fx.read("tgt", 0, 4096));
            assertEquals(BlockError.IO, read.error());
            assertTrue(read.getMessage().contains("rmflash"), read.getMessage());
            assertEquals(
                    BlockError.IO,
                    assertThrows(BlockIoException.class, () -> fx.fill("tgt", 0, 512, 1))
                            .error());
            fx.fill("other", 0, 4096, 0x33); // other volumes are untouched by the fault
            assertEquals(0x33, fx.read("other", 0, 1)[0]);
            fx.fill("src", 200_000, 70_000, 0x44); // more source writes needing copies: no retry, no error
            fx.dev("src").flush();

            disk.clearFaults();
            fx.reopen();
            assertEquals(RelationshipState.FAILED, only(fx, "src:tgt").state());
            fx.powerLossAndReopen(disk);
            v = only(fx, "src:tgt");
            assertEquals(RelationshipState.FAILED, v.state());
            assertTrue(v.failedReason().contains("I/O error"), v.failedReason());
            assertEquals(
                    BlockError.IO,
                    assertThrows(BlockIoException.class, () -> fx.read("tgt", 0, 1))
                            .error());
            assertEquals(0x44, fx.read("src", 200_000, 1)[0]);

            assertTrue(fx.engine
                    .withdraw("src", "tgt", false, false, OptionalLong.empty())
                    .withdrawn());
            assertTrue(fx.engine.relationships().list().isEmpty());
            fx.read("tgt", 0, 4096); // a plain volume again, whatever it holds
        }
    }

    @Test
    void failedMiddleOfACascadeRefusesWritesAsAnyFailedTarget() throws Exception {
        try (EngineFixture fx = fixture()) {
            fx.establish("src", "tgt", nocopy());
            fx.establish("tgt", "old", nocopy()); // src -> tgt -> old: tgt is a target and a source
            failWritesTo("tgt", EIO);
            fx.fill("src", 0, 4096, 0x22); // the copy to tgt fails: src:tgt fails, the source write goes on
            disk.clearFaults();
            assertEquals(RelationshipState.FAILED, only(fx, "src:tgt").state());
            BlockIoException write = assertThrows(BlockIoException.class, () -> fx.fill("tgt", 0, 512, 1));
            assertEquals(BlockError.IO, write.error());
            assertTrue(write.getMessage().contains("rmflash"), write.getMessage());
            assertEquals(
                    BlockError.IO,
                    assertThrows(BlockIoException.class, () -> fx.read("tgt", 0, 512))
                            .error());
        }
    }

    @Test
    void fullTargetFailsRelationshipByDefault() throws Exception {
        try (EngineFixture fx = fixture()) {
            fx.establish("src", "tgt", nocopy());
            assertEquals("fail", only(fx, "src:tgt").onFull());
            failWritesTo("tgt", ENOSPC);
            fx.fill("src", 0, 4096, 0x55);
            RelationshipView v = only(fx, "src:tgt");
            assertEquals(RelationshipState.FAILED, v.state());
            assertTrue(v.failedReason().contains("no space"), v.failedReason());
            assertEquals(0x55, fx.read("src", 0, 1)[0]);
        }
    }

    @Test
    void fullTargetWithInhibitSourceRefusesSourceWriteAndKeepsT0() throws Exception {
        try (EngineFixture fx = fixture()) {
            fx.establish("src", "tgt", nocopy().withOnFull(OnFull.INHIBIT_SOURCE));
            assertEquals("inhibit-source", only(fx, "src:tgt").onFull());
            failWritesTo("tgt", ENOSPC);
            BlockIoException e = assertThrows(BlockIoException.class, () -> fx.fill("src", 0, 4096, 0x66));
            assertEquals(BlockError.NO_SPACE, e.error());
            assertTrue(e.getMessage().contains("inhibit-source"), e.getMessage());
            RelationshipView v = only(fx, "src:tgt");
            assertEquals(RelationshipState.NOCOPY, v.state());
            assertNull(v.failedReason());
            assertEquals(0x11, fx.read("src", 0, 1)[0]); // the refused write changed nothing
            assertEquals(0x11, fx.read("tgt", 0, 1)[0]); // T0 intact
            fx.reopen();
            assertEquals("inhibit-source", only(fx, "src:tgt").onFull()); // the policy is persisted

            disk.clearFaults(); // space freed: the same write goes through and the copy is made
            fx.fill("src", 0, 4096, 0x66);
            assertEquals(0x66, fx.read("src", 0, 1)[0]);
            assertEquals(0x11, fx.read("tgt", 0, 1)[0]);
        }
    }

    @Test
    void failedNewestTargetPassesTheCopyToTheOlderOneWhichKeepsItsT0() throws Exception {
        try (EngineFixture fx = fixture()) {
            fx.establish("src", "old", nocopy()); // T0 of old: all 0x11
            fx.fill("src", 0, SIZE, 0x77);
            fx.dev("src").flush();
            fx.establish("src", "tgt", nocopy()); // T0 of tgt: all 0x77; old reads through tgt and src
            failWritesTo("tgt", EIO);
            fx.fill("src", GRAIN, GRAIN, 0x78);
            assertEquals(RelationshipState.FAILED, only(fx, "src:tgt").state());
            assertEquals(0x11, fx.read("old", GRAIN, 1)[0]);
            assertEquals(0x11, fx.read("old", 0, 1)[0]);
            fx.powerLossAndReopen(disk);
            byte[] t0 = new byte[SIZE];
            Arrays.fill(t0, (byte) 0x11);
            assertArrayEquals(t0, fx.read("old", 0, SIZE));
            assertEquals(0x78, fx.read("src", GRAIN, 1)[0]);
        }
    }

    @Test
    void backgroundCopyIntoAFailingTargetFailsTheRelationship() throws Exception {
        try (EngineFixture fx = fixture()) {
            fx.establish(
                    "src",
                    "tgt",
                    EstablishOptions.defaults().withGrainSize(GRAIN).withPersistent(true));
            failWritesTo("tgt", EIO);
            fx.engine.copies().step("src", "tgt", 4L * GRAIN);
            assertEquals(RelationshipState.FAILED, only(fx, "src:tgt").state());
            assertTrue(only(fx, "src:tgt").failedReason().contains("background copy"));
        }
    }
}
