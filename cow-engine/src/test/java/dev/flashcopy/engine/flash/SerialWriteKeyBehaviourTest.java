package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.relationship.CopyMode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which exported volumes name a file for their writes to be run one at a time (the server's serial lanes): a
 * volume in no relationship, whose every write is one write to its image; never a source or a target, whose
 * writes may copy grains and commit the journal first, which concurrent writers share.
 */
class SerialWriteKeyBehaviourTest {
    private static final int G = 65536;
    private static final int GRAINS = 16;
    private static final EstablishOptions NOCOPY =
            EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G);

    @TempDir
    Path dir;

    @Test
    void volumeInNoRelationshipNamesItsImageWhateverTheLease() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("a", GRAINS * G);
            Object key = fx.dev("a").serialWriteKey(0, 4096);
            assertNotNull(key);
            try (DeviceLease other = fx.engine.devices().acquire("a").orElseThrow()) {
                assertSame(key, other.device().serialWriteKey(G, 4096),
                        "another lease of the volume writes the same file, so it must name the same key");
            }
        }
    }

    @Test
    void sourceAndTargetNameNoFile() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("src", GRAINS * G);
            fx.store.create("tgt", GRAINS * G);
            fx.establish("src", "tgt", NOCOPY);
            assertNull(fx.dev("src").serialWriteKey(0, 4096), "a source write may copy the grain first");
            assertNull(fx.dev("tgt").serialWriteKey(0, 4096), "a target write may copy the rest of its grain");
        }
    }
}
