package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import dev.flashcopy.engine.device.DeviceLease;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which writes name a file to be run one at a time (the server's serial lanes): those that are one write to the
 * volume's image and nothing else. A volume in no relationship, always; a source, where every grain the write
 * covers is copied and that copy durable; never a target, nor a source write that would copy, mark or commit.
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
                assertSame(
                        key,
                        other.device().serialWriteKey(G, 4096),
                        "another lease of the volume writes the same file, so it must name the same key");
            }
        }
    }

    @Test
    void targetNamesNoFile() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("src", GRAINS * G);
            fx.store.create("tgt", GRAINS * G);
            fx.establish("src", "tgt", NOCOPY);
            assertNull(fx.dev("tgt").serialWriteKey(0, 4096), "a target write may copy the rest of its grain");
            fx.fill("tgt", 0, G, 1); // grain 0 now its own
            assertNull(fx.dev("tgt").serialWriteKey(0, 4096), "targets are never asked to run serially");
        }
    }

    @Test
    void sourceNamesItsImageOnlyWhereItsGrainsAreCopiedAndThatIsDurable() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("src", GRAINS * G);
            fx.store.create("tgt", GRAINS * G);
            fx.establish("src", "tgt", NOCOPY);
            assertNull(fx.dev("src").serialWriteKey(0, 4096), "grain 0 still to copy");
            fx.fill("src", 0, 4096, 2); // copies grain 0 and commits its record
            Object key = fx.dev("src").serialWriteKey(100, 4096);
            assertNotNull(key, "grain 0 is copied and its record durable");
            assertNull(fx.dev("src").serialWriteKey(G - 100, 200), "the write reaches grain 1, still to copy");
            fx.fill("tgt", 5L * G, G, 3); // grain 5's bit clears; the record is only queued
            assertNull(fx.dev("src").serialWriteKey(5L * G, 4096), "grain 5's clear is not durable yet");
            fx.dev("tgt").flush();
            assertSame(key, fx.dev("src").serialWriteKey(5L * G, 4096), "now it is");
        }
    }

    @Test
    void sourceOfAChainNamesItsImageOnlyWhereTheNewestMarkedTheGrainChanged() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("src", GRAINS * G);
            fx.establish("src", "old", NOCOPY);
            fx.establish("src", "new", NOCOPY);
            fx.fill("new", 0, G, 1); // grain 0 copied into new by a whole-grain write: no source mark yet
            fx.dev("new").flush();
            assertNull(fx.dev("src").serialWriteKey(0, 4096), "the newest of a chain marks the grain first");
            fx.fill("src", 0, 4096, 2); // marks it, durably
            assertNotNull(fx.dev("src").serialWriteKey(100, 4096), "marked and durable: a plain write");
        }
    }

    @Test
    void recordingSourceNamesNoFile() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("src", GRAINS * G);
            fx.store.create("tgt", GRAINS * G);
            fx.establish("src", "tgt", NOCOPY.withRecording(true));
            fx.fill("src", 0, 4096, 2);
            assertNull(fx.dev("src").serialWriteKey(0, 4096), "a recording source write marks the grain changed");
        }
    }
}
