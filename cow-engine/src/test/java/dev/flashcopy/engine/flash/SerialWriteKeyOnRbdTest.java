package dev.flashcopy.engine.flash;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * On RBD a plain volume's writes take no serial lane: the image takes many writes in flight, where a file's writes
 * would only queue on its inode lock (SerialWriteKeyBehaviourTest holds the file side).
 */
@OnRbd
class SerialWriteKeyOnRbdTest {
    @TempDir
    Path dir;

    @Test
    void aPlainRbdVolumeNamesNoLaneAndStillTakesItsWrites() throws Exception {
        try (EngineFixture fx = new EngineFixture(dir)) {
            fx.store.create("a", 1 << 20);
            assertNull(fx.dev("a").serialWriteKey(0, 4096), "RBD writes run side by side");
            fx.fill("a", 4096, 8192, 0x5a);
            byte[] expected = new byte[8192];
            Arrays.fill(expected, (byte) 0x5a);
            assertArrayEquals(expected, fx.read("a", 4096, 8192));
        }
    }
}
