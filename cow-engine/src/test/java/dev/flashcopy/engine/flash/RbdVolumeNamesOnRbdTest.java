package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.flashcopy.engine.establish.EstablishOptions;
import dev.flashcopy.engine.image.rbd.RbdImageStore;
import dev.flashcopy.rbd.RbdImage;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On RBD the volumes share the pool's namespace with the server's own images (revert areas, {@code flashcopy.*}): no
 * volume may be named into it, nor may one of those images be registered, since a host writing it through a volume
 * would corrupt the revert that reads it. A size librbd cannot make is a refusal naming the limit, not an I/O error;
 * a volume's allocated bytes come from the object map (whole objects, as {@code rbd du} counts them).
 */
@OnRbd
class RbdVolumeNamesOnRbdTest {
    @TempDir
    Path dir;

    @Test
    void theServersOwnImageNamesAreReserved() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            String created = assertThrows(
                            IllegalArgumentException.class, () -> fx.store.create("flashcopy.revert-3.img", 1 << 20))
                    .getMessage();
            assertTrue(created.contains("reserved") && created.contains("choose another name"), created);
            assertFalse(fx.store.contains("flashcopy.revert-3.img"));

            fx.store.create("src", 1 << 20);
            fx.store.create("tgt", 1 << 20);
            fx.establish("src", "tgt", EstablishOptions.defaults().withRecording(true));
            fx.engine.revertibles().setRevertible("src", "tgt");
            RbdImageStore rbd = (RbdImageStore) fx.images;
            String area = RbdImage.list(rbd.pool()).stream()
                    .filter(n -> n.contains("flashcopy.revert-") && n.endsWith(".img"))
                    .map(n -> rbd.pool().name() + "/" + n)
                    .filter(l -> l.startsWith(rbd.volumeLocation(""))) // this test's images: the pool is shared
                    .findFirst()
                    .orElseThrow(() -> new AssertionError("no revert area image in the pool"));
            String registered = assertThrows(IllegalArgumentException.class, () -> fx.store.register("stolen", area))
                    .getMessage();
            assertTrue(
                    registered.startsWith("--image: ") && registered.contains("this server's own images"), registered);
            assertFalse(fx.store.contains("stolen"));
        }
    }

    @Test
    void aSizeLibrbdCannotMakeIsARefusalNamingTheLimit() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            String m = assertThrows(IllegalArgumentException.class, () -> fx.store.create("huge", 1L << 50))
                    .getMessage();
            assertTrue(
                    m.contains("976 TiB")
                            && m.contains(((RbdImageStore) fx.images).pool().name()),
                    m);
            assertFalse(fx.store.contains("huge"));
        }
    }

    @Test
    void allocatedBytesCountWholeObjects() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("a", 64L << 20);
            fx.fill("a", 4096, 8192, 0x5a);
            fx.fill("a", 40L << 20, 4096, 0x5b);
            assertEquals(8L << 20, fx.store.get("a").image().allocatedBytes(), "two 4 MiB objects");
        }
    }
}
