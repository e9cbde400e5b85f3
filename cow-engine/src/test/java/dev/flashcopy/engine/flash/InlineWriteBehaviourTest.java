package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which writes a device does inline (on the server's event loop): only those to a volume in no relationship. A
 * source or a target declines, with nothing written, so copy-on-write is never bypassed: the target still reads
 * T0 and the source its old data until the usual write runs.
 */
class InlineWriteBehaviourTest {
    private static final int G = 65536;
    private static final int GRAINS = 16;
    private static final EstablishOptions NOCOPY =
            EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G);

    @TempDir
    Path dir;

    private static ByteBuffer[] block(int value) {
        ByteBuffer b = ByteBuffer.allocateDirect(4096);
        while (b.hasRemaining()) {
            b.put((byte) value);
        }
        return new ByteBuffer[] {b.flip()};
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }

    @Test
    void volumeInNoRelationshipWritesInline() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("a", GRAINS * G);
            assertTrue(fx.dev("a").writeInline(G, block(7)));
            assertArrayEquals(filled(4096, 7), fx.read("a", G, 4096));
        }
    }

    @Test
    void sourceAndTargetDeclineWithNothingWritten() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("src", GRAINS * G);
            fx.store.create("tgt", GRAINS * G);
            fx.fill("src", 0, G, 1);
            fx.establish("src", "tgt", NOCOPY);
            assertFalse(fx.dev("src").writeInline(0, block(2)), "a source write may have to copy its grain first");
            assertFalse(fx.dev("tgt").writeInline(0, block(3)), "a target write may copy the rest of its grain");
            assertArrayEquals(filled(4096, 1), fx.read("src", 0, 4096), "the source's old data");
            assertArrayEquals(filled(4096, 1), fx.read("tgt", 0, 4096), "the target still reads T0");
            fx.fill("src", 0, 4096, 2); // the usual way: copies grain 0 first
            assertArrayEquals(filled(4096, 1), fx.read("tgt", 0, 4096), "T0 kept by the copy");
        }
    }
}
