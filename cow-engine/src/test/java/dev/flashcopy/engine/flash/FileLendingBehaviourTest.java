package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import dev.flashcopy.engine.device.FileRangeDevice;
import dev.flashcopy.engine.device.HeldFile;
import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.relationship.CopyMode;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Which exported volumes lend their image for zero-copy sends: only those whose data is their own image, so a
 * send that runs after a copy-on-write can never show a target its source's new data.
 */
class FileLendingBehaviourTest {
    private static final int G = 65536;
    private static final int GRAINS = 16;
    private static final EstablishOptions NOCOPY =
            EstablishOptions.defaults().withMode(CopyMode.NOCOPY).withGrainSize(G);

    @TempDir
    Path dir;

    private static HeldFile lent(EngineFixture fx, String volume) throws Exception {
        return ((FileRangeDevice) fx.dev(volume)).fileHolding(0, GRAINS * G);
    }

    @Test
    void volumeInNoRelationshipLendsItsImage() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("a", GRAINS * G);
            fx.fill("a", 0, GRAINS * G, 7);
            HeldFile held = lent(fx, "a");
            assertNotNull(held);
            ByteBuffer first = ByteBuffer.allocate(G);
            held.channel().read(first, 0);
            held.release();
            assertArrayEquals(fx.read("a", 0, G), first.array());
        }
    }

    @Test
    void targetNeverLendsItsImageButItsPlainSourceDoes() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("src", GRAINS * G);
            fx.store.create("tgt", GRAINS * G);
            fx.fill("src", 0, GRAINS * G, 1);
            fx.fill("tgt", 0, GRAINS * G, 2);
            fx.establish("src", "tgt", NOCOPY);
            assertNull(lent(fx, "tgt"), "a target's uncopied grains live in its source");
            HeldFile source = lent(fx, "src");
            assertNotNull(source, "a plain source reads its own image");
            source.release();
        }
    }

    @Test
    void middleOfACascadeNeverLendsItsImage() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            for (String v : new String[] {"v0", "v1", "v2"}) {
                fx.store.create(v, GRAINS * G);
                fx.fill(v, 0, GRAINS * G, v.charAt(1));
            }
            fx.establish("v0", "v1", NOCOPY);
            fx.establish("v1", "v2", NOCOPY);
            assertNull(lent(fx, "v1"), "v1 is a target too: its grains may live in v0");
            assertNull(lent(fx, "v2"));
        }
    }
}
